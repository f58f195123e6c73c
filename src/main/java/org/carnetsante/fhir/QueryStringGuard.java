package org.carnetsante.fhir;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.apache.catalina.Globals;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses (400) a FHIR request whose parameters break the {@link QueryStringInspector} rules, in its
 * URL or in a form-encoded body ({@code POST [type]/_search}). It has to be a servlet filter: HAPI
 * decodes the query string before any of its interceptors runs, and a broken escape there is a server
 * error. A form-encoded body is decoded by the servlet container (Spring Security reads it looking for
 * an {@code access_token}), which skips what it cannot decode: a search would then run without the
 * condition the client wrote; here such a body is refused, as the container reports.
 */
public class QueryStringGuard extends OncePerRequestFilter {

	private static final String FORM = "application/x-www-form-urlencoded";

	private final int maxSearchValues;

	public QueryStringGuard(int maxSearchValues) {
		this.maxSearchValues = maxSearchValues;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		try {
			String query = request.getQueryString();
			if (query != null) {
				QueryStringInspector.check(query, "The URL's query string", maxSearchValues);
			}
			if (isForm(request)) {
				checkFormBody(request);
			}
		} catch (InvalidRequestException refused) {
			OperationOutcomes.write(response, HttpServletResponse.SC_BAD_REQUEST, "invalid", refused.getMessage());
			return;
		}
		chain.doFilter(request, response);
	}

	private void checkFormBody(HttpServletRequest request) {
		// The container decodes the URL's and the body's parameters together, once.
		java.util.Map<String, String[]> parameters = request.getParameterMap();
		if (request.getAttribute(Globals.PARAMETER_PARSE_FAILED_ATTR) != null) {
			throw new InvalidRequestException("The form-encoded body could not be decoded ("
					+ request.getAttribute(Globals.PARAMETER_PARSE_FAILED_REASON_ATTR)
					+ "): check its escapes (% and two hexadecimal digits) and its number of parameters");
		}
		QueryStringInspector.checkDecoded(parameters, "The form-encoded body", maxSearchValues);
	}

	private static boolean isForm(HttpServletRequest request) {
		String contentType = request.getContentType();
		return "POST".equals(request.getMethod()) && contentType != null
				&& contentType.toLowerCase(Locale.ROOT).startsWith(FORM);
	}
}
