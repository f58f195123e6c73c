package org.carnetsante.smart;

import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * SMART Backend Services token requests carry a client assertion but no {@code client_id} (SMART
 * App Launch 2.x, Backend Services §"Obtaining an access token"), which Spring Authorization Server
 * requires. The client is named by the assertion's {@code iss} (= {@code sub}); this converter reads
 * it unverified, only to know whose registered keys to verify the assertion with, which
 * {@link ClientAssertionVerifier} then does.
 */
public class SmartClientAssertionConverter implements AuthenticationConverter {

	private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

	@Override
	public Authentication convert(HttpServletRequest request) {
		String assertionType = request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE);
		String assertion = request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION);
		if (!JWT_BEARER.equals(assertionType) || assertion == null
				|| request.getParameter(OAuth2ParameterNames.CLIENT_ID) != null) {
			return null; // not SMART's form: the standard converters handle it
		}
		String clientId;
		try {
			clientId = SignedJWT.parse(assertion).getJWTClaimsSet().getIssuer();
		} catch (ParseException | RuntimeException e) {
			// Whatever it is (not base64, not JSON, not signed, claims of the wrong type), not an assertion.
			throw invalid("client_assertion is not a signed JWT with a string iss");
		}
		if (clientId == null || clientId.isBlank()) {
			throw invalid("client_assertion has no iss");
		}
		Map<String, Object> additional = new HashMap<>();
		request.getParameterMap().forEach((name, values) -> {
			if (!name.equals(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE) && !name.equals(OAuth2ParameterNames.CLIENT_ASSERTION)) {
				additional.put(name, values.length == 1 ? values[0] : values);
			}
		});
		// Spring Authorization Server names this method by the assertion type; its provider then
		// requires private_key_jwt of the registered client.
		return new OAuth2ClientAuthenticationToken(
				clientId, new ClientAuthenticationMethod(JWT_BEARER), assertion, additional);
	}

	private static OAuth2AuthenticationException invalid(String description) {
		return new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, description, null));
	}
}
