package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.SearchParameter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Who may write what ({@link WritePolicy}, docs/access.md "Writes"), table-driven over real HTTP with the
 * real tokens of {@link TestSpace}: actor × write → the exact status, and a refusal stores nothing (an
 * accepted write stores something). Statuses: 403 for a write the actor may not make whatever it names;
 * 404 for a change of what the actor may not see, worded as for what does not exist; 400 for a write
 * naming a space the actor may not feed (closed, or blocking it), worded as for a space that does not
 * exist (references are checked like reads: {@code ReferencePolicy}); 422 for what would belong to no
 * space.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WritePolicyTableTest extends CarnetServerTest {

	private static final String ABSENT_PATIENT = "Patient/987650003";

	@Autowired
	UserAccounts accounts;

	private TestSpace space;
	private String claire;
	private String minor;
	private String closed;
	private String patient;
	private String delegate;
	private String parent;
	private String gpSoftware;
	private String strangerSoftware;
	private String blockedGpSoftware;
	private String outsider;
	private String insurer;

	/** One write: who, what, and the status docs/access.md promises. */
	record Write(String name, Supplier<String> token, String method, Supplier<String> path, Supplier<String> body, int status) {}

	@BeforeAll
	void aSpaceItsPeopleAndOrganizationsOutsideIt() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		claire = space.id(Item.PATIENT);
		minor = space.id(Item.MINOR);
		closed = "Patient/" + patientInOurCare();
		Patient closing = fhirClient().read().resource(Patient.class).withId(closed).execute();
		fhirClient().update().resource(closing.setActive(false)).execute();
		patient = space.patientToken();
		delegate = space.delegateToken();
		parent = space.parentToken();
		gpSoftware = space.professionalWriteToken(space.gp);
		strangerSoftware = space.professionalWriteToken(space.emergencyDoctor);
		blockedGpSoftware = space.professionalWriteToken(space.blockedGp);
		outsider = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/*.cruds"), "1690000011", "SA01")
				.accessToken("system/*.cruds");
		insurer = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/*.cruds"), "3100000011", "SA24")
				.accessToken("system/*.cruds");
	}

	@TestFactory
	Stream<DynamicTest> everyActorWritesWhatTheRulesAllowAndARefusalStoresNothing() {
		return writes().map(write -> DynamicTest.dynamicTest(write.name() + " → " + write.status(), () -> {
			String path = write.path().get();
			String body = write.body() == null ? null : write.body().get();
			long before = storedResourceVersions();

			HttpResponse<String> response = send(write.token().get(), write.method(), path, body);

			assertThat(response.statusCode()).as(response.body()).isEqualTo(write.status());
			if (write.status() >= 400) {
				assertThat(storedResourceVersions()).as("a refusal stores nothing").isEqualTo(before);
			} else {
				assertThat(storedResourceVersions()).as("the write is stored").isGreaterThan(before);
			}
		}));
	}

	private Stream<Write> writes() {
		return Stream.of(
				// creating in a space
				write("the patient creates an Observation in her space", () -> patient, "POST", "/Observation",
						() -> encode(observation(claire)), 201),
				write("a parent creates an Observation in the minor's space he opens", () -> parent, "POST", "/Observation",
						() -> encode(observation(minor)), 201),
				write("a delegate creates nothing: a delegation reads only", () -> delegate, "POST", "/Observation",
						() -> encode(observation(claire)), 403),
				write("the patient creates nothing in another space", () -> patient, "POST", "/Observation",
						() -> encode(observation(minor)), 403),
				write("the hospital feeds a space in its care", this::token, "POST", "/Observation",
						() -> encode(observation(claire)), 201),
				write("a hospital feeds a space without a care relationship", () -> outsider, "POST", "/Observation",
						() -> encode(observation(claire)), 201),
				write("the GP's software sends a document to his patient's space", () -> gpSoftware, "POST", "/DocumentReference",
						() -> encode(Fixtures.documentReference(claire)), 201),
				write("a professional outside the care team sends his document too", () -> strangerSoftware, "POST",
						"/DocumentReference", () -> encode(Fixtures.documentReference(claire)), 201),
				write("a blocked GP's software sends nothing: the space answers as one that does not exist",
						() -> blockedGpSoftware, "POST", "/DocumentReference", () -> encode(Fixtures.documentReference(claire)), 400),
				write("a closed space takes nothing: it answers as one that does not exist", this::token, "POST", "/Observation",
						() -> encode(observation(closed)), 400),
				write("a space that does not exist takes nothing", this::token, "POST", "/Observation",
						() -> encode(observation(ABSENT_PATIENT)), 400),
				write("an insurer writes nothing", () -> insurer, "POST", "/Observation", () -> encode(observation(claire)), 403),
				// changing and deleting
				write("the hospital updates an Observation it sees", this::token, "PUT", () -> "/" + space.id(Item.OBSERVATION),
						() -> encode(observationWithId(space.id(Item.OBSERVATION), claire)), 200),
				write("the hospital updates nothing hidden from it (a masked document)", this::token, "PUT",
						() -> "/" + space.id(Item.MASKED_CONSULTATION),
						() -> encode(documentWithId(space.id(Item.MASKED_CONSULTATION))), 404),
				write("the hospital updates nothing that does not exist (clients do not choose ids)", this::token, "PUT",
						() -> "/Observation/987654321", () -> encode(observationWithId("Observation/987654321", claire)), 404),
				write("the patient updates nothing not yet shown to her", () -> patient, "PUT",
						() -> "/" + space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT),
						() -> encode(documentWithId(space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT))), 404),
				write("a hospital without a care relationship updates nothing it cannot see", () -> outsider, "PUT",
						() -> "/" + space.id(Item.OBSERVATION), () -> encode(observationWithId(space.id(Item.OBSERVATION), claire)), 404),
				write("a delegate updates nothing, though he sees it", () -> delegate, "PUT", () -> "/" + space.id(Item.OBSERVATION),
						() -> encode(observationWithId(space.id(Item.OBSERVATION), claire)), 403),
				write("the hospital deletes an Observation it sees", this::token, "DELETE", () -> "/" + created(observation(claire)),
						null, 200),
				write("the patient deletes an Observation of her space", () -> patient, "DELETE",
						() -> "/" + created(observation(claire)), null, 200),
				write("the hospital deletes nothing hidden from it", this::token, "DELETE", () -> "/" + space.id(Item.MASKED_CONSULTATION),
						null, 404),
				write("the hospital deletes nothing that does not exist", this::token, "DELETE", () -> "/Observation/987654321", null,
						404),
				write("the hospital never deletes a space", this::token, "DELETE", () -> "/" + claire, null, 403),
				// the patient's Consents
				write("the patient writes her Consent", () -> patient, "POST", "/Consent",
						() -> encode(block(claire, claire, space.nurse)), 201),
				write("a parent writes the minor's Consent", () -> parent, "POST", "/Consent",
						() -> encode(block(minor, minor, space.nurse)), 201),
				write("a delegate writes no Consent", () -> delegate, "POST", "/Consent",
						() -> encode(block(claire, claire, space.nurse)), 403),
				write("a hospital writes no Consent", this::token, "POST", "/Consent", () -> encode(block(claire, claire, space.nurse)),
						403),
				write("the patient writes no Consent of another space", () -> patient, "POST", "/Consent",
						() -> encode(block(minor, minor, space.nurse)), 403),
				write("the patient writes no Consent in someone else's name", () -> patient, "POST", "/Consent",
						() -> encode(block(claire, minor, space.nurse)), 403),
				// care relationships
				write("a hospital declares its own care relationship", () -> outsider, "POST", "/CareTeam",
						() -> encode(Fixtures.careTeam(claire, "1690000011")), 201),
				write("a hospital declares no one else's", () -> outsider, "POST", "/CareTeam",
						() -> encode(Fixtures.careTeamOfProfessional(claire, space.nurse.idNat())), 403),
				// what belongs to no space
				write("definitions are Carnet's: no SearchParameter from a hospital", this::token, "POST", "/SearchParameter",
						() -> encode(searchParameter()), 403),
				write("nor from a patient", () -> patient, "POST", "/SearchParameter", () -> encode(searchParameter()), 403),
				write("a message about no one is not stored", this::token, "POST", "/Communication",
						() -> encode(Fixtures.communication("sans destinataire")), 422),
				write("an Observation about no one is not stored", this::token, "POST", "/Observation",
						() -> encode(observation(null)), 422),
				write("a patient's token writes only in her space, not outside any", () -> patient, "POST", "/Observation",
						() -> encode(observation(null)), 403),
				write("AuditEvents are Carnet's", this::token, "POST", "/AuditEvent", () -> encode(Fixtures.auditEvent("forged")), 405));
	}

	/**
	 * A space the writer may not feed answers exactly as a space that does not exist, so that a write does
	 * not tell that it exists, that it is closed or that its patient blocked the writer.
	 */
	@Test
	void aClosedOrBlockingSpaceAnswersAsASpaceThatDoesNotExist() {
		HttpResponse<String> intoAbsent = send(blockedGpSoftware, "POST", "/DocumentReference",
				encode(Fixtures.documentReference(ABSENT_PATIENT)));
		HttpResponse<String> intoBlocking = send(blockedGpSoftware, "POST", "/DocumentReference",
				encode(Fixtures.documentReference(claire)));
		HttpResponse<String> intoClosed = send(token(), "POST", "/Observation", encode(observation(closed)));
		HttpResponse<String> intoNothing = send(token(), "POST", "/Observation", encode(observation(ABSENT_PATIENT)));

		assertThat(intoBlocking.statusCode()).isEqualTo(intoAbsent.statusCode()).isEqualTo(400);
		assertThat(intoBlocking.body().replace(claire, "X")).isEqualTo(intoAbsent.body().replace(ABSENT_PATIENT, "X"));
		assertThat(intoClosed.statusCode()).isEqualTo(intoNothing.statusCode()).isEqualTo(400);
		assertThat(intoClosed.body().replace(closed, "X")).isEqualTo(intoNothing.body().replace(ABSENT_PATIENT, "X"));
	}

	// --- the pieces ---

	private static Write write(String name, Supplier<String> token, String method, String path, Supplier<String> body, int status) {
		return new Write(name, token, method, () -> path, body, status);
	}

	private static Write write(String name, Supplier<String> token, String method, Supplier<String> path, Supplier<String> body,
			int status) {
		return new Write(name, token, method, path, body, status);
	}

	private static Observation observation(String patientReference) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
		if (patientReference != null) {
			observation.setSubject(new Reference(patientReference));
		}
		return observation;
	}

	private static Observation observationWithId(String id, String patientReference) {
		Observation observation = observation(patientReference);
		observation.setId(id);
		return observation;
	}

	private DocumentReference documentWithId(String id) {
		DocumentReference document = Fixtures.documentReference(claire);
		document.getContentFirstRep().getAttachment().setData(null).setUrl(space.id(Item.CONSULTATION_BYTES));
		document.setId(id);
		return document;
	}

	private static Consent block(String patientReference, String performer, TestSpace.Professional blocked) {
		return TestSpace.consent(patientReference, performer, Consent.ConsentProvisionType.DENY,
				TestSpace.professionalReference(blocked), null);
	}

	private static SearchParameter searchParameter() {
		SearchParameter parameter = new SearchParameter();
		parameter.setUrl("https://example.org/SearchParameter/nickname");
		parameter.setName("nickname");
		parameter.setStatus(Enumerations.PublicationStatus.ACTIVE);
		parameter.setCode("nickname");
		parameter.addBase("Patient");
		parameter.setType(Enumerations.SearchParamType.STRING);
		parameter.setExpression("Patient.name.text");
		parameter.setDescription("Every space indexed by a client's choice");
		return parameter;
	}

	/** A resource of the space created by the test hospital, for a row that deletes it; its relative id. */
	private String created(IBaseResource resource) {
		HttpResponse<String> response = send(token(), "POST", "/" + FHIR.getResourceType(resource), encode(resource));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return new IdType(response.headers().firstValue("Location").orElseThrow()).toUnqualifiedVersionless().getValue()
				.replaceFirst("^.*/fhir/", "");
	}

	private HttpResponse<String> send(String token, String method, String path, String body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token);
		if (body != null) {
			request.header("Content-Type", "application/fhir+json");
		}
		return send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
				: HttpRequest.BodyPublishers.ofString(body)).build());
	}

	private static String encode(IBaseResource resource) {
		return FHIR.newJsonParser().encodeResourceToString(resource);
	}
}
