package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A token with a patient context reaches that patient's compartment and nothing else: not by read,
 * search, include, history, write nor transaction; and a read outside answers exactly as a read of
 * nothing.
 */
class PatientCompartmentTest extends CarnetServerTest {

	private static final String PASSWORD = "s3cret-for-tests";
	private static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "patient/*.cruds");

	@Autowired
	UserAccounts accounts;

	private String own;
	private String other;
	private String ownObservation;
	private String otherObservation;
	private String token;

	@BeforeEach
	void twoPatientsWithAnObservationEach() {
		own = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		other = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		ownObservation = createObservation(own);
		otherObservation = createObservation(other);
		String username = "patient-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + own, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(username, own, UserAccounts.Relationship.SELF);
		String app = "compartment-app-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES, null, null);
		token = new SmartLaunch(baseUrl()).tokens(app, SCOPES, username, PASSWORD, null).get("access_token").asText();
	}

	@Test
	void readsOutsideTheCompartmentLookExactlyLikeReadsOfNothing() {
		HttpResponse<String> otherPatient = get("/Patient/" + other);
		HttpResponse<String> absentPatient = get("/Patient/999999999");
		HttpResponse<String> otherObs = get("/Observation/" + otherObservation);

		assertThat(get("/Patient/" + own).statusCode()).isEqualTo(200);
		assertThat(get("/Observation/" + ownObservation).statusCode()).isEqualTo(200);
		assertThat(otherPatient.statusCode()).isEqualTo(404);
		assertThat(absentPatient.statusCode()).isEqualTo(404);
		assertThat(otherObs.statusCode()).isEqualTo(404);
		assertThat(otherPatient.body()).contains("OperationOutcome").doesNotContain("Martin");
		assertThat(absentPatient.body()).contains("OperationOutcome");
	}

	@Test
	void searchesIncludesAndTotalsOnlyEverSeeTheOwnCompartment() {
		Bundle all = bundle(get("/Observation?_total=accurate"));
		HttpResponse<String> askingForOther = get("/Observation?subject=Patient/" + other);
		Bundle withInclude = bundle(get("/Observation?_include=Observation:subject"));
		Bundle withRevinclude = bundle(get("/Patient?_revinclude=Observation:subject"));

		assertThat(ids(all)).containsExactly("Observation/" + ownObservation);
		assertThat(all.getTotal()).isEqualTo(1);
		assertThat(askingForOther.statusCode()).as("asking outright for another patient").isEqualTo(403);
		assertThat(askingForOther.body()).doesNotContain(otherObservation);
		assertThat(ids(withInclude)).containsExactlyInAnyOrder("Observation/" + ownObservation, "Patient/" + own);
		assertThat(ids(withRevinclude)).containsExactlyInAnyOrder("Observation/" + ownObservation, "Patient/" + own);
	}

	@Test
	void historyOfAnotherPatientsDataIsRefused() {
		assertThat(get("/Observation/" + otherObservation + "/_history").statusCode()).isIn(403, 404);
		HttpResponse<String> typeHistory = get("/Observation/_history");
		assertThat(typeHistory.body()).doesNotContain("Observation/" + otherObservation);
	}

	@Test
	void writesOutsideTheCompartmentAreRefusedAndStoreNothing() {
		long before = storedResourceVersions();
		String forOther = FHIR.newJsonParser().encodeResourceToString(observationOf(other));
		String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
				+ FHIR.newJsonParser().encodeResourceToString(observationOf(own))
				+ ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},{\"resource\":" + forOther
				+ ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";

		assertThat(post("/Observation", forOther).statusCode()).isEqualTo(403);
		assertThat(post("", transaction).statusCode()).isEqualTo(403);
		assertThat(storedResourceVersions()).isEqualTo(before);
		assertThat(post("/Observation", FHIR.newJsonParser().encodeResourceToString(observationOf(own))).statusCode())
				.isEqualTo(201);
	}

	@Test
	void aPatientCannotWriteAboutSomeoneElseNorTouchIdentitiesNorSearchThroughChains() {
		Observation aboutOther = observationOf(other);
		aboutOther.addPerformer(new Reference("Patient/" + own));
		long before = storedResourceVersions();

		assertThat(post("/Observation", FHIR.newJsonParser().encodeResourceToString(aboutOther)).statusCode())
				.as("a second reference to the caller does not make it theirs").isEqualTo(403);
		assertThat(post("/Patient", FHIR.newJsonParser().encodeResourceToString(Fixtures.insPatient())).statusCode())
				.as("identities are not the patient's to create").isEqualTo(403);
		assertThat(storedResourceVersions()).isEqualTo(before);
		assertThat(get("/Observation?has-member:Observation.value-quantity=72").statusCode()).as("chain").isEqualTo(403);
		assertThat(get("/Observation?_has:Observation:has-member:status=final").statusCode()).as("_has").isEqualTo(403);
	}

	private String createObservation(String patientId) {
		return fhirClient().create().resource(observationOf(patientId)).execute().getId().getIdPart();
	}

	private static Observation observationOf(String patientId) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "2951-2", "Sodium")));
		observation.setSubject(new Reference("Patient/" + patientId));
		return observation;
	}

	private HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}

	private HttpResponse<String> post(String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build());
	}

	private static Bundle bundle(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return FHIR.newJsonParser().parseResource(Bundle.class, response.body());
	}

	private static List<String> ids(Bundle bundle) {
		return bundle.getEntry().stream()
				.map(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue())
				.toList();
	}
}
