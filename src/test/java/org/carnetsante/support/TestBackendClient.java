package org.carnetsante.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.UUID;
import org.carnetsante.smart.CarnetClients;

/**
 * A SMART Backend Services client, as a hospital system would be: its own freshly generated key pair
 * (RSA for RS384 or EC P-384 for ES384), registered with Carnet by its public JWKS, and tokens
 * obtained over real HTTP with signed client assertions.
 */
public final class TestBackendClient {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private final String clientId;
	private final JWK key;
	private final JWSAlgorithm algorithm;
	private final String baseUrl;

	private TestBackendClient(String clientId, JWK key, JWSAlgorithm algorithm, String baseUrl) {
		this.clientId = clientId;
		this.key = key;
		this.algorithm = algorithm;
		this.baseUrl = baseUrl;
	}

	/** National id (idNat) of the organization test hospitals act for: a public hospital (sector SA01). */
	public static final String TEST_HOSPITAL_ORGANIZATION = "1750000000";
	public static final String PUBLIC_HOSPITAL_SECTOR = "SA01";

	/** Registers a new client of the test hospital with a fresh RSA key (RS384). */
	public static TestBackendClient registerRsa(CarnetClients clients, String baseUrl, Collection<String> scopes) {
		return registerRsa(clients, baseUrl, scopes, TEST_HOSPITAL_ORGANIZATION, PUBLIC_HOSPITAL_SECTOR);
	}

	/** Registers a new client of the given organization (national id, TRE_R02 sector) with a fresh RSA key. */
	public static TestBackendClient registerRsa(CarnetClients clients, String baseUrl, Collection<String> scopes,
			String organization, String sector) {
		try {
			JWK key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
			return register(clients, baseUrl, scopes, key, JWSAlgorithm.RS384, organization, sector);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Registers a client with this id and a fresh RSA key, for an organization (or none: null, null). */
	public static TestBackendClient registerRsaAs(CarnetClients clients, String baseUrl, Collection<String> scopes, String clientId,
			String organization, String sector) {
		try {
			JWK key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
			clients.registerBackendService(clientId, clientId, CarnetClients.Kind.HOSPITAL_SYSTEM, scopes,
					new JWKSet(key.toPublicJWK()).toString(), organization, sector);
			return new TestBackendClient(clientId, key, JWSAlgorithm.RS384, baseUrl);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Registers a new client with a fresh EC P-384 key (ES384). */
	public static TestBackendClient registerEc(CarnetClients clients, String baseUrl, Collection<String> scopes) {
		try {
			JWK key = new ECKeyGenerator(Curve.P_384).keyID(UUID.randomUUID().toString()).generate();
			return register(clients, baseUrl, scopes, key, JWSAlgorithm.ES384, TEST_HOSPITAL_ORGANIZATION,
					PUBLIC_HOSPITAL_SECTOR);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	private static TestBackendClient register(
			CarnetClients clients, String baseUrl, Collection<String> scopes, JWK key, JWSAlgorithm algorithm,
			String organization, String sector) {
		String clientId = "test-hospital-" + UUID.randomUUID();
		String publicJwks = new JWKSet(key.toPublicJWK()).toString();
		clients.registerBackendService(
				clientId, "Test hospital", CarnetClients.Kind.HOSPITAL_SYSTEM, scopes, publicJwks, organization, sector);
		return new TestBackendClient(clientId, key, algorithm, baseUrl);
	}

	public String clientId() {
		return clientId;
	}

	public String tokenEndpoint() {
		return baseUrl + "/oauth2/token";
	}

	/** A client assertion as SMART Backend Services prescribes it. */
	public String assertion() {
		return assertion(new JWTClaimsSet.Builder()
				.issuer(clientId)
				.subject(clientId)
				.audience(tokenEndpoint())
				.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(4))))
				.jwtID(UUID.randomUUID().toString())
				.build());
	}

	/** An assertion with the given claims, signed by this client's key. */
	public String assertion(JWTClaimsSet claims) {
		return sign(claims, key);
	}

	public String sign(JWTClaimsSet claims, JWK signingKey) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(signingKey.getKeyID()).build(), claims);
			jwt.sign(signingKey instanceof com.nimbusds.jose.jwk.RSAKey rsa
					? new RSASSASigner(rsa)
					: new ECDSASigner((com.nimbusds.jose.jwk.ECKey) signingKey));
			return jwt.serialize();
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Posts a client_credentials request with the given assertion; the raw answer. */
	public HttpResponse<String> requestToken(String assertion, String scope) {
		String form = "grant_type=client_credentials"
				+ "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8)
				+ "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
				+ "&client_assertion=" + assertion;
		return Http.send(HTTP, HttpRequest.newBuilder(URI.create(tokenEndpoint()))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(form))
				.build());
	}

	/** A fresh access token for the given scopes; fails the test if the server refuses. */
	public String accessToken(String scope) {
		HttpResponse<String> response = requestToken(assertion(), scope);
		if (response.statusCode() != 200) {
			throw new IllegalStateException("Token refused: " + response.statusCode() + " " + response.body());
		}
		try {
			JsonNode body = JSON.readTree(response.body());
			return body.get("access_token").asText();
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}
}
