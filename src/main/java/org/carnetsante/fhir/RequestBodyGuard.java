package org.carnetsante.fhir;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the FHIR endpoint against bodies that would cost the server more than any real request:
 * larger than {@code carnet.fhir.max-request-body} (413), or JSON nested deeper than
 * {@code carnet.fhir.max-json-nesting-depth} (400). Both answers are OperationOutcomes and come
 * before anything is stored.
 *
 * <p>A declared {@code Content-Length} over the limit is refused at once. Otherwise the body is
 * counted as HAPI reads it, and reading past a limit raises the HAPI exception that HAPI turns into
 * the answer. A gzip-encoded body is inflated here, so the limit applies to what the server really
 * has to hold (a small compressed "bomb" would otherwise inflate in memory), and HAPI receives it
 * plain.
 */
public class RequestBodyGuard extends OncePerRequestFilter {

	private final long maxBytes;
	private final int maxJsonNestingDepth;

	public RequestBodyGuard(long maxBytes, int maxJsonNestingDepth) {
		this.maxBytes = maxBytes;
		this.maxJsonNestingDepth = maxJsonNestingDepth;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long declaredLength = request.getContentLengthLong();
		if (declaredLength > maxBytes) {
			OperationOutcomes.write(
					response,
					HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
					"too-costly",
					"Request body of " + declaredLength + " bytes exceeds the limit of " + maxBytes + " bytes");
			return;
		}
		String encoding = request.getHeader("Content-Encoding");
		boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
		String contentType = request.getContentType();
		boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json");
		chain.doFilter(new GuardedRequest(request, gzip, json), response);
	}

	private final class GuardedRequest extends HttpServletRequestWrapper {

		private final boolean gzip;
		private final boolean json;
		private ServletInputStream guardedStream;

		GuardedRequest(HttpServletRequest request, boolean gzip, boolean json) {
			super(request);
			this.gzip = gzip;
			this.json = json;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (guardedStream == null) {
				ServletInputStream raw = super.getInputStream();
				InputStream body = gzip ? new GZIPInputStream(raw) : raw;
				guardedStream = new GuardedInputStream(raw, body, json);
			}
			return guardedStream;
		}

		// Once inflated here, the body is no longer gzip and its length is no longer the declared one.
		@Override
		public String getHeader(String name) {
			return gzip && isInflatedHeader(name) ? null : super.getHeader(name);
		}

		@Override
		public Enumeration<String> getHeaders(String name) {
			return gzip && isInflatedHeader(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
		}

		@Override
		public int getContentLength() {
			return gzip ? -1 : super.getContentLength();
		}

		@Override
		public long getContentLengthLong() {
			return gzip ? -1 : super.getContentLengthLong();
		}

		private boolean isInflatedHeader(String name) {
			return "Content-Encoding".equalsIgnoreCase(name) || "Content-Length".equalsIgnoreCase(name);
		}
	}

	private final class GuardedInputStream extends ServletInputStream {

		private final ServletInputStream raw;
		private final InputStream body;
		private final boolean json;
		private long bytesRead;
		private int depth;
		private boolean inString;
		private boolean escaped;

		GuardedInputStream(ServletInputStream raw, InputStream body, boolean json) {
			this.raw = raw;
			this.body = body;
			this.json = json;
		}

		@Override
		public int read() throws IOException {
			int next = body.read();
			if (next >= 0) {
				inspect(next);
				count(1);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int read = body.read(buffer, offset, length);
			if (read > 0) {
				for (int i = offset; i < offset + read; i++) {
					inspect(buffer[i]);
				}
				count(read);
			}
			return read;
		}

		private void count(int read) {
			bytesRead += read;
			if (bytesRead > maxBytes) {
				throw new PayloadTooLargeException("Request body exceeds the limit of " + maxBytes + " bytes");
			}
		}

		/** Tracks JSON nesting outside strings; multi-byte UTF-8 never looks like a JSON delimiter. */
		private void inspect(int b) {
			if (!json) {
				return;
			}
			if (inString) {
				if (escaped) {
					escaped = false;
				} else if (b == '\\') {
					escaped = true;
				} else if (b == '"') {
					inString = false;
				}
			} else if (b == '"') {
				inString = true;
			} else if (b == '{' || b == '[') {
				if (++depth > maxJsonNestingDepth) {
					throw new InvalidRequestException(
							"JSON body nested deeper than " + maxJsonNestingDepth + " levels");
				}
			} else if (b == '}' || b == ']') {
				depth--;
			}
		}

		@Override
		public boolean isFinished() {
			return raw.isFinished();
		}

		@Override
		public boolean isReady() {
			return raw.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			raw.setReadListener(listener);
		}
	}
}
