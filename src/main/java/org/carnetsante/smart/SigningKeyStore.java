package org.carnetsante.smart;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.text.ParseException;
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

	private final JdbcTemplate jdbc;

	public SigningKeyStore(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** The current keys, creating the first one if there is none yet. */
	public JWKSet keys() {
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
