package org.carnetsante.fhir;

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
 * Guards the FHIR endpoint against bodies that would cost the server more than any real request, or
 * that HAPI's parsers would turn into a server error: larger than {@code carnet.fhir.max-request-body}
 * (413); JSON nested too deep, with numbers out of {@link DecimalBounds} or misplaced nulls
 * ({@link JsonBodyInspector}); XML with absurdly long numerals ({@link XmlBodyInspector}) (400).
 * Form-encoded bodies are decoded by the servlet container: {@link QueryStringGuard} checks them. Every
 * answer is an OperationOutcome and comes before anything is stored.
 *
 * <p>A declared {@code Content-Length} over the limit is refused at once. Otherwise the body is
 * counted and inspected as HAPI reads it, and reading past a limit raises the HAPI exception that
 * HAPI turns into the answer. A gzip-encoded body is inflated here, so the limit applies to what the
 * server really has to hold (a small compressed "bomb" would otherwise inflate in memory), and HAPI
 * receives it plain.
 */
public class RequestBodyGuard extends OncePerRequestFilter {

	private final long maxBytes;
	private final int maxJsonNestingDepth;
	private final DecimalBounds decimals;

	public RequestBodyGuard(long maxBytes, int maxJsonNestingDepth, DecimalBounds decimals) {
		this.maxBytes = maxBytes;
		this.maxJsonNestingDepth = maxJsonNestingDepth;
		this.decimals = decimals;
	}

	/**
	 * Uploads streamed to disk by their own endpoint, with their own limit and gzip handling: the insured registry
	 * ({@code POST /fhir/$import}, package space), hundreds of megabytes that never sit in memory.
	 */
	public static final String STREAMED_UPLOAD_PATH = "/fhir/$import";

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return STREAMED_UPLOAD_PATH.equals(request.getRequestURI());
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
		chain.doFilter(new GuardedRequest(request, gzip, inspectorFor(request.getContentType())), response);
	}

	/** JSON covers FHIR JSON and JSON Patch; XML covers FHIR XML (FHIRPath Patch is FHIR). */
	private BodyInspector inspectorFor(String contentType) {
		String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
		if (type.contains("json")) {
			return new JsonBodyInspector(maxJsonNestingDepth, decimals);
		}
		if (type.contains("xml")) {
			return new XmlBodyInspector();
		}
		return BodyInspector.NONE;
	}

	private final class GuardedRequest extends HttpServletRequestWrapper {

		private final boolean gzip;
		private final BodyInspector inspector;
		private ServletInputStream guardedStream;

		GuardedRequest(HttpServletRequest request, boolean gzip, BodyInspector inspector) {
			super(request);
			this.gzip = gzip;
			this.inspector = inspector;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (guardedStream == null) {
				ServletInputStream raw = super.getInputStream();
				InputStream body = gzip ? new GZIPInputStream(raw) : raw;
				guardedStream = new GuardedInputStream(raw, body, inspector);
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
		private final BodyInspector inspector;
		private long bytesRead;

		GuardedInputStream(ServletInputStream raw, InputStream body, BodyInspector inspector) {
			this.raw = raw;
			this.body = body;
			this.inspector = inspector;
		}

		@Override
		public int read() throws IOException {
			int next = body.read();
			if (next >= 0) {
				count(1);
				inspector.inspect(next);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int read = body.read(buffer, offset, length);
			if (read > 0) {
				count(read);
				inspector.inspect(buffer, offset, read);
			}
			return read;
		}

		private void count(int read) {
			bytesRead += read;
			if (bytesRead > maxBytes) {
				throw new PayloadTooLargeException("Request body exceeds the limit of " + maxBytes + " bytes");
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
