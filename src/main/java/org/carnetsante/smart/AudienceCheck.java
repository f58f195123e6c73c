package org.carnetsante.smart;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * SMART App Launch 2.x §2.0.5: an authorization request names, in {@code aud}, the FHIR server the
 * app means to use; the authorization server refuses one that names another server, so a token meant
 * for a phishing copy of the FHIR endpoint is never issued for this one.
 */
class AudienceCheck extends OncePerRequestFilter {

	private final SmartProperties smart;

	AudienceCheck(SmartProperties smart) {
		this.smart = smart;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		// Spring Authorization Server also takes an authorization request as a form POST (for a person
		// already logged in): its aud is checked alike. A POST without response_type is the consent form.
		boolean authorizationRequest = "GET".equals(request.getMethod())
				|| ("POST".equals(request.getMethod()) && request.getParameter("response_type") != null);
		if (authorizationRequest && request.getRequestURI().endsWith("/oauth2/authorize")) {
			String expected = smart.issuerFor(request) + AuthorizationServerConfig.FHIR_AUDIENCE_PATH;
			String audience = request.getParameter("aud");
			if (audience == null || !(audience.equals(expected) || audience.equals(expected + "/"))) {
				response.sendError(HttpServletResponse.SC_BAD_REQUEST,
						"aud must be this server's FHIR base URL " + expected);
				return;
			}
		}
		chain.doFilter(request, response);
	}
}
