package org.carnetsante.smart;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /fhir/.well-known/smart-configuration} (SMART App Launch 2.x §2.1): where the
 * authorization server is and what it supports. Lists only what Carnet implements.
 */
public class SmartConfigurationServlet extends HttpServlet {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final SmartProperties smart;

	SmartConfigurationServlet(SmartProperties smart) {
		this.smart = smart;
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String issuer = smart.issuerFor(request);
		Map<String, Object> configuration = new LinkedHashMap<>();
		configuration.put("issuer", issuer);
		configuration.put("jwks_uri", issuer + "/oauth2/jwks");
		configuration.put("authorization_endpoint", issuer + "/oauth2/authorize");
		configuration.put("token_endpoint", issuer + "/oauth2/token");
		configuration.put("revocation_endpoint", issuer + "/oauth2/revoke");
		configuration.put("introspection_endpoint", issuer + "/oauth2/introspect");
		configuration.put("grant_types_supported", List.of("authorization_code", "client_credentials", "refresh_token"));
		configuration.put("token_endpoint_auth_methods_supported",
				List.of("private_key_jwt", "client_secret_basic", "none"));
		configuration.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384"));
		configuration.put("scopes_supported", List.of(
				"openid", "fhirUser", "launch/patient", "offline_access",
				"patient/*.rs", "patient/*.cruds", "patient/*.read", "patient/*.*",
				"user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds", "system/*.read", "system/*.*"));
		configuration.put("response_types_supported", List.of("code"));
		configuration.put("code_challenge_methods_supported", List.of("S256"));
		configuration.put("capabilities", List.of(
				"launch-standalone", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
				"context-standalone-patient", "sso-openid-connect", "permission-offline", "permission-patient",
				"permission-v1", "permission-v2"));
		response.setContentType("application/json");
		response.setCharacterEncoding("UTF-8");
		JSON.writeValue(response.getOutputStream(), configuration);
	}
}
