package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.carnetsante.CarnetApplication;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.FreePorts;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.smart.CarnetClients;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded default (H2 file database and Lucene index under the data folder, no external
 * service) keeps its data across a restart: the server is started, written to, stopped and started
 * again on the same folder, exactly as {@code ./mvnw spring-boot:run} would run it. The space rules
 * (the care relationship that lets the hospital read) survive with the data.
 */
class EmbeddedDefaultRestartTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();

	@TempDir
	Path dataDir;

	@Test
	void dataWrittenBeforeARestartIsReadAndFoundAfterIt() throws Exception {
		String patientId;
		String messageId;
		try (ConfigurableApplicationContext server = startEmbedded()) {
			IGenericClient client = clientOf(server);
			patientId = client.create().resource(Fixtures.insPatient()).execute().getId().toUnqualifiedVersionless().getIdPart();
			client.create().resource(Fixtures.careTeam("Patient/" + patientId, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
					.execute();
			messageId = client.create().resource(Fixtures.communication("ordonnance renouvelee pour amoxicilline",
							"Patient/" + patientId))
					.execute().getId().toUnqualifiedVersionless().getIdPart();
		}
		assertThat(Files.list(dataDir.resolve("h2"))).isNotEmpty();

		try (ConfigurableApplicationContext server = startEmbedded()) {
			IGenericClient client = clientOf(server);
			Patient patient = client.read().resource(Patient.class).withId(patientId).execute();
			Bundle found = client.search().byUrl("Communication?subject=Patient/" + patientId + "&_content=amoxicilline")
					.returnBundle(Bundle.class).execute();

			assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Martin");
			assertThat(found.getEntry()).extracting(entry -> entry.getResource().getIdElement().getIdPart())
					.containsExactly(messageId);
		}
	}

	private ConfigurableApplicationContext startEmbedded() {
		// A server names its issuer, which names its port: one free now, picked for each start.
		int port = FreePorts.pick();
		return SpringApplication.run(CarnetApplication.class, "--server.port=" + port,
				"--carnet.smart.issuer=http://localhost:" + port, "--carnet.fhir.data-dir=" + dataDir);
	}

	private static IGenericClient clientOf(ConfigurableApplicationContext server) {
		String baseUrl = "http://localhost:" + ((WebServerApplicationContext) server).getWebServer().getPort();
		TestBackendClient hospital = TestBackendClient.registerRsa(
				server.getBean(CarnetClients.class), baseUrl, java.util.List.of("system/*.*"));
		IGenericClient client = FHIR.newRestfulGenericClient(baseUrl + "/fhir");
		client.registerInterceptor(new BearerTokenAuthInterceptor(hospital.accessToken("system/*.*")));
		return client;
	}
}
