package org.carnetsante.examples.quickstart;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An access token by SMART Backend Services (client_credentials grant, {@code private_key_jwt} client
 * authentication, HL7 SMART App Launch 2.x "Backend Services"):
 * <ol>
 *   <li>the token endpoint and the accepted signing algorithms come from the server's
 *       {@code <fhir base>/.well-known/smart-configuration}, never from a hard-coded URL;</li>
 *   <li>the client assertion is a JWT signed with the client's private key: {@code iss} and {@code sub} the
 *       client id, {@code aud} the token endpoint URL exactly as discovered, {@code exp} at most 5 minutes
 *       ahead, a fresh {@code jti} (the server refuses one it has already seen), {@code kid} the key's id in
 *       the JWKS registered for the client;</li>
 *   <li>the assertion is POSTed as a form with the scopes asked for.</li>
 * </ol>
 */
final class BackendServicesToken {

	static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
	/** Below Carnet's 5-minute ceiling, with room for a clock a little ahead of the server's. */
	private static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(4);

	/** A token and what the server said about it. */
	record Granted(String accessToken, String scope, long expiresInSeconds, String tokenEndpoint) {}

	private final HttpClient http;

	BackendServicesToken(HttpClient http) {
		this.http = http;
	}

	Granted obtain(URI fhirBase, ClientKey key, String clientId, String keyId, String scope)
			throws IOException, InterruptedException, JOSEException {
		Map<String, Object> configuration = json(send(HttpRequest.newBuilder(
				URI.create(fhirBase + "/.well-known/smart-configuration")).header("Accept", "application/json").build()));
		String tokenEndpoint = (String) configuration.get("token_endpoint");
		Quickstart.expect(tokenEndpoint != null, "smart-configuration names no token_endpoint");
		Object algorithms = configuration.get("token_endpoint_auth_signing_alg_values_supported");
		Quickstart.expect(algorithms instanceof List<?> list && list.contains(key.algorithm().getName()),
				"the server does not accept " + key.algorithm() + " assertions (it accepts " + algorithms + ")");

		String assertion = assertion(key, clientId, keyId, tokenEndpoint);
		String form = formOf(Map.of(
				"grant_type", "client_credentials",
				"scope", scope,
				"client_assertion_type", ASSERTION_TYPE,
				"client_assertion", assertion));
		HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(tokenEndpoint))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.header("Accept", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
		// A refusal is an OAuth error in JSON (RFC 6749 §5.2): error and error_description say what to fix.
		Quickstart.expect(answer.statusCode() == 200,
				"token endpoint answered " + answer.statusCode() + ": " + answer.body());
		Map<String, Object> token = json(answer.body());
		return new Granted((String) token.get("access_token"), (String) token.get("scope"),
				((Number) token.get("expires_in")).longValue(), tokenEndpoint);
	}

	/** The signed client assertion; its audience is the token endpoint's URL, not the FHIR base. */
	static String assertion(ClientKey key, String clientId, String keyId, String tokenEndpoint) throws JOSEException {
		Instant now = Instant.now();
		JWTClaimsSet claims = new JWTClaimsSet.Builder()
				.issuer(clientId)
				.subject(clientId)
				.audience(tokenEndpoint)
				.issueTime(Date.from(now))
				.expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
				.jwtID(UUID.randomUUID().toString())
				.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).type(JOSEObjectType.JWT).keyID(keyId).build(), claims);
		jwt.sign(key.signer());
		return jwt.serialize();
	}

	private String send(HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		Quickstart.expect(response.statusCode() == 200, request.uri() + " answered " + response.statusCode());
		return response.body();
	}

	private static Map<String, Object> json(String body) throws IOException {
		try {
			return JSONObjectUtils.parse(body);
		} catch (ParseException e) {
			throw new IOException("not a JSON object: " + body, e);
		}
	}

	private static String formOf(Map<String, String> fields) {
		return fields.entrySet().stream()
				.map(field -> field.getKey() + "=" + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
				.collect(Collectors.joining("&"));
	}
}
