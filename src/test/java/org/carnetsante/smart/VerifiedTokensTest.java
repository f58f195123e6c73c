package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * A bearer token is verified once per node; what can change since — expiry, revocation — is checked on
 * every request, and anything in doubt goes through the full verification again. The full verification
 * here stands for Spring Security's (signature, issuer, audience): it accepts the tokens it issued below,
 * counts its calls, and refuses once told to; what it answers is what the server's answers, Carnet's
 * caller built by {@link CallerFromToken} ({@code ServerRemembersVerifiedTokensTest} checks the server).
 */
class VerifiedTokensTest {

	private static final Instant START = Instant.parse("2026-11-30T10:00:00Z");
	private static final CallerFromToken CALLERS = new CallerFromToken(new TokenClaimNames("scope", "fhirUser", "patient",
			"profession", "specialty", "idnat", "organization", "purpose_of_use", "client_id", "space_relationship",
			"organization_sector", "name"));

	private final AtomicInteger verifications = new AtomicInteger();
	private volatile boolean refuseEverything;
	private Instant now = START;
	private final Clock clock = new Clock() {
		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return now;
		}
	};
	private JdbcTemplate database;
	private RevokedAccessTokens revoked;

	@BeforeEach
	void anEmptyRevocationList() {
		database = new JdbcTemplate(new DriverManagerDataSource("jdbc:h2:mem:verified-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
		database.execute("CREATE TABLE carnet_revoked_access_token (jti VARCHAR(200) PRIMARY KEY, expires_at TIMESTAMP NOT NULL)");
		revoked = new RevokedAccessTokens(database, clock, Duration.ofSeconds(30));
	}

	@Test
	void aTokenIsVerifiedOnceForAllItsRequests() {
		VerifiedTokens tokens = verifiedTokens(100);
		String token = token("a", START.plusSeconds(300));

		Authentication first = authenticate(tokens, "carnet.example", token);
		Authentication second = authenticate(tokens, "carnet.example", token);
		Authentication third = authenticate(tokens, "carnet.example", token);

		assertThat(verifications).hasValue(1);
		assertThat(second).isSameAs(first).isSameAs(third);
	}

	@Test
	void anExpiredTokenGoesThroughTheFullVerificationAgain() {
		VerifiedTokens tokens = verifiedTokens(100);
		String token = token("a", START.plusSeconds(300));
		authenticate(tokens, "carnet.example", token);

		now = START.plusSeconds(300);
		refuseEverything = true;

		assertThatThrownBy(() -> authenticate(tokens, "carnet.example", token)).isInstanceOf(InvalidBearerTokenException.class);
		assertThat(verifications).hasValue(2);
	}

	@Test
	void aTokenRevokedSinceItWasVerifiedIsVerifiedAgain() {
		VerifiedTokens tokens = verifiedTokens(100);
		String token = token("revoked-later", START.plusSeconds(300));
		authenticate(tokens, "carnet.example", token);

		database.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)", "revoked-later",
				Timestamp.from(START.plusSeconds(300)));
		revoked.reload();
		refuseEverything = true;

		assertThatThrownBy(() -> authenticate(tokens, "carnet.example", token)).isInstanceOf(InvalidBearerTokenException.class);
		assertThat(verifications).hasValue(2);
	}

	@Test
	void aRefusedTokenIsNeverRemembered() {
		VerifiedTokens tokens = verifiedTokens(100);
		String token = token("a", START.plusSeconds(300));
		refuseEverything = true;
		assertThatThrownBy(() -> authenticate(tokens, "carnet.example", token)).isInstanceOf(InvalidBearerTokenException.class);

		refuseEverything = false;
		authenticate(tokens, "carnet.example", token);

		assertThat(verifications).hasValue(2);
	}

	/** Under the demo profile the issuer a token must name depends on the address the request came to. */
	@Test
	void aTokenVerifiedForOneIssuerIsVerifiedAgainForAnother() {
		VerifiedTokens tokens = verifiedTokens(100);
		String token = token("a", START.plusSeconds(300));
		authenticate(tokens, "carnet.example", token);
		authenticate(tokens, "elsewhere.example", token);

		assertThat(verifications).hasValue(2);
	}

	@Test
	void withNoCapacityEveryRequestIsVerified() {
		VerifiedTokens tokens = verifiedTokens(0);
		String token = token("a", START.plusSeconds(300));
		authenticate(tokens, "carnet.example", token);
		authenticate(tokens, "carnet.example", token);

		assertThat(verifications).hasValue(2);
	}

	private VerifiedTokens verifiedTokens(int capacity) {
		SmartProperties demoIssuer = new SmartProperties("", Duration.ofMinutes(5), Duration.ofMinutes(60), Duration.ofDays(30),
				Duration.ofMinutes(5), Duration.ofSeconds(30), List.of(), new SmartProperties.Revocation(Duration.ofSeconds(30)),
				capacity);
		return new VerifiedTokens(request -> authentication -> verify((BearerTokenAuthenticationToken) authentication),
				revoked, clock, demoIssuer, capacity, Duration.ofMinutes(60));
	}

	/** The token's text names its id and expiry: what the full verification would read from its claims. */
	private static String token(String id, Instant expiresAt) {
		return id + "." + expiresAt.getEpochSecond();
	}

	private Authentication verify(BearerTokenAuthenticationToken bearer) {
		verifications.incrementAndGet();
		String[] parts = bearer.getToken().split("\\.");
		Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts[1]));
		if (refuseEverything || !now.isBefore(expiresAt)) {
			throw new InvalidBearerTokenException("refused by the full verification");
		}
		Jwt jwt = Jwt.withTokenValue(bearer.getToken()).header("alg", "RS256").jti(parts[0]).expiresAt(expiresAt)
				.issuedAt(START).subject("someone").build();
		return CALLERS.convert(jwt);
	}

	private static Authentication authenticate(VerifiedTokens tokens, String host, String token) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/fhir/Patient/1");
		request.setServerName(host);
		return tokens.resolve(request).authenticate(new BearerTokenAuthenticationToken(token));
	}
}
