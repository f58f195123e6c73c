package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.SmartLaunch.Pkce;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.carnetsante.support.Await;

/**
 * Access tokens are self-contained JWTs, yet they stop opening {@code /fhir} as soon as they no longer
 * stand: revoked (RFC 7009), issued from a refresh token that was revoked, or from an authorization
 * code that was used again (RFC 6749 §4.1.2), also when another node revoked them; and a code is spent
 * by a failed exchange (a wrong PKCE verifier). Driven over HTTP, with real launches.
 */
class TokenRevocationTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PASSWORD = "correct horse battery staple";
	private static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs");
	/** Well below carnet.smart.revocation.reload-interval (30 s): only a notification is that fast. */
	private static final Duration NOTIFICATION_DEADLINE = Duration.ofSeconds(10);

	@Autowired
	UserAccounts accounts;

	@Autowired
	PasswordEncoder passwords;

	private String patientId;
	private String username;

	@BeforeEach
	void aPatientWithAnAccount() {
		patientId = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		username = "revoked-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + patientId, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(username, patientId, UserAccounts.Relationship.SELF);
	}

	@Test
	void aRevokedAccessTokenIsRefusedAtTheNextFhirCall() throws Exception {
		App app = confidentialApp();
		JsonNode tokens = launch(app).exchange();
		String access = tokens.get("access_token").asText();
		assertThat(read(access).statusCode()).isEqualTo(200);

		HttpResponse<String> revoked = app.form("/oauth2/revoke", "token=" + access + "&token_type_hint=access_token");
		HttpResponse<String> after = read(access);

		assertThat(revoked.statusCode()).isEqualTo(200);
		assertThat(after.statusCode()).isEqualTo(401);
		assertThat(after.body()).contains("OperationOutcome").contains("revoked");
	}

	@Test
	void aBackendServicesTokenRevokedByItsClientIsRefused() throws Exception {
		TestBackendClient hospital = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));
		String access = hospital.accessToken("system/Patient.rs");
		assertThat(SignedJWT.parse(access).getJWTClaimsSet().getJWTID()).as("the id a revocation names").isNotBlank();
		String search = "/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + Fixtures.randomNir();
		assertThat(get(search, access).statusCode()).isEqualTo(200);

		HttpResponse<String> revoked = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/oauth2/revoke"))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("token=" + access
						+ "&client_assertion_type=" + enc("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
						+ "&client_assertion=" + hospital.assertion()))
				.build());

		assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
		assertThat(get(search, access).statusCode()).isEqualTo(401);
	}

	@Test
	void replayingACodeRevokesTheAccessTokenOfItsFirstExchange() {
		App app = publicApp();
		Launched launched = launch(app);
		String access = launched.exchange().get("access_token").asText();
		assertThat(read(access).statusCode()).isEqualTo(200);

		HttpResponse<String> replay = app.exchange(launched.code(), launched.pkce().verifier());

		assertThat(replay.statusCode()).isEqualTo(400);
		assertThat(replay.body()).contains("invalid_grant");
		assertThat(read(access).statusCode()).isEqualTo(401);
	}

	@Test
	void replayingACodeRevokesEveryAccessTokenRefreshedFromIt() {
		App app = confidentialApp();
		Launched launched = launch(app);
		JsonNode first = launched.exchange();
		JsonNode refreshed = app.refresh(first.get("refresh_token").asText());
		assertThat(read(first.get("access_token").asText()).statusCode()).isEqualTo(200);
		assertThat(read(refreshed.get("access_token").asText()).statusCode()).isEqualTo(200);

		HttpResponse<String> replay = app.exchange(launched.code(), launched.pkce().verifier());

		assertThat(replay.statusCode()).isEqualTo(400);
		assertThat(read(first.get("access_token").asText()).statusCode()).isEqualTo(401);
		assertThat(read(refreshed.get("access_token").asText()).statusCode()).isEqualTo(401);
		assertThat(app.form("/oauth2/token", "grant_type=refresh_token&refresh_token="
				+ refreshed.get("refresh_token").asText()).statusCode()).as("nor can it be refreshed").isEqualTo(400);
	}

	@Test
	void revokingARefreshTokenRevokesEveryAccessTokenIssuedWithIt() {
		App app = confidentialApp();
		JsonNode first = launch(app).exchange();
		JsonNode refreshed = app.refresh(first.get("refresh_token").asText());
		assertThat(read(refreshed.get("access_token").asText()).statusCode()).isEqualTo(200);

		HttpResponse<String> revoked = app.form("/oauth2/revoke",
				"token=" + refreshed.get("refresh_token").asText() + "&token_type_hint=refresh_token");

		assertThat(revoked.statusCode()).isEqualTo(200);
		assertThat(read(first.get("access_token").asText()).statusCode()).isEqualTo(401);
		assertThat(read(refreshed.get("access_token").asText()).statusCode()).isEqualTo(401);
	}

	@Test
	void aFailedPkceAttemptSpendsTheCodeForPublicAndConfidentialApps() {
		for (App app : List.of(publicApp(), confidentialApp())) {
			Launched launched = launch(app);

			HttpResponse<String> wrongVerifier = app.exchange(launched.code(), Pkce.s256().verifier());
			HttpResponse<String> rightVerifier = app.exchange(launched.code(), launched.pkce().verifier());

			assertThat(wrongVerifier.statusCode()).as(app.id() + ": " + wrongVerifier.body()).isEqualTo(400);
			assertThat(wrongVerifier.body()).contains("invalid_grant");
			assertThat(rightVerifier.statusCode()).as(app.id() + ": the code is spent").isEqualTo(400);
			assertThat(rightVerifier.body()).contains("invalid_grant");
		}
	}

	@Test
	void aFailedAttemptWithAnExchangedCodeRevokesTheTokensIssuedFromIt() {
		App app = publicApp();
		Launched launched = launch(app);
		String access = launched.exchange().get("access_token").asText();

		HttpResponse<String> wrongVerifier = app.exchange(launched.code(), Pkce.s256().verifier());

		assertThat(wrongVerifier.statusCode()).isEqualTo(400);
		assertThat(read(access).statusCode()).isEqualTo(401);
	}

	/**
	 * Another node's revocation: the row it writes and its notification, without this node's
	 * authorization service. Honoured well before the periodic reload would.
	 */
	@Test
	void aRevocationAnnouncedByAnotherNodeIsHonouredAtOnce() throws Exception {
		String access = launch(publicApp()).exchange().get("access_token").asText();
		assertThat(read(access).statusCode()).isEqualTo(200);
		var claims = SignedJWT.parse(access).getJWTClaimsSet();

		jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
				claims.getJWTID(), Timestamp.from(claims.getExpirationTime().toInstant()));
		jdbc.queryForList("SELECT pg_notify(?, ?)", RevokedAccessTokens.CHANNEL, "another-node");

		Await.until("the revoked token refused", NOTIFICATION_DEADLINE, () -> read(access).statusCode() == 401);
	}

	// --- the pieces ---

	private App publicApp() {
		String id = "revocation-public-" + UUID.randomUUID();
		clients.registerApp(id, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES,
				null, null);
		return new App(id, null, new SmartLaunch(baseUrl()));
	}

	private App confidentialApp() {
		String id = "revocation-confidential-" + UUID.randomUUID();
		String secret = UUID.randomUUID().toString();
		clients.registerApp(id, "Confidential app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES,
				secret, passwords::encode);
		return new App(id, secret, new SmartLaunch(baseUrl()));
	}

	private Launched launch(App app) {
		Pkce pkce = Pkce.s256();
		String callback = app.server().authorize(new TestBrowser(), app.id(), SCOPES, username, PASSWORD,
				patientId, Set.of(), pkce);
		return new Launched(app, SmartLaunch.code(callback), pkce);
	}

	private HttpResponse<String> read(String token) {
		return get("/Patient/" + patientId, token);
	}

	private HttpResponse<String> get(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.GET().build());
	}

	private static String enc(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	/** A registered app (public when it has no secret) and the server it calls. */
	private record App(String id, String secret, SmartLaunch server) {

		HttpResponse<String> exchange(String code, String verifier) {
			return server.tokenRequest(id, secret, code, verifier);
		}

		JsonNode refresh(String refreshToken) {
			HttpResponse<String> response = form("/oauth2/token", "grant_type=refresh_token&refresh_token=" + refreshToken);
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			return json(response);
		}

		HttpResponse<String> form(String path, String form) {
			return server.form(path, id, secret, form);
		}
	}

	/** A code obtained by the browser side of a launch, and its PKCE pair. */
	private record Launched(App app, String code, Pkce pkce) {

		JsonNode exchange() {
			HttpResponse<String> response = app.exchange(code, pkce.verifier());
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			return json(response);
		}
	}

	private static JsonNode json(HttpResponse<String> response) {
		try {
			return JSON.readTree(response.body());
		} catch (java.io.IOException e) {
			throw new IllegalStateException(e);
		}
	}
}
