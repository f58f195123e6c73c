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
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies larger than {@code carnet.fhir.max-request-body} with 413 and an
 * OperationOutcome, before anything is parsed or stored.
 *
 * <p>A declared {@code Content-Length} over the limit is refused at once. A chunked body has no
 * length up front, so its stream is counted as HAPI reads it and reading past the limit raises
 * HAPI's {@link PayloadTooLargeException}, which HAPI answers as 413 (the transaction never starts).
 */
public class RequestBodyLimitFilter extends OncePerRequestFilter {

	private final long maxBytes;

	public RequestBodyLimitFilter(long maxBytes) {
		this.maxBytes = maxBytes;
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
		chain.doFilter(new LimitedBodyRequest(request, maxBytes), response);
	}

	private static final class LimitedBodyRequest extends HttpServletRequestWrapper {

		private final long maxBytes;
		private ServletInputStream limitedStream;

		LimitedBodyRequest(HttpServletRequest request, long maxBytes) {
			super(request);
			this.maxBytes = maxBytes;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (limitedStream == null) {
				limitedStream = new LimitedInputStream(super.getInputStream(), maxBytes);
			}
			return limitedStream;
		}
	}

	private static final class LimitedInputStream extends ServletInputStream {

		private final ServletInputStream delegate;
		private final long maxBytes;
		private long bytesRead;

		LimitedInputStream(ServletInputStream delegate, long maxBytes) {
			this.delegate = delegate;
			this.maxBytes = maxBytes;
		}

		@Override
		public int read() throws IOException {
			int next = delegate.read();
			if (next >= 0) {
				count(1);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int read = delegate.read(buffer, offset, length);
			if (read > 0) {
				count(read);
			}
			return read;
		}

		private void count(int read) {
			bytesRead += read;
			if (bytesRead > maxBytes) {
				throw new PayloadTooLargeException(
						"Request body exceeds the limit of " + maxBytes + " bytes");
			}
		}

		@Override
		public boolean isFinished() {
			return delegate.isFinished();
		}

		@Override
		public boolean isReady() {
			return delegate.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			delegate.setReadListener(listener);
		}
	}
}
