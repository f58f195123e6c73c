package org.carnetsante.smart;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The RSA keys the embedded authorization server signs its tokens with. They live in the database so
 * that every node signs with, and accepts, the same keys; the first node to start creates one.
 */
public class SigningKeyStore {

	private static final int KEY_SIZE = 2048;
	/**
	 * How long a node trusts its copy of the keys: every token issued or verified needs them, so they
	 * are not read from the database each time; a key added by another node is seen within this delay.
	 */
	private static final Duration CACHE_FOR = Duration.ofMinutes(1);

	private final JdbcTemplate jdbc;
	private final Clock clock;
	private volatile JWKSet cached;
	private volatile Instant cachedAt = Instant.MIN;

	public SigningKeyStore(JdbcTemplate jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** The current keys, from this node's copy if it is recent enough. */
	public JWKSet keys() {
		Instant now = clock.instant();
		JWKSet keys = cached;
		if (keys == null || cachedAt.plus(CACHE_FOR).isBefore(now)) {
			keys = storedKeys();
			cached = keys;
			cachedAt = now;
		}
		return keys;
	}

	/** The keys in the database, creating the first one if there is none yet. */
	private JWKSet storedKeys() {
		List<String> stored = jdbc.queryForList("SELECT jwk FROM carnet_signing_key ORDER BY created_at DESC", String.class);
		if (stored.isEmpty()) {
			createKey();
			stored = jdbc.queryForList("SELECT jwk FROM carnet_signing_key ORDER BY created_at DESC", String.class);
		}
		try {
			List<com.nimbusds.jose.jwk.JWK> keys = new java.util.ArrayList<>();
			for (String jwk : stored) {
				keys.add(RSAKey.parse(jwk));
			}
			return new JWKSet(keys);
		} catch (ParseException e) {
			throw new IllegalStateException("A stored signing key cannot be read", e);
		}
	}

	private void createKey() {
		try {
			RSAKey key = new RSAKeyGenerator(KEY_SIZE)
					.keyID(UUID.randomUUID().toString())
					.keyUse(KeyUse.SIGNATURE)
					.generate();
			jdbc.update("INSERT INTO carnet_signing_key (kid, jwk) VALUES (?, ?)", key.getKeyID(), key.toJSONString());
		} catch (JOSEException e) {
			throw new IllegalStateException("Cannot generate a signing key", e);
		} catch (DuplicateKeyException e) {
			// Another node created one at the same moment: theirs is as good.
		}
	}
}
