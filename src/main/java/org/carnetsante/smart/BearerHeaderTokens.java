package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Reads the bearer token of a request. The grammar is RFC 6750's ({@code Bearer} in any case, one
 * space, then b64token: letters, digits, {@code -._~+/}, then {@code =} padding), as Spring Security's
 * {@link DefaultBearerTokenResolver} reads it — but checked with a loop over the characters instead of
 * the default's case-insensitive regular expression, which cost a fifth of a read's CPU on a
 * thousand-character JWT (bench/README.md, issue 12).
 *
 * <p>Requests where a token may also come as the {@code access_token} parameter (the websocket
 * handshake, where browsers cannot set headers) or where one is sent as a parameter anyway (to refuse
 * two tokens in one request) go to Spring Security's resolvers unchanged.
 */
final class BearerHeaderTokens implements BearerTokenResolver {

	private static final String SCHEME = "Bearer ";
	private static final String PARAMETER = "access_token";

	private final String websocketPath;
	private final DefaultBearerTokenResolver headerOnly = new DefaultBearerTokenResolver();
	private final DefaultBearerTokenResolver headerOrQuery = new DefaultBearerTokenResolver();

	BearerHeaderTokens(String websocketPath) {
		this.websocketPath = websocketPath;
		headerOrQuery.setAllowUriQueryParameter(true);
	}

	@Override
	public String resolve(HttpServletRequest request) {
		if (request.getRequestURI().startsWith(websocketPath)) {
			return headerOrQuery.resolve(request);
		}
		if (mayCarryParameterToken(request)) {
			return headerOnly.resolve(request);
		}
		String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length() - 1)) {
			return null; // no credentials, or another scheme: not a bearer token
		}
		if (!isBearerCredentials(authorization)) {
			throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
		}
		return authorization.substring(SCHEME.length());
	}

	/** Whether the request names the token parameter in its query or may in a form body. */
	private static boolean mayCarryParameterToken(HttpServletRequest request) {
		String query = request.getQueryString();
		if (query != null && query.contains(PARAMETER)) {
			return true;
		}
		String type = request.getContentType();
		return type != null && type.regionMatches(true, 0, MediaType.APPLICATION_FORM_URLENCODED_VALUE, 0,
				MediaType.APPLICATION_FORM_URLENCODED_VALUE.length());
	}

	/** {@code Bearer <b64token>} exactly: the scheme in any case, one space, the token, nothing after. */
	static boolean isBearerCredentials(String authorization) {
		if (authorization.length() <= SCHEME.length()
				|| !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
			return false;
		}
		int at = SCHEME.length();
		int end = authorization.length();
		int tokenStart = at;
		while (at < end && isTokenCharacter(authorization.charAt(at))) {
			at++;
		}
		if (at == tokenStart) {
			return false;
		}
		while (at < end && authorization.charAt(at) == '=') {
			at++;
		}
		return at == end;
	}

	private static boolean isTokenCharacter(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				|| c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
	}
}
