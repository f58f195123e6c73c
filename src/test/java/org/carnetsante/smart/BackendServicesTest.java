package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.junit.jupiter.api.Test;

/**
 * SMART Backend Services end to end over HTTP: a hospital system with its own key gets a 5-minute
 * token with a signed client assertion and uses it on /fhir; every forged, stale or misdirected token
 * or assertion is refused; scopes decide what the token may do before any query runs.
 */
class BackendServicesTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String LABORATORY =
			"http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
	/** A search a hospital system may make: one patient's space, by INS. */
	private static final String PATIENT_BY_INS = "/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + Fixtures.randomNir();

	@Test
	void rsaAndEcClientsGetFiveMinuteTokensThatOpenTheFhirApi() throws Exception {
		for (TestBackendClient client : List.of(
				TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs")),
				TestBackendClient.registerEc(clients, baseUrl(), List.of("system/Patient.rs")))) {
			HttpResponse<String> response = client.requestToken(client.assertion(), "system/Patient.rs");

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.get("token_type").asText()).isEqualToIgnoringCase("Bearer");
			assertThat(body.get("expires_in").asInt()).isBetween(295, 300);
			assertThat(body.get("scope").asText()).isEqualTo("system/Patient.rs");
			assertThat(get(PATIENT_BY_INS, body.get("access_token").asText()).statusCode()).isEqualTo(200);
		}
	}

	@Test
	void requestWithoutTokenGets401WithAChallengeAndAnOperationOutcome() {
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient")).GET().build());

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
				challenge -> assertThat(challenge).startsWith("Bearer"));
		assertThat(response.body()).contains("OperationOutcome");
	}

	@Test
	void capabilityStatementAndSmartConfigurationNeedNoToken() throws Exception {
		HttpResponse<String> metadata = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/metadata")).GET().build());
		HttpResponse<String> smart = send(HttpRequest.newBuilder(
				URI.create(fhirBase() + "/.well-known/smart-configuration")).GET().build());

		assertThat(metadata.statusCode()).isEqualTo(200);
		assertThat(smart.statusCode()).isEqualTo(200);
		JsonNode configuration = JSON.readTree(smart.body());
		assertThat(configuration.get("token_endpoint").asText()).isEqualTo(baseUrl() + "/oauth2/token");
		assertThat(configuration.get("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
		assertThat(configuration.get("token_endpoint_auth_signing_alg_values_supported").toString())
				.contains("RS384", "ES384");
	}

	@Test
	void browserAppsFromAllowedOriginsMayCallCrossOriginAndOthersMayNot() {
		HttpResponse<String> allowed = send(preflight("https://app.example"));
		HttpResponse<String> refused = send(preflight("https://evil.example"));

		assertThat(allowed.statusCode()).isEqualTo(200);
		assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example");
		assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
	}

	private HttpRequest preflight(String origin) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient"))
				.header("Origin", origin)
				.header("Access-Control-Request-Method", "GET")
				.header("Access-Control-Request-Headers", "authorization")
				.method("OPTIONS", HttpRequest.BodyPublishers.noBody())
				.build();
	}

	@Test
	void forgedStaleOrMisdirectedTokensAreRefused() throws Exception {
		RSAKey serverKey = RSAKey.parse(jdbc.queryForObject("SELECT jwk FROM carnet_signing_key LIMIT 1", String.class));
		RSAKey strangerKey = new RSAKeyGenerator(2048).keyID(serverKey.getKeyID()).generate();
		String validToken = token();
		String[] parts = validToken.split("\\.");
		String tamperedSignature = parts[0] + "." + parts[1] + "." + flipFirstCharacter(parts[2]);
		String unsigned = new PlainJWT(claims(baseUrl(), baseUrl() + "/fhir", Duration.ofMinutes(5)).build()).serialize();

		assertThat(get(PATIENT_BY_INS, validToken).statusCode()).isEqualTo(200);
		assertThat(get("/Patient", sign(serverKey, claims(baseUrl(), baseUrl() + "/fhir", Duration.ofMinutes(-5)))).statusCode())
				.as("expired").isEqualTo(401);
		assertThat(get("/Patient", sign(serverKey, claims("https://issuer.example", baseUrl() + "/fhir", Duration.ofMinutes(5)))).statusCode())
				.as("wrong issuer").isEqualTo(401);
		assertThat(get("/Patient", sign(serverKey, claims(baseUrl(), "https://other.example/fhir", Duration.ofMinutes(5)))).statusCode())
				.as("wrong audience").isEqualTo(401);
		assertThat(get("/Patient", sign(strangerKey, claims(baseUrl(), baseUrl() + "/fhir", Duration.ofMinutes(5)))).statusCode())
				.as("signed by another key").isEqualTo(401);
		assertThat(get("/Patient", tamperedSignature).statusCode()).as("bad signature").isEqualTo(401);
		assertThat(get("/Patient", unsigned).statusCode()).as("alg none").isEqualTo(401);
	}

	@Test
	void clientAssertionsThatBreakTheRulesAreRefused() throws Exception {
		TestBackendClient client = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));
		String assertion = client.assertion();
		RSAKey unregistered = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();

		assertThat(client.requestToken(assertion, "system/Patient.rs").statusCode()).isEqualTo(200);
		assertThat(client.requestToken(assertion, "system/Patient.rs").statusCode()).as("reused jti").isEqualTo(401);
		assertThat(client.requestToken(client.sign(assertionClaims(client).build(), unregistered), "system/Patient.rs").statusCode())
				.as("unregistered key").isEqualTo(401);
		assertThat(client.requestToken(client.assertion(assertionClaims(client)
						.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10)))).build()), "system/Patient.rs").statusCode())
				.as("exp more than 5 minutes ahead").isEqualTo(401);
		assertThat(client.requestToken(client.assertion(assertionClaims(client)
						.expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(2)))).build()), "system/Patient.rs").statusCode())
				.as("expired assertion").isEqualTo(401);
		assertThat(client.requestToken(client.assertion(assertionClaims(client)
						.audience("https://other.example/token").build()), "system/Patient.rs").statusCode())
				.as("audience not the token endpoint").isEqualTo(401);
		assertThat(client.requestToken(client.assertion(assertionClaims(client).jwtID(null).build()), "system/Patient.rs").statusCode())
				.as("no jti").isEqualTo(401);
		assertThat(client.requestToken(client.assertion(), "system/Communication.rs").statusCode())
				.as("scope not registered for the client").isEqualTo(400);
	}

	@Test
	void scopesDecideTypeAndInteractionBeforeAnyQuery() {
		TestBackendClient reader = TestBackendClient.registerRsa(clients, baseUrl(),
				List.of("system/Patient.rs", "system/Observation.rs?category=" + LABORATORY, "system/Practitioner.read"));
		String token = reader.accessToken(
				"system/Patient.rs system/Observation.rs?category=" + LABORATORY + " system/Practitioner.read");
		String patientJson = FHIR.newJsonParser().encodeResourceToString(Fixtures.insPatient());
		long before = storedResourceVersions();

		assertThat(get(PATIENT_BY_INS, token).statusCode()).isEqualTo(200);
		assertThat(get("/Practitioner", token).statusCode()).as("v1 read scope").isEqualTo(200);
		assertThat(get("/Communication", token).statusCode()).as("type not granted").isEqualTo(403);
		assertThat(get("/Communication/123", token).statusCode()).as("no existence leak").isEqualTo(403);
		assertThat(send(post("/Patient", token, patientJson)).statusCode()).as("rs cannot create").isEqualTo(403);
		assertThat(get("/Observation?patient=Patient/1&category=" + LABORATORY.replace("|", "%7C"), token).statusCode())
				.as("search within the scope's constraint").isEqualTo(200);
		assertThat(get("/Observation", token).statusCode()).as("search outside the constraint").isEqualTo(403);
		assertThat(get("/Observation/1", token).statusCode()).as("constrained scope gives no plain read").isEqualTo(403);
		assertThat(get("/Patient?_revinclude=Communication:subject", token).statusCode())
				.as("revinclude of a type not granted").isEqualTo(403);
		assertThat(get("/Patient?_revinclude:recurse=Communication:subject", token).statusCode())
				.as("revinclude:recurse of a type not granted").isEqualTo(403);
		assertThat(get("/Observation/1/_history", token).statusCode())
				.as("a history is no search, so a constrained scope does not open it").isEqualTo(403);
		String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
				+ "{\"resourceType\":\"Communication\",\"status\":\"completed\"},\"request\":{\"method\":\"POST\",\"url\":\"Communication\"}}]}";
		assertThat(send(post("", token, transaction)).statusCode()).as("transaction entry not granted").isEqualTo(403);
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void batchGetEntriesRunWithTheCallersToken() throws Exception {
		String patient = patientInOurCare();
		fhirClient().create().resource(Fixtures.communication("Résultats disponibles", "Patient/" + patient)).execute();
		String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Patient?_id=" + patient + "\"}},"
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Communication?subject=Patient/" + patient + "\"}}]}";
		TestBackendClient reader = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));

		HttpResponse<String> all = send(post("", token(), batch));
		HttpResponse<String> limited = send(post("", reader.accessToken("system/Patient.rs"), batch));

		assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
		JsonNode entries = JSON.readTree(all.body()).get("entry");
		assertThat(entries.get(0).get("response").get("status").asText()).startsWith("200");
		assertThat(entries.get(1).get("response").get("status").asText()).startsWith("200");
		assertThat(entries.get(0).get("resource").get("total").asInt()).as("the patient, seen with the caller's rights").isEqualTo(1);
		assertThat(entries.get(1).get("resource").get("total").asInt()).as("the message").isEqualTo(1);
		assertThat(limited.statusCode()).as("an entry the scopes do not grant").isEqualTo(403);
	}

	@Test
	void searchesReachingIntoTypesNotGrantedAreRefusedAndPagingStaysWithinTheScopes() throws Exception {
		TestBackendClient reader = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));
		String token = reader.accessToken("system/Patient.rs");
		List<String> inOurCare = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			inOurCare.add(patientInOurCare());
		}

		assertThat(get("/Patient?_has:Observation:subject:code=2951-2", token).statusCode()).as("_has").isEqualTo(403);
		assertThat(get("/Patient?general-practitioner:Practitioner.name=Martin", token).statusCode()).as("typed chain")
				.isEqualTo(403);
		assertThat(get("/Patient?general-practitioner.name=Martin", token).statusCode()).as("untyped chain").isEqualTo(403);
		String someone = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		assertThat(get("/Patient/" + someone + "/$everything", token).statusCode()).as("$everything returns every type")
				.isEqualTo(403);
		JsonNode firstPage = JSON.readTree(get("/Patient?_count=1&_id=" + String.join(",", inOurCare), token).body());
		String next = null;
		for (JsonNode link : firstPage.get("link")) {
			if (link.get("relation").asText().equals("next")) {
				next = link.get("url").asText();
			}
		}
		assertThat(next).as("a next page").isNotNull();
		assertThat(send(HttpRequest.newBuilder(URI.create(next)).header("Authorization", "Bearer " + token).GET().build())
				.statusCode()).as("paging a granted search").isEqualTo(200);
	}

	private HttpResponse<String> get(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Authorization", "Bearer " + token).GET().build());
	}

	private HttpRequest post(String path, String token, String body) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build();
	}

	private static JWTClaimsSet.Builder claims(String issuer, String audience, Duration validFor) {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder()
				.issuer(issuer)
				.subject("forger")
				.audience(audience)
				.issueTime(Date.from(now.minus(Duration.ofMinutes(10))))
				.expirationTime(Date.from(now.plus(validFor)))
				.claim("scope", "system/*.*");
	}

	private JWTClaimsSet.Builder assertionClaims(TestBackendClient client) {
		return new JWTClaimsSet.Builder()
				.issuer(client.clientId())
				.subject(client.clientId())
				.audience(client.tokenEndpoint())
				.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(4))))
				.jwtID(UUID.randomUUID().toString());
	}

	private static String sign(RSAKey key, JWTClaimsSet.Builder claims) throws JOSEException {
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
		jwt.sign(new RSASSASigner(key));
		return jwt.serialize();
	}

	private static String flipFirstCharacter(String base64Url) {
		byte[] bytes = Base64.getUrlDecoder().decode(base64Url);
		bytes[0] ^= 0x01;
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}
}
