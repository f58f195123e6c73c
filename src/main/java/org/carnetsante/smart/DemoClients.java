package org.carnetsante.smart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ClassPathResource;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Component;

/**
 * Demonstration clients, registered only under the {@code demo} profile: the hospital system
 * {@code demo-hospital}, whose key pair is in the repository's {@code demo/} folder.
 */
@Component
@Profile("demo")
class DemoClients {

	static final String DEMO_HOSPITAL = "demo-hospital";
	private static final Logger LOG = LoggerFactory.getLogger(DemoClients.class);

	private final CarnetClients clients;
	private final RegisteredClientRepository registered;

	DemoClients(CarnetClients clients, RegisteredClientRepository registered) {
		this.clients = clients;
		this.registered = registered;
	}

	@EventListener(ApplicationReadyEvent.class)
	void registerDemoClients() {
		if (registered.findByClientId(DEMO_HOSPITAL) != null) {
			return;
		}
		clients.registerBackendService(
				DEMO_HOSPITAL,
				"Demo hospital (CH Carnet-les-Bains)",
				CarnetClients.Kind.HOSPITAL_SYSTEM,
				List.of("system/*.rs", "system/*.cruds", "system/*.read", "system/*.*"),
				publicJwks(),
				"1750000000");
		LOG.warn("Demo profile: registered the demo client {} (keys in demo/, public knowledge)", DEMO_HOSPITAL);
	}

	private static String publicJwks() {
		try {
			return new ClassPathResource("demo/hospital-jwks.json").getContentAsString(StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
