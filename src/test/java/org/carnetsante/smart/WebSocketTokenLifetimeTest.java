package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.SmartLaunch.Pkce;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * A websocket ({@code /websocket}, FHIR subscriptions) opened with a patient app's token is closed by
 * the server when that token expires, or as soon as it is revoked: a real websocket client, real
 * launches, and waits on the close with a deadline.
 */
class WebSocketTokenLifetimeTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PASSWORD = "correct horse battery staple";
	private static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs");
	/** Access tokens of the short-lived app: long enough to open the socket, short enough to wait for. */
	private static final Duration SHORT_LIFETIME = Duration.ofSeconds(4);
	private static final Duration MARGIN = Duration.ofSeconds(10);

	@Autowired
	UserAccounts accounts;

	@Autowired
	PasswordEncoder passwords;

	@Autowired
	RegisteredClientRepository registered;

	private String patientId;
	private String username;

	@BeforeEach
	void aPatientWithAnAccount() {
		patientId = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		username = "socket-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + patientId, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(username, patientId, UserAccounts.Relationship.SELF);
	}

	@Test
	void aWebsocketIsClosedWhenItsTokenExpires() throws Exception {
		String app = "short-lived-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES,
				null, null);
		RegisteredClient client = registered.findByClientId(app);
		registered.save(RegisteredClient.from(client)
				.tokenSettings(TokenSettings.withSettings(client.getTokenSettings().getSettings())
						.accessTokenTimeToLive(SHORT_LIFETIME).build())
				.build());
		String token = accessToken(app, null);
		Instant expiresAt = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant();

		Closed closed = open(token).get(Duration.between(Instant.now(), expiresAt).plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

		assertThat(closed.status()).isEqualTo(1008);
		assertThat(closed.reason()).contains("expired");
		assertThat(closed.at()).as("not before the token expires").isAfterOrEqualTo(expiresAt.minusMillis(500));
	}

	@Test
	void aWebsocketIsClosedAsSoonAsItsTokenIsRevoked() throws Exception {
		String app = "revoking-" + UUID.randomUUID();
		String secret = UUID.randomUUID().toString();
		clients.registerApp(app, "Confidential app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES,
				secret, passwords::encode);
		String token = accessToken(app, secret);
		CompletableFuture<Closed> closing = open(token);
		assertThat(closing).as("open while the token stands").isNotDone();

		HttpResponse<String> revoked = new SmartLaunch(baseUrl()).form("/oauth2/revoke", app, secret, "token=" + token);
		Closed closed = closing.get(MARGIN.toMillis(), TimeUnit.MILLISECONDS);

		assertThat(revoked.statusCode()).isEqualTo(200);
		assertThat(closed.status()).isEqualTo(1008);
		assertThat(closed.reason()).contains("revoked");
	}

	/** How and when the server closed the socket. */
	private record Closed(int status, String reason, Instant at) {}

	/** Opens a websocket with the token; completes when the server closes it. */
	private CompletableFuture<Closed> open(String token) {
		CompletableFuture<Closed> closed = new CompletableFuture<>();
		HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
				.buildAsync(URI.create("ws://localhost:" + port + "/websocket"), new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
						closed.complete(new Closed(statusCode, reason, Instant.now()));
						return null;
					}

					@Override
					public void onError(WebSocket webSocket, Throwable error) {
						closed.completeExceptionally(error);
					}
				}).join();
		return closed;
	}

	private String accessToken(String app, String secret) throws Exception {
		Pkce pkce = Pkce.s256();
		SmartLaunch launch = new SmartLaunch(baseUrl());
		String callback = launch.authorize(new TestBrowser(), app, SCOPES, username, PASSWORD, patientId, Set.of(), pkce);
		HttpResponse<String> response = launch.tokenRequest(app, secret, SmartLaunch.code(callback), pkce.verifier());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return JSON.readTree(response.body()).get("access_token").asText();
	}
}
