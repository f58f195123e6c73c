package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.carnetsante.fhir.DatabaseNotifications;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.carnetsante.support.Await;

/**
 * Several nodes share one PostgreSQL: a second node's copy of the revoked access tokens (the real
 * classes, on the test server's database, in this JVM) learns of a revocation made on the server at
 * once by notification, and, when a notification is lost, at its next periodic reload; and expired
 * revocations are purged.
 */
class RevokedTokensAcrossNodesTest extends CarnetServerTest {

	private static final Duration DEADLINE = Duration.ofSeconds(5);

	private DatabaseNotifications secondNodeListening;

	@AfterEach
	void stopTheSecondNode() {
		if (secondNodeListening != null) {
			secondNodeListening.stop();
		}
	}

	@Test
	void anotherNodeLearnsOfARevocationByNotificationWithoutWaitingForItsReload() throws Exception {
		RevokedAccessTokens secondNode = secondNode(Duration.ofMinutes(10));
		TestBackendClient hospital = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs"));
		String access = hospital.accessToken("system/Patient.rs");
		String tokenId = SignedJWT.parse(access).getJWTClaimsSet().getJWTID();
		assertThat(secondNode.isRevoked(tokenId)).isFalse();

		HttpResponse<String> revoked = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/oauth2/revoke"))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("token=" + access + "&client_assertion_type="
						+ URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
						+ "&client_assertion=" + hospital.assertion()))
				.build());

		assertThat(revoked.statusCode()).isEqualTo(200);
		Await.until("the other node follows", DEADLINE, () -> secondNode.isRevoked(tokenId));
	}

	@Test
	void aLostNotificationOnlyDelaysARevocationUntilTheNextReload() {
		// An expired revocation, which only the periodic reload purges: once it is gone, the reload that
		// follows the start of listening is over, and only a periodic one can bring what comes next.
		String expired = UUID.randomUUID().toString();
		jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
				expired, Timestamp.from(Instant.now().minus(Duration.ofHours(1))));
		RevokedAccessTokens secondNode = secondNode(Duration.ofSeconds(1));
		Await.until("the other node follows", DEADLINE, () -> count(expired) == 0);
		String tokenId = UUID.randomUUID().toString();

		// Written as another node would, but its notification never arrives.
		jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
				tokenId, Timestamp.from(Instant.now().plus(Duration.ofMinutes(5))));

		Await.until("the other node follows", DEADLINE, () -> secondNode.isRevoked(tokenId));
	}

	@Test
	void revocationsOfExpiredTokensArePurged() {
		secondNode(Duration.ofSeconds(1));
		String expired = UUID.randomUUID().toString();
		String standing = UUID.randomUUID().toString();
		jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
				expired, Timestamp.from(Instant.now().minus(Duration.ofHours(1))));
		jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
				standing, Timestamp.from(Instant.now().plus(Duration.ofHours(1))));

		Await.until("the other node follows", DEADLINE, () -> count(expired) == 0);
		assertThat(count(standing)).isEqualTo(1);
	}

	/** Whether the second node's session waits for notifications, its LISTEN done. */
	private boolean listens(String node) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND state = 'idle'"
				+ " AND query = ?", Integer.class, node, "LISTEN " + RevokedAccessTokens.CHANNEL) == 1;
	}

	private int count(String tokenId) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_revoked_access_token WHERE jti = ?", Integer.class, tokenId);
	}

	/**
	 * The revoked tokens as a second node sees them: its own connections, its own copy, its own listener;
	 * returned once it listens (and has made the reload that follows), so that what happens next reaches
	 * it by notification or by its periodic reload only.
	 */
	private RevokedAccessTokens secondNode(Duration reloadInterval) {
		// Its own sessions, named: those of other nodes (the server's, an earlier test's closing) do not count.
		String node = "second-node-" + UUID.randomUUID().toString().substring(0, 8);
		String url = TestPostgres.jdbcUrl();
		DriverManagerDataSource database = new DriverManagerDataSource(
				url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + node, TestPostgres.user(), "");
		RevokedAccessTokens tokens = new RevokedAccessTokens(new JdbcTemplate(database), Clock.systemUTC(), Duration.ofSeconds(30));
		secondNodeListening = new DatabaseNotifications(database,
				List.of(new RevokedAccessTokenChanges(tokens, reloadInterval, Clock.systemUTC())));
		secondNodeListening.start();
		Await.until("the second node listens", DEADLINE, () -> listens(node));
		return tokens;
	}
}
