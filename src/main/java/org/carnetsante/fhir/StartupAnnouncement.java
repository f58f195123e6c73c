package org.carnetsante.fhir;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Prints where the FHIR endpoint answers and which database it uses, once the server is ready. */
@Component
class StartupAnnouncement {

	private static final Logger LOG = LoggerFactory.getLogger(StartupAnnouncement.class);

	private final DatabaseProperties database;

	StartupAnnouncement(DatabaseProperties database) {
		this.database = database;
	}

	@EventListener
	void onReady(ApplicationReadyEvent event) {
		if (!(event.getApplicationContext() instanceof WebServerApplicationContext web)) {
			return;
		}
		int port = web.getWebServer().getPort();
		String contextPath = event.getApplicationContext().getEnvironment().getProperty("server.servlet.context-path", "");
		LOG.info(
				"Carnet is ready: FHIR base URL http://localhost:{}{}{} (database {})",
				port,
				contextPath,
				FhirServerConfig.FHIR_BASE_PATH,
				database.url().replaceAll("password=[^;&]*", "password=***"));
	}
}
