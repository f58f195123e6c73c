package org.carnetsante.smart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The administrator's command that registers a client from a JSON description, then exits:
 *
 * <pre>java -jar carnet.jar --spring.main.web-application-type=none --carnet.admin.register-client=client.json</pre>
 *
 * It is protected by what it needs: the database credentials of the deployment. A backend service
 * gives its public JWKS; an app gives its redirect URIs, if confidential a secret, and optionally its
 * {@code publisher} (who makes it, shown to people on the consent page beside its name):
 *
 * <pre>{"clientId": "ch-lyon-dpi", "name": "CH Lyon DPI", "kind": "HOSPITAL_SYSTEM",
 *  "scopes": ["system/*.rs"], "organization": "1690000000", "organizationSector": "SA01", "jwks": {"keys": [ … ]}}
 * {"clientId": "mon-appli", "name": "Mon appli", "publisher": "Mon éditeur SAS", "kind": "PATIENT_APP",
 *  "redirectUris": ["https://app.example/callback"], "scopes": ["openid", "fhirUser", "launch/patient", "patient/*.rs"]}</pre>
 */
@Component
@ConditionalOnProperty("carnet.admin.register-client")
class ClientRegistrationCommand implements ApplicationRunner {

	private static final Logger LOG = LoggerFactory.getLogger(ClientRegistrationCommand.class);
	private static final ObjectMapper JSON = new ObjectMapper();

	private final CarnetClients clients;
	private final PasswordEncoder passwords;
	private final ConfigurableApplicationContext context;

	ClientRegistrationCommand(CarnetClients clients, PasswordEncoder passwords, ConfigurableApplicationContext context) {
		this.clients = clients;
		this.passwords = passwords;
		this.context = context;
	}

	@Override
	public void run(ApplicationArguments arguments) throws IOException {
		Path file = Path.of(context.getEnvironment().getRequiredProperty("carnet.admin.register-client"));
		String clientId = register(Files.readString(file), clients, passwords);
		LOG.info("Registered client {} from {}", clientId, file);
		context.close();
	}

	/** Registers the client the JSON describes; returns its client id. */
	static String register(String json, CarnetClients clients, PasswordEncoder passwords) throws IOException {
		JsonNode description = JSON.readTree(json);
		String clientId = required(description, "clientId");
		String name = required(description, "name");
		CarnetClients.Kind kind = CarnetClients.Kind.valueOf(required(description, "kind"));
		List<String> scopes = strings(description.path("scopes"));
		if (description.has("jwks")) {
			clients.registerBackendService(clientId, name, kind, scopes, description.get("jwks").toString(),
					description.path("organization").asText(null), description.path("organizationSector").asText(null));
		} else {
			clients.registerApp(clientId, name, description.path("publisher").asText(null), kind,
					strings(description.path("redirectUris")), scopes, description.path("secret").asText(null),
					passwords::encode);
		}
		return clientId;
	}

	private static String required(JsonNode description, String field) {
		String value = description.path(field).asText(null);
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("The client description needs \"" + field + "\"");
		}
		return value;
	}

	private static List<String> strings(JsonNode array) {
		List<String> values = new ArrayList<>();
		array.forEach(value -> values.add(value.asText()));
		return values;
	}
}
