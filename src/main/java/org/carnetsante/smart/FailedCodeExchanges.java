package org.carnetsante.smart;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * An authorization code is good for one successful exchange only, and for no attempt after a failed
 * one: a token request for the {@code authorization_code} grant that ends in {@code invalid_grant}
 * (wrong PKCE {@code code_verifier}, wrong {@code redirect_uri}, another client, a replay…) invalidates
 * the code, so that whoever tried it cannot try again, even with the right verifier (PKCE, RFC 7636
 * §4.6, exists because codes can be intercepted). If the code had already been exchanged, the tokens
 * issued from it are invalidated too, as for a replay (RFC 6749 §4.1.2), and so refused by
 * {@code /fhir} ({@link RevocationTrackingAuthorizationService}).
 *
 * <p>Spring Authorization Server checks the verifier while authenticating the client, and leaves the
 * code usable when it fails; this handler runs after that failure (and after the token endpoint's
 * own), then lets {@code errors} answer as before.
 */
class FailedCodeExchanges implements AuthenticationFailureHandler {

	private static final OAuth2TokenType CODE = new OAuth2TokenType(OAuth2ParameterNames.CODE);

	private final OAuth2AuthorizationService authorizations;
	private final AuthenticationFailureHandler errors;

	FailedCodeExchanges(OAuth2AuthorizationService authorizations, AuthenticationFailureHandler errors) {
		this.authorizations = authorizations;
		this.errors = errors;
	}

	@Override
	public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException failure) throws IOException, ServletException {
		String code = request.getParameter(OAuth2ParameterNames.CODE);
		if (failure instanceof OAuth2AuthenticationException oauth
				&& OAuth2ErrorCodes.INVALID_GRANT.equals(oauth.getError().getErrorCode())
				&& AuthorizationGrantType.AUTHORIZATION_CODE.getValue().equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE))
				&& code != null && !code.isBlank()) {
			invalidate(code);
		}
		errors.onAuthenticationFailure(request, response, failure);
	}

	private void invalidate(String code) {
		OAuth2Authorization authorization = authorizations.findByToken(code, CODE);
		if (authorization == null || authorization.getToken(code) == null || allInvalidated(authorization, code)) {
			return;
		}
		OAuth2Authorization.Builder invalidated = OAuth2Authorization.from(authorization)
				.invalidate(authorization.getToken(code).getToken());
		// Exchanged before: this attempt is a replay, whatever made it fail.
		if (authorization.getRefreshToken() != null) {
			invalidated.invalidate(authorization.getRefreshToken().getToken());
		} else if (authorization.getAccessToken() != null) {
			invalidated.invalidate(authorization.getAccessToken().getToken());
		}
		authorizations.save(invalidated.build());
	}

	private static boolean allInvalidated(OAuth2Authorization authorization, String code) {
		return authorization.getToken(code).isInvalidated()
				&& (authorization.getAccessToken() == null || authorization.getAccessToken().isInvalidated())
				&& (authorization.getRefreshToken() == null || authorization.getRefreshToken().isInvalidated());
	}
}
