package org.carnetsante.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written by hand on a socket, for what Java's HTTP client refuses to send: a {@code Host}
 * header naming another server, as an attacker would forge it.
 */
public final class RawHttp {

	private static final int TIMEOUT_MILLIS = 30_000;

	private RawHttp() {}

	/** The answer: status, headers (names in lower case) and body (chunked transfer decoded). */
	public record Response(int status, Map<String, String> headers, String body) {}

	/** Sends {@code method path} to the local server on {@code port} with the given Host and headers. */
	public static Response send(int port, String method, String path, String host, Map<String, String> headers,
			String body) {
		return send(null, port, method, path, host, headers, body);
	}

	/**
	 * The same, from a chosen local address ({@code 127.x.y.z}: Linux answers the whole 127.0.0.0/8 on
	 * loopback), so that the server sees a client address of the test's own; null for the default one.
	 */
	public static Response send(InetAddress from, int port, String method, String path, String host,
			Map<String, String> headers, String body) {
		StringBuilder request = new StringBuilder()
				.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
				.append("Host: ").append(host).append("\r\n")
				.append("Connection: close\r\n");
		headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
		byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
		if (body != null) {
			request.append("Content-Length: ").append(content.length).append("\r\n");
		}
		request.append("\r\n");
		try (Socket socket = from == null
				? new Socket(InetAddress.getLoopbackAddress(), port)
				: new Socket(InetAddress.getLoopbackAddress(), port, from, 0)) {
			socket.setSoTimeout(TIMEOUT_MILLIS);
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
			out.write(content);
			out.flush();
			return parse(socket.getInputStream().readAllBytes());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static Response parse(byte[] raw) throws IOException {
		String text = new String(raw, StandardCharsets.ISO_8859_1);
		int headEnd = text.indexOf("\r\n\r\n");
		String[] head = text.substring(0, headEnd).split("\r\n");
		int status = Integer.parseInt(head[0].split(" ")[1]);
		Map<String, String> headers = new LinkedHashMap<>();
		for (int i = 1; i < head.length; i++) {
			int colon = head[i].indexOf(':');
			headers.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
		}
		byte[] body = java.util.Arrays.copyOfRange(raw, headEnd + 4, raw.length);
		if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
			body = unchunk(new java.io.ByteArrayInputStream(body));
		}
		return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
	}

	private static byte[] unchunk(InputStream in) throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		while (true) {
			String sizeLine = line(in);
			int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
			if (size == 0) {
				return body.toByteArray();
			}
			body.write(in.readNBytes(size));
			line(in); // the CRLF after the chunk
		}
	}

	private static String line(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}
}
