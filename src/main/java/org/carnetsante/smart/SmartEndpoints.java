package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * The embedded authorization server's endpoints as absolute URLs: the issuer followed by the paths
 * Spring Authorization Server serves them on ({@link AuthorizationServerSettings}), so that what
 * {@code .well-known/smart-configuration}, the CapabilityStatement and the OpenAPI description announce
 * is where the server answers.
 */
public record SmartEndpoints(
		String issuer, String authorize, String token, String revoke, String introspect, String jwks) {

	public static SmartEndpoints of(String issuer, AuthorizationServerSettings settings) {
		return new SmartEndpoints(issuer,
				issuer + settings.getAuthorizationEndpoint(),
				issuer + settings.getTokenEndpoint(),
				issuer + settings.getTokenRevocationEndpoint(),
				issuer + settings.getTokenIntrospectionEndpoint(),
				issuer + settings.getJwkSetEndpoint());
	}

	/** The endpoints for this request's issuer ({@link SmartProperties#issuerFor}). */
	public static SmartEndpoints forRequest(
			HttpServletRequest request, SmartProperties smart, AuthorizationServerSettings settings) {
		return of(smart.issuerFor(request), settings);
	}
}
