package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.carnetsante.CarnetApplication;
import org.carnetsante.support.CarnetServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/** The administrator's client registration: what the JSON describes is what the server then accepts. */
class ClientRegistrationCommandTest extends CarnetServerTest {

	@Autowired
	PasswordEncoder passwords;

	@Autowired
	RegisteredClientRepository registered;

	@Test
	void backendServiceRegisteredFromJsonGetsTokensWithItsKey() throws Exception {
		RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
		String clientId = "registered-" + UUID.randomUUID();
		String json = "{\"clientId\":\"" + clientId + "\",\"name\":\"CH Lyon DPI\",\"kind\":\"HOSPITAL_SYSTEM\","
				+ "\"scopes\":[\"system/Patient.rs\"],\"organization\":\"1690000000\","
				+ "\"jwks\":" + new JWKSet(key.toPublicJWK()) + "}";

		ClientRegistrationCommand.register(json, clients, passwords);
		var assertion = new com.nimbusds.jwt.SignedJWT(
				new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS384).keyID("k1").build(),
				new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(baseUrl() + "/oauth2/token")
						.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(4))))
						.jwtID(UUID.randomUUID().toString()).build());
		assertion.sign(new com.nimbusds.jose.crypto.RSASSASigner(key));
		var token = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/oauth2/token"))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=system/Patient.rs"
						+ "&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
						+ "&client_assertion=" + assertion.serialize()))
				.build());

		assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
	}

	@Test
	void appRegisteredFromJsonKeepsItsRedirectUrisItsPublisherAndHashesItsSecret() throws Exception {
		String clientId = "registered-app-" + UUID.randomUUID();
		ClientRegistrationCommand.register("{\"clientId\":\"" + clientId + "\",\"name\":\"Mon appli\",\"kind\":\"PATIENT_APP\","
				+ "\"publisher\":\"Mon éditeur SAS\","
				+ "\"redirectUris\":[\"https://app.example/callback\"],\"scopes\":[\"openid\",\"patient/*.rs\"],"
				+ "\"secret\":\"s3cret\"}", clients, passwords);

		var client = registered.findByClientId(clientId);
		assertThat(client.getRedirectUris()).containsExactly("https://app.example/callback");
		assertThat(client.getClientSecret()).isNotEqualTo("s3cret");
		assertThat(passwords.matches("s3cret", client.getClientSecret())).isTrue();
		assertThat(CarnetClients.publisherOf(client)).contains("Mon éditeur SAS");
	}

	/**
	 * The command as an administrator runs it: no web server, so no issuer needed (it issues no token),
	 * on the deployment's database (here an embedded one of its own); the client is then in the database.
	 */
	@Test
	void theCommandRegistersAClientWithoutAWebServerOrAnIssuer(@TempDir Path dataDir) throws Exception {
		String clientId = "command-app-" + UUID.randomUUID();
		Path description = Files.writeString(dataDir.resolve("client.json"), "{\"clientId\":\"" + clientId + "\","
				+ "\"name\":\"Mon appli\",\"kind\":\"PATIENT_APP\",\"redirectUris\":[\"https://app.example/callback\"],"
				+ "\"scopes\":[\"openid\",\"patient/*.rs\"]}");

		ConfigurableApplicationContext command = SpringApplication.run(CarnetApplication.class,
				"--spring.main.web-application-type=none", "--carnet.fhir.data-dir=" + dataDir,
				"--carnet.admin.register-client=" + description);

		assertThat(command.isActive()).as("the command exits once done").isFalse();
		try (Connection database = DriverManager.getConnection("jdbc:h2:file:" + dataDir + "/h2/carnet", "sa", "");
				var statement = database.prepareStatement("SELECT client_name FROM oauth2_registered_client WHERE client_id = ?")) {
			statement.setString(1, clientId);
			try (ResultSet row = statement.executeQuery()) {
				assertThat(row.next()).isTrue();
				assertThat(row.getString(1)).isEqualTo("Mon appli");
			}
		}
	}

	@Test
	void descriptionWithoutAClientIdIsRefused() {
		assertThatThrownBy(() -> ClientRegistrationCommand.register(
						"{\"name\":\"x\",\"kind\":\"PATIENT_APP\"}", clients, passwords))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("clientId");
	}
}
