package org.carnetsante.examples.quickstart;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The client's private key and the JWS algorithm it signs with. SMART Backend Services lets a client
 * sign its assertion RS384 (RSA key) or ES384 (EC P-384 key); Carnet accepts exactly these two.
 * The key file is PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), as {@code openssl genpkey} writes it.
 */
record ClientKey(PrivateKey key, JWSAlgorithm algorithm) {

	static ClientKey load(Path pemFile) throws IOException {
		String pem = Files.readString(pemFile);
		if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
			throw new IllegalArgumentException(pemFile + " is not a PKCS#8 PEM private key (convert it with "
					+ "`openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem`)");
		}
		byte[] der = Base64.getMimeDecoder().decode(pem
				.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").strip());
		PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
		try {
			return new ClientKey(KeyFactory.getInstance("RSA").generatePrivate(spec), JWSAlgorithm.RS384);
		} catch (GeneralSecurityException notRsa) {
			try {
				return new ClientKey(KeyFactory.getInstance("EC").generatePrivate(spec), JWSAlgorithm.ES384);
			} catch (GeneralSecurityException notEc) {
				throw new IllegalArgumentException(pemFile + " holds neither an RSA nor an EC private key", notEc);
			}
		}
	}

	JWSSigner signer() throws JOSEException {
		return algorithm.equals(JWSAlgorithm.ES384) ? new ECDSASigner((ECPrivateKey) key) : new RSASSASigner(key);
	}
}
