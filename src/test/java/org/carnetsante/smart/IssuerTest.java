package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.RawHttp;
import org.carnetsante.support.TestBackendClient;
import org.junit.jupiter.api.Test;

/**
 * The issuer is the configured one ({@code carnet.smart.issuer}), whatever {@code Host} a request
 * names: a forged header neither changes the {@code iss} of the tokens issued nor lets a token minted
 * for another issuer in (issue 11, §4).
 */
class IssuerTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String FORGED_HOST = "evil.example";
	private static final String FORGED_ISSUER = "http://" + FORGED_HOST;

	@Test
	void aTokenRequestWithAForgedHostGetsATokenOfTheConfiguredIssuer() throws Exception {
		TestBackendClient client = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));
		String form = "grant_type=client_credentials&scope=" + URLEncoder.encode("system/Patient.rs", StandardCharsets.UTF_8)
				+ "&client_assertion_type=" + URLEncoder.encode(
						"urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
				+ "&client_assertion=" + client.assertion();

		RawHttp.Response response = RawHttp.send(port, "POST", "/oauth2/token", FORGED_HOST,
				Map.of("Content-Type", "application/x-www-form-urlencoded"), form);
		RawHttp.Response configuration = RawHttp.send(port, "GET", "/fhir/.well-known/smart-configuration", FORGED_HOST,
				Map.of(), null);

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JWTClaimsSet token = SignedJWT.parse(JSON.readTree(response.body()).get("access_token").asText()).getJWTClaimsSet();
		assertThat(token.getIssuer()).isEqualTo(baseUrl());
		assertThat(token.getAudience()).containsExactly(baseUrl() + "/fhir");
		JsonNode smart = JSON.readTree(configuration.body());
		assertThat(smart.get("issuer").asText()).isEqualTo(baseUrl());
		assertThat(smart.get("token_endpoint").asText()).isEqualTo(baseUrl() + "/oauth2/token");
	}

	@Test
	void aTokenSignedByThisServerForAnotherIssuerIsRefusedEvenUnderThatIssuersHost() throws Exception {
		RSAKey serverKey = RSAKey.parse(jdbc.queryForObject("SELECT jwk FROM carnet_signing_key LIMIT 1", String.class));
		String forged = sign(serverKey, FORGED_ISSUER);
		String genuine = sign(serverKey, baseUrl());
		String search = "/fhir/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + Fixtures.randomNir();

		RawHttp.Response underForgedHost = RawHttp.send(port, "GET", search, FORGED_HOST,
				Map.of("Authorization", "Bearer " + forged), null);
		RawHttp.Response underRealHost = RawHttp.send(port, "GET", search, "localhost:" + port,
				Map.of("Authorization", "Bearer " + forged), null);
		RawHttp.Response genuineUnderForgedHost = RawHttp.send(port, "GET", search, FORGED_HOST,
				Map.of("Authorization", "Bearer " + genuine), null);

		assertThat(underForgedHost.status()).as(underForgedHost.body()).isEqualTo(401);
		assertThat(underForgedHost.body()).contains("OperationOutcome").contains("issuer");
		assertThat(underForgedHost.headers().get("www-authenticate")).startsWith("Bearer");
		assertThat(underRealHost.status()).isEqualTo(401);
		assertThat(genuineUnderForgedHost.status()).as("the configured issuer's token, whatever the Host")
				.isEqualTo(200);
	}

	/** A token as this server's key would sign it, for the given issuer (and that issuer's FHIR audience). */
	private static String sign(RSAKey key, String issuer) throws Exception {
		Instant now = Instant.now();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
				new JWTClaimsSet.Builder()
						.issuer(issuer)
						.subject("forger")
						.audience(issuer + "/fhir")
						.issueTime(Date.from(now))
						.expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
						.jwtID(UUID.randomUUID().toString())
						.claim("scope", "system/*.*")
						.claim("organization", TestBackendClient.TEST_HOSPITAL_ORGANIZATION)
						.claim("organization_sector", TestBackendClient.PUBLIC_HOSPITAL_SECTOR)
						.build());
		jwt.sign(new RSASSASigner(key));
		return jwt.serialize();
	}
}
