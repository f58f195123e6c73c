package org.carnetsante.smart;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What the person ticks on the consent page is the whole answer. Spring Authorization Server, when the
 * consent form comes back, adds to the ticked scopes every scope the person approved for this app before:
 * once an app had been approved, unticking one of those scopes, or refusing everything, would change
 * nothing (the refusal would still give the app a code). So, just before the form reaches it, the person's
 * earlier consent for this app is forgotten: the app gets what is ticked now, and nothing ticked is a
 * refusal ({@code access_denied}, and the pending authorization removed). The earlier tokens are not
 * touched here: withdrawing them is the authorized apps page's job ({@link AppAccessWithdrawal}).
 *
 * <p>A consent form is a POST to the authorization endpoint without {@code response_type}; the pending
 * authorization it answers is found by its {@code state} and must be the signed-in person's.
 */
final class ConsentAnswerIsWhole extends OncePerRequestFilter {

	private static final OAuth2TokenType STATE = new OAuth2TokenType(OAuth2ParameterNames.STATE);

	private final OAuth2AuthorizationService authorizations;
	private final OAuth2AuthorizationConsentService consents;
	private final String authorizationEndpoint;

	ConsentAnswerIsWhole(OAuth2AuthorizationService authorizations, OAuth2AuthorizationConsentService consents,
			String authorizationEndpoint) {
		this.authorizations = authorizations;
		this.consents = consents;
		this.authorizationEndpoint = authorizationEndpoint;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (isConsentAnswer(request)) {
			forgetEarlierConsent(request.getParameter(OAuth2ParameterNames.STATE));
		}
		chain.doFilter(request, response);
	}

	private boolean isConsentAnswer(HttpServletRequest request) {
		return "POST".equals(request.getMethod())
				&& request.getRequestURI().equals(request.getContextPath() + authorizationEndpoint)
				&& request.getParameter(OAuth2ParameterNames.RESPONSE_TYPE) == null
				&& request.getParameter(OAuth2ParameterNames.STATE) != null;
	}

	private void forgetEarlierConsent(String state) {
		Authentication person = SecurityContextHolder.getContext().getAuthentication();
		OAuth2Authorization pending = authorizations.findByToken(state, STATE);
		if (person == null || pending == null || !pending.getPrincipalName().equals(person.getName())) {
			return; // Spring Authorization Server refuses such an answer itself
		}
		OAuth2AuthorizationConsent earlier = consents.findById(pending.getRegisteredClientId(), person.getName());
		if (earlier != null) {
			consents.remove(earlier);
		}
	}
}
