package org.carnetsante.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import org.carnetsante.smart.CarnetClients;
import org.carnetsante.CarnetApplication;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the integration tests: one Carnet server for the whole run, on a free port picked before it
 * starts (its issuer, {@code http://localhost:<port>}, names it), on a fresh PostgreSQL database,
 * reached over real HTTP. Every subclass shares the same Spring context (keep the configuration here,
 * not in subclasses, or the server starts again).
 */
@SpringBootTest(classes = CarnetApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@Import(TestDatabaseDropping.class)
// Spring Boot tests switch metric export off unless asked; the Prometheus endpoint is under test.
@AutoConfigureObservability(tracing = false)
public abstract class CarnetServerTest {

	protected static final FhirContext FHIR = FhirContext.forR4Cached();

	/** Request body limit of the test server, in bytes (5 MB instead of the default 20 MB). */
	protected static final int TEST_MAX_REQUEST_BODY = 5 * 1024 * 1024;

	/** Largest document a patient uploads on the test server (not the default, so the setting is proven). */
	protected static final int TEST_PATIENT_UPLOAD_MAX = 64 * 1024;

	@LocalServerPort
	protected int port;

	@Autowired
	protected JdbcTemplate jdbc;

	@Autowired
	protected CarnetClients clients;

	/** The hospital system the tests act as, unless a test says otherwise: every system scope. */
	private static TestBackendClient hospital;
	private static String hospitalToken;
	private static Instant hospitalTokenIssuedAt = Instant.EPOCH;
	protected static final String ALL_SYSTEM_SCOPES = "system/*.*";

	protected final HttpClient http = HttpClient.newHttpClient();

	/** The national portal's client of the test server ({@code carnet.space.lifecycle.portal-clients}). */
	protected static final String TEST_PORTAL_CLIENT = "test-portal";
	/** The insured registry's client of the test server ({@code carnet.space.provisioning.clients}). */
	protected static final String TEST_REGISTRY_CLIENT = "test-registry";

	/** The shared server's port, free when the test run started. */
	private static final int SERVER_PORT = FreePorts.pick();

	@DynamicPropertySource
	static void carnetOnTestPostgres(DynamicPropertyRegistry registry) throws IOException {
		Path dataDir = Files.createTempDirectory("carnet-it-");
		// A real deployment's explicit issuer: the server's own base URL, as the tests reach it.
		registry.add("server.port", () -> SERVER_PORT);
		registry.add("carnet.smart.issuer", () -> "http://localhost:" + SERVER_PORT);
		registry.add("carnet.fhir.data-dir", dataDir::toString);
		registry.add("carnet.db.url", TestPostgres::jdbcUrl);
		registry.add("carnet.db.username", TestPostgres::user);
		registry.add("carnet.db.password", () -> "");
		// The database is new for every run; an index kept on disk would outlive it.
		registry.add("carnet.search.lucene-directory", () -> "local-heap");
		// A second, external issuer whose claims are named differently (see TestExternalIssuer).
		registry.add("carnet.smart.external-issuers[0].issuer", () -> TestExternalIssuer.get().issuer());
		registry.add("carnet.smart.external-issuers[0].jwk-set-uri", () -> TestExternalIssuer.get().jwkSetUri());
		registry.add("carnet.smart.external-issuers[0].audience", () -> TestExternalIssuer.AUDIENCE);
		registry.add("carnet.smart.external-issuers[0].claims.fhir-user", () -> "fhir_user");
		registry.add("carnet.smart.external-issuers[0].claims.client-id", () -> "azp");
		registry.add("carnet.smart.external-issuers[0].claims.profession", () -> "ps_profession");
		registry.add("carnet.smart.cors-allowed-origins[0]", () -> "https://app.example");
		// Not the default, so the tests prove the setting is honoured.
		registry.add("carnet.fhir.max-request-body", () -> TEST_MAX_REQUEST_BODY + "B");
		registry.add("carnet.documents.patient-uploads.max-size", () -> TEST_PATIENT_UPLOAD_MAX + "B");
		// Exports cross page and batch boundaries even on the tests' small spaces.
		registry.add("carnet.export.page-size", () -> "3");
		registry.add("carnet.export.spaces-per-batch", () -> "1");
		// Notifications go to a real SMTP server, promptly.
		registry.add("carnet.notify.email.smtp-host", () -> "127.0.0.1");
		registry.add("carnet.notify.email.smtp-port", TestMailServer::port);
		registry.add("carnet.notify.delivery.poll-interval", () -> "200ms");
		registry.add("carnet.notify.delivery.first-retry", () -> "1s");
		// The reminders' job passes only when a test asks (ReminderTest), for its own spaces; due reminders go out from
		// midnight of their day, so that a dose due today is reminded whatever the hour the tests run.
		registry.add("carnet.agenda.reminders.poll-interval", () -> "1h");
		registry.add("carnet.agenda.reminders.send-at", () -> "00:00");
		// The clients that carry a person's answer to the information notice and that provision from the registry
		// (SpaceLifecycleTest, ProvisioningTest).
		registry.add("carnet.space.lifecycle.portal-clients[0]", () -> TEST_PORTAL_CLIENT);
		registry.add("carnet.space.provisioning.clients[0]", () -> TEST_REGISTRY_CLIENT);
		// Rest-hook endpoints of the tests listen on the loopback interface, without TLS.
		registry.add("carnet.notify.subscriptions.allowed-endpoints[0]", () -> "http://127.0.0.1:");
		registry.add("carnet.notify.subscriptions.allow-private-addresses", () -> "true");
	}

	protected String baseUrl() {
		return "http://localhost:" + port;
	}

	protected String fhirBase() {
		return baseUrl() + "/fhir";
	}

	protected IGenericClient fhirClient() {
		FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		// The first writes of a fresh server wait for the validator's warm-up (up to ~20 s on a loaded
		// machine), longer than the client's default 10 s.
		FHIR.getRestfulClientFactory().setSocketTimeout(60_000);
		IGenericClient client = FHIR.newRestfulGenericClient(fhirBase());
		client.registerInterceptor(new BearerTokenAuthInterceptor(token()));
		return client;
	}

	/** An access token of the shared test hospital, renewed before its 5 minutes run out. */
	protected synchronized String token() {
		if (hospital == null) {
			hospital = TestBackendClient.registerRsa(clients, baseUrl(), List.of(ALL_SYSTEM_SCOPES));
		}
		if (Duration.between(hospitalTokenIssuedAt, Instant.now()).compareTo(Duration.ofMinutes(4)) > 0) {
			hospitalToken = hospital.accessToken(ALL_SYSTEM_SCOPES);
			hospitalTokenIssuedAt = Instant.now();
		}
		return hospitalToken;
	}

	/**
	 * A new patient whose space the test hospital may read: the Patient and a CareTeam naming the
	 * hospital's organization, in one transaction. Returns the patient's id.
	 */
	protected String patientInOurCare(org.hl7.fhir.r4.model.Patient patient) {
		String placeholder = "urn:uuid:" + java.util.UUID.randomUUID();
		org.hl7.fhir.r4.model.Bundle transaction = new org.hl7.fhir.r4.model.Bundle()
				.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl(placeholder).setResource(patient)
				.getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().setResource(Fixtures.careTeam(placeholder, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("CareTeam");
		org.hl7.fhir.r4.model.Bundle response = fhirClient().transaction().withBundle(transaction).execute();
		return new org.hl7.fhir.r4.model.IdType(response.getEntryFirstRep().getResponse().getLocation()).getIdPart();
	}

	/** Declares the test hospital a member of this patient's care team. */
	protected void takeIntoOurCare(String patientId) {
		fhirClient().create().resource(Fixtures.careTeam("Patient/" + patientId, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.execute();
	}

	protected String patientInOurCare() {
		return patientInOurCare(Fixtures.insPatient());
	}

	/** Resource versions stored, all types together: what "nothing was written" is measured by. */
	protected long storedResourceVersions() {
		return jdbc.queryForObject("SELECT COUNT(*) FROM hfj_res_ver", Long.class)
				+ jdbc.queryForObject("SELECT COUNT(*) FROM hfj_resource", Long.class);
	}

	protected HttpResponse<String> send(HttpRequest request) {
		return Http.send(http, request);
	}

	/** A request to the FHIR endpoint, carrying the test hospital's token. */
	protected HttpRequest.Builder request(String fhirPath) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + fhirPath)).header("Authorization", "Bearer " + token());
	}
}
