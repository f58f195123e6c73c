package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/** What the tests of bad input share: resources to aim at, sent as raw as they need. */
abstract class FhirInputTest extends CarnetServerTest {

	static final String JSON = "application/fhir+json";
	static final String XML = "application/fhir+xml";

	/**
	 * A new patient whose space the test hospital may read (Patient and CareTeam in one transaction),
	 * sent with the plain HTTP client: HAPI's client gives up after 10 s, which the very first
	 * validation of a run may take.
	 */
	String patientInOurCareOverHttp(Patient patient) {
		String placeholder = "urn:uuid:" + UUID.randomUUID();
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl(placeholder).setResource(patient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().setResource(Fixtures.careTeam(placeholder, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
		HttpResponse<String> response = send(request("").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(transaction))).build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Bundle answer = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
		return new IdType(answer.getEntryFirstRep().getResponse().getLocation()).getIdPart();
	}

	/** An Observation about {@code patient}, with {@code extra} JSON members. */
	static String observationJson(String patient, String extra) {
		return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"glycémie\"},"
				+ "\"subject\":{\"reference\":\"Patient/" + patient + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
	}

	/** Creates a resource; returns its id. */
	String created(String path, String json) {
		HttpResponse<String> response = send(request(path).header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(json)).build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return new IdType(response.headers().firstValue("Location").orElseThrow()).getIdPart();
	}

	/** A GET written on the socket as is (an HTTP client would refuse to send these targets): the whole answer. */
	String rawGet(String target) throws IOException {
		return new String(exchange("GET", target, Map.of("Accept", JSON), null), StandardCharsets.UTF_8);
	}

	/**
	 * A request written on the socket exactly as given, with the test hospital's token: any target,
	 * any header. The answer is read to its end (the connection is closed after it).
	 */
	RawResponse raw(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
		return RawResponse.parse(exchange(method, target, headers, body));
	}

	private byte[] exchange(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
		StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
				.append("Host: localhost:").append(port).append("\r\n")
				.append("Authorization: Bearer ").append(token()).append("\r\n")
				.append("Connection: close\r\n");
		headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
		if (body != null) {
			head.append("Content-Length: ").append(body.length).append("\r\n");
		}
		head.append("\r\n");
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(60_000);
			socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
			if (body != null) {
				socket.getOutputStream().write(body);
			}
			socket.getOutputStream().flush();
			return socket.getInputStream().readAllBytes();
		}
	}

	/** An HTTP answer: status, headers (names in lower case), body (de-chunked). */
	record RawResponse(int status, Map<String, String> headers, String body) {

		static RawResponse parse(byte[] answer) {
			String text = new String(answer, StandardCharsets.ISO_8859_1);
			int end = text.indexOf("\r\n\r\n");
			if (end < 0) {
				throw new IllegalStateException("No HTTP answer: " + text);
			}
			String[] lines = text.substring(0, end).split("\r\n");
			int status = Integer.parseInt(lines[0].split(" ")[1]);
			Map<String, String> headers = new java.util.HashMap<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
						lines[i].substring(colon + 1).trim());
			}
			byte[] body = java.util.Arrays.copyOfRange(answer, end + 4, answer.length);
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				body = dechunked(body);
			}
			return new RawResponse(status, headers, new String(body, StandardCharsets.UTF_8));
		}

		private static byte[] dechunked(byte[] chunked) {
			java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
			int at = 0;
			while (at < chunked.length) {
				int lineEnd = at;
				while (lineEnd + 1 < chunked.length && !(chunked[lineEnd] == '\r' && chunked[lineEnd + 1] == '\n')) {
					lineEnd++;
				}
				String size = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].trim();
				int length = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
				if (length == 0) {
					break;
				}
				plain.write(chunked, lineEnd + 2, Math.min(length, chunked.length - lineEnd - 2));
				at = lineEnd + 2 + length + 2;
			}
			return plain.toByteArray();
		}
	}
}
