package org.carnetsante.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An OIDC issuer other than Carnet, as Keycloak or Pro Santé Connect would be for the resource
 * server: its own RSA key, published as a JWKS over real HTTP on a local port, and the tokens it
 * signs. Its claim names differ from Carnet's on purpose ({@code fhir_user}, {@code azp},
 * {@code ps_profession}), to prove the mapping.
 */
public final class TestExternalIssuer {

	public static final String AUDIENCE = "carnet-fhir";

	private static TestExternalIssuer instance;

	private final RSAKey key;
	private final String issuer;
	private final String jwkSetUri;

	private TestExternalIssuer(RSAKey key, int port) {
		this.key = key;
		this.issuer = "http://localhost:" + port + "/realms/carnet";
		this.jwkSetUri = issuer + "/protocol/openid-connect/certs";
	}

	/** The issuer of this test run, started on first use. */
	public static synchronized TestExternalIssuer get() {
		if (instance == null) {
			try {
				RSAKey key = new RSAKeyGenerator(2048).keyID("external-1").generate();
				HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
				byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
				server.createContext("/", exchange -> {
					exchange.getResponseHeaders().add("Content-Type", "application/json");
					exchange.sendResponseHeaders(200, jwks.length);
					try (OutputStream body = exchange.getResponseBody()) {
						body.write(jwks);
					}
				});
				server.setExecutor(null);
				server.start();
				instance = new TestExternalIssuer(key, server.getAddress().getPort());
			} catch (IOException | JOSEException e) {
				throw new IllegalStateException(e);
			}
		}
		return instance;
	}

	public String issuer() {
		return issuer;
	}

	public String jwkSetUri() {
		return jwkSetUri;
	}

	public String sign(JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
			jwt.sign(new RSASSASigner(key));
			return jwt.serialize();
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}
}
