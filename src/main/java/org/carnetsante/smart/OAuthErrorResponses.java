package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * The OAuth error answers of the endpoints clients call directly (token, introspection, revocation),
 * as RFC 6749 §5.2 words them: a JSON body {@code {"error": …}}, 401 for {@code invalid_client} (with
 * a {@code WWW-Authenticate} challenge when the client tried HTTP authentication) and 400 otherwise.
 * Never a redirect to the login page, never HTML: only the browser-facing authorization endpoint
 * sends people to log in.
 */
final class OAuthErrorResponses {

	private static final OAuth2ErrorHttpMessageConverter JSON = new OAuth2ErrorHttpMessageConverter();

	private OAuthErrorResponses() {}

	/**
	 * A request that reached one of these endpoints without authenticating its client: no credentials, or
	 * a public client (which authenticates only by the PKCE verifier of a code exchange) asking for
	 * another grant ({@code client_credentials}, {@code refresh_token}…), introspection or revocation.
	 */
	static AuthenticationEntryPoint clientAuthenticationRequired() {
		return (request, response, failure) -> write(request, response, new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT,
				"Client authentication is required: a public client may only exchange an authorization code with its "
						+ "PKCE code_verifier", null));
	}

	/**
	 * Failures of client authentication, worded as Spring Authorization Server words them (the error
	 * code only: how the authentication failed is not told).
	 */
	static AuthenticationFailureHandler clientAuthenticationFailed() {
		return (request, response, failure) -> write(request, response, new OAuth2Error(errorOf(failure).getErrorCode()));
	}

	private static OAuth2Error errorOf(AuthenticationException failure) {
		return failure instanceof OAuth2AuthenticationException oauth
				? oauth.getError() : new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT);
	}

	private static void write(HttpServletRequest request, HttpServletResponse response, OAuth2Error error)
			throws IOException {
		ServletServerHttpResponse http = new ServletServerHttpResponse(response);
		boolean invalidClient = OAuth2ErrorCodes.INVALID_CLIENT.equals(error.getErrorCode());
		http.setStatusCode(invalidClient ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST);
		if (invalidClient && request.getHeader(HttpHeaders.AUTHORIZATION) != null) {
			http.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"oauth2\"");
		}
		JSON.write(error, null, http);
	}
}
