package org.carnetsante.smart;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;

/**
 * Verifies the signed client assertion of SMART Backend Services ({@code private_key_jwt}), against
 * the JWKS registered with the client in the database rather than one fetched from a URL:
 * <ul>
 *   <li>signed RS384 or ES384 by one of the client's registered keys ({@code alg: none} and every
 *       other algorithm are refused);
 *   <li>{@code iss} and {@code sub} are the client id, {@code aud} is the token endpoint URL;
 *   <li>{@code exp} is present and at most {@code carnet.smart.client-assertion-max-lifetime} ahead;
 *   <li>{@code jti} is present, at most {@value #MAX_JTI_LENGTH} characters, and not seen before within
 *       its lifetime (checked in the database, so a replay is caught whichever node receives it).
 * </ul>
 * The checks run in this order and stop at the first that fails, so that a later one never reads a
 * claim an earlier one found missing. An assertion that cannot be read at all (a claim of the wrong
 * JSON type, a broken header…) is refused like any other: {@code invalid_client}, never a server error.
 */
public class ClientAssertionVerifier implements JwtDecoderFactory<RegisteredClient> {

	static final String JWKS_SETTING = "carnet.jwks";
	/** The size of the column that remembers the jti of each assertion used. */
	static final int MAX_JTI_LENGTH = 255;
	private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384);

	private final JdbcTemplate jdbc;
	private final SmartProperties smart;
	private final Clock clock;

	public ClientAssertionVerifier(JdbcTemplate jdbc, SmartProperties smart, Clock clock) {
		this.jdbc = jdbc;
		this.smart = smart;
		this.clock = clock;
	}

	@Override
	public JwtDecoder createDecoder(RegisteredClient client) {
		DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(jwksOf(client))));
		// Claims are checked by the Spring validators below, with messages the client can act on.
		processor.setJWTClaimsSetVerifier((claims, context) -> {});
		NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
		decoder.setJwtValidator(validatorsFor(client));
		return assertion -> {
			try {
				return decoder.decode(assertion);
			} catch (JwtException | DataAccessException e) {
				throw e; // refused (invalid_client), or the database is down: a real server error
			} catch (RuntimeException e) {
				// A claim that Spring's claim conversion or a check could not read: the assertion is invalid.
				throw new BadJwtException("Client assertion: unreadable claims", e);
			}
		};
	}

	private static JWKSet jwksOf(RegisteredClient client) {
		Object jwks = client.getClientSettings().getSetting(JWKS_SETTING);
		if (jwks == null) {
			return new JWKSet();
		}
		try {
			return JWKSet.parse(jwks.toString());
		} catch (ParseException e) {
			throw new IllegalStateException("The registered JWKS of client " + client.getClientId() + " is invalid", e);
		}
	}

	private OAuth2TokenValidator<Jwt> validatorsFor(RegisteredClient client) {
		JwtTimestampValidator timestamps = new JwtTimestampValidator(smart.clockSkew());
		timestamps.setClock(clock);
		return inOrder(
				jwt -> check(jwt.getExpiresAt() != null, "exp is required"),
				timestamps,
				jwt -> check(client.getClientId().equals(jwt.getClaimAsString("iss"))
						&& client.getClientId().equals(jwt.getSubject()), "iss and sub must be the client id"),
				jwt -> check(jwt.getAudience() != null && jwt.getAudience().contains(tokenEndpoint()),
						"aud must be the token endpoint " + tokenEndpoint()),
				jwt -> check(jwt.getExpiresAt() != null && !jwt.getExpiresAt().isAfter(
						clock.instant().plus(smart.clientAssertionMaxLifetime()).plus(smart.clockSkew())),
						"exp must be present and at most " + smart.clientAssertionMaxLifetime().toMinutes() + " minutes ahead"),
				jwt -> firstUse(client, jwt));
	}

	/** The validators one after the other, up to the first failure (Spring's delegating validator runs them all). */
	@SafeVarargs
	private static OAuth2TokenValidator<Jwt> inOrder(OAuth2TokenValidator<Jwt>... validators) {
		return jwt -> {
			for (OAuth2TokenValidator<Jwt> validator : validators) {
				OAuth2TokenValidatorResult result = validator.validate(jwt);
				if (result.hasErrors()) {
					return result;
				}
			}
			return OAuth2TokenValidatorResult.success();
		};
	}

	private OAuth2TokenValidatorResult firstUse(RegisteredClient client, Jwt assertion) {
		String jti = assertion.getId();
		if (jti == null || jti.isBlank()) {
			return failure("jti is required");
		}
		if (jti.length() > MAX_JTI_LENGTH) {
			return failure("jti must be at most " + MAX_JTI_LENGTH + " characters");
		}
		Instant now = clock.instant();
		jdbc.update("DELETE FROM carnet_client_assertion WHERE expires_at < ?", Timestamp.from(now.minus(smart.clockSkew())));
		try {
			jdbc.update(
					"INSERT INTO carnet_client_assertion (client_id, jti, expires_at) VALUES (?, ?, ?)",
					client.getClientId(), jti, Timestamp.from(assertion.getExpiresAt()));
			return OAuth2TokenValidatorResult.success();
		} catch (DuplicateKeyException e) {
			return failure("this jti was already used");
		}
	}

	private static String tokenEndpoint() {
		var context = AuthorizationServerContextHolder.getContext();
		return context.getIssuer() + context.getAuthorizationServerSettings().getTokenEndpoint();
	}

	private static OAuth2TokenValidatorResult check(boolean valid, String otherwise) {
		return valid ? OAuth2TokenValidatorResult.success() : failure(otherwise);
	}

	private static OAuth2TokenValidatorResult failure(String description) {
		return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_client", "Client assertion: " + description, null));
	}

	static List<JWSAlgorithm> algorithms() {
		return List.copyOf(ALGORITHMS);
	}
}
