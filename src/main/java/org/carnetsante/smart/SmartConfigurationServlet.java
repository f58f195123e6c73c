package org.carnetsante.smart;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * {@code GET /fhir/.well-known/smart-configuration} (SMART App Launch 2.x, "Conformance"): where the
 * authorization server is and what it supports. Declares only what Carnet implements, from the same
 * sources the server enforces ({@link SmartCapabilities}, {@link SmartEndpoints}).
 */
public class SmartConfigurationServlet extends HttpServlet {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final SmartProperties smart;
	private final AuthorizationServerSettings settings;

	SmartConfigurationServlet(SmartProperties smart, AuthorizationServerSettings settings) {
		this.smart = smart;
		this.settings = settings;
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		SmartEndpoints endpoints = SmartEndpoints.forRequest(request, smart, settings);
		Map<String, Object> configuration = new LinkedHashMap<>();
		configuration.put("issuer", endpoints.issuer());
		configuration.put("jwks_uri", endpoints.jwks());
		configuration.put("authorization_endpoint", endpoints.authorize());
		configuration.put("token_endpoint", endpoints.token());
		configuration.put("revocation_endpoint", endpoints.revoke());
		configuration.put("introspection_endpoint", endpoints.introspect());
		configuration.put("grant_types_supported", SmartCapabilities.grantTypes());
		configuration.put("token_endpoint_auth_methods_supported", SmartCapabilities.tokenEndpointAuthenticationMethods());
		configuration.put("token_endpoint_auth_signing_alg_values_supported", SmartCapabilities.clientAssertionAlgorithms());
		configuration.put("scopes_supported", SmartCapabilities.scopesSupported());
		configuration.put("response_types_supported", SmartCapabilities.RESPONSE_TYPES);
		configuration.put("code_challenge_methods_supported", SmartCapabilities.CODE_CHALLENGE_METHODS);
		configuration.put("capabilities", SmartCapabilities.capabilities());
		response.setContentType("application/json");
		response.setCharacterEncoding("UTF-8");
		JSON.writeValue(response.getOutputStream(), configuration);
	}
}
