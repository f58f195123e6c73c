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
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
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
 *   <li>{@code jti} is present and not seen before within its lifetime (checked in the database, so
 *       a replay is caught whichever node receives it).
 * </ul>
 */
public class ClientAssertionVerifier implements JwtDecoderFactory<RegisteredClient> {

	static final String JWKS_SETTING = "carnet.jwks";
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
		return decoder;
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
		return new DelegatingOAuth2TokenValidator<>(
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

	private OAuth2TokenValidatorResult firstUse(RegisteredClient client, Jwt assertion) {
		String jti = assertion.getId();
		if (jti == null || jti.isBlank()) {
			return failure("jti is required");
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
