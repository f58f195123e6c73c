package org.carnetsante.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Patient must conform to the Carnet INS patient profile of {@code ig/}, declared or not: a
 * breaking one is refused with 422 and an OperationOutcome that names the failing element.
 */
class PatientProfileValidationTest extends CarnetServerTest {

	static Stream<Arguments> brokenPatients() {
		return Stream.of(
				broken("birth date missing", patient -> patient.setBirthDate(null), "Patient.birthDate"),
				broken("gender missing", patient -> patient.setGender(null), "Patient.gender"),
				broken(
						"no official name",
						patient -> patient.getNameFirstRep().setUse(HumanName.NameUse.USUAL),
						"Patient.name:officialName"),
				broken(
						"official name without first name",
						patient -> patient.getNameFirstRep().setGiven(List.of()),
						"Patient.name:officialName.given"),
				broken(
						"INS matricule not shaped like a NIR",
						patient -> patient.getIdentifierFirstRep().setValue("12345"),
						"carnet-nir-format"),
				broken(
						"no INS matricule",
						patient -> patient.getIdentifierFirstRep().setSystem("urn:oid:1.2.250.1.71.4.2.7"),
						"carnet-ins-unique"),
				broken(
						"two INS matricules",
						patient -> patient.addIdentifier()
								.setType(new CodeableConcept(new Coding(Fixtures.INS_TYPE_SYSTEM, "INS-NIR", null)))
								.setSystem("urn:oid:1.2.250.1.213.1.4.10")
								.setValue(Fixtures.randomNir()),
						"carnet-ins-unique"),
				broken(
						"INS matricule without its type",
						patient -> patient.getIdentifierFirstRep().setType(null),
						"Patient.identifier"));
	}

	private static Arguments broken(String what, Consumer<Patient> breakIt, String namedInOutcome) {
		return Arguments.of(what, breakIt, namedInOutcome);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("brokenPatients")
	void patientBreakingTheProfileIsRefusedWith422NamingTheElement(
			String what, Consumer<Patient> breakIt, String namedInOutcome) {
		Patient patient = Fixtures.insPatient();
		breakIt.accept(patient);
		long before = storedResourceVersions();

		HttpResponse<String> response = post("/Patient", patient);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
		assertThat(errorsOf(response)).as(response.body()).anyMatch(error -> error.contains(namedInOutcome));
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void validInsPatientIsStoredWhetherOrNotItDeclaresTheProfile() {
		Patient undeclared = Fixtures.insPatient();
		Patient declared = Fixtures.insPatient();
		declared.getMeta().addProfile(Fixtures.PATIENT_PROFILE);

		assertThat(post("/Patient", undeclared).statusCode()).isEqualTo(201);
		assertThat(post("/Patient", declared).statusCode()).isEqualTo(201);
	}

	@Test
	void updateThatBreaksTheProfileIsRefusedAndTheStoredVersionStays() {
		String id = patientInOurCare();
		Patient broken = fhirClient().read().resource(Patient.class).withId(id).execute();
		broken.setBirthDate(null);

		HttpResponse<String> response = send(request("/Patient/" + id)
				.header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(broken)))
				.build());

		assertThat(response.statusCode()).isEqualTo(422);
		assertThat(fhirClient().read().resource(Patient.class).withId(id).execute().getMeta().getVersionId())
				.isEqualTo("1");
	}

	@Test
	void fhirPathPatchThatBreaksTheProfileIsRefused() {
		String id = patientInOurCare();
		String removeGender = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
				+ "{\"name\":\"type\",\"valueCode\":\"delete\"},{\"name\":\"path\",\"valueString\":\"Patient.gender\"}]}]}";

		HttpResponse<String> response = send(request("/Patient/" + id)
				.header("Content-Type", "application/fhir+json")
				.method("PATCH", HttpRequest.BodyPublishers.ofString(removeGender))
				.build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
		assertThat(errorsOf(response)).anyMatch(error -> error.contains("Patient.gender"));
		assertThat(fhirClient().read().resource(Patient.class).withId(id).execute().getGender()).isNotNull();
	}

	@Test
	void jsonPatchThatBreaksTheProfileIsRefused() {
		String id = patientInOurCare();

		HttpResponse<String> response = send(request("/Patient/" + id)
				.header("Content-Type", "application/json-patch+json")
				.method("PATCH", HttpRequest.BodyPublishers.ofString("[{\"op\":\"remove\",\"path\":\"/birthDate\"}]"))
				.build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
		assertThat(fhirClient().read().resource(Patient.class).withId(id).execute().getMeta().getVersionId())
				.isEqualTo("1");
	}

	@Test
	void anUpdateThatBreaksTheProfileIsRefusedAndAConditionalUpdateIsNotServed() {
		Patient patient = Fixtures.insPatient();
		String nir = patient.getIdentifierFirstRep().getValue();
		String id = patientInOurCare(patient.copy());
		patient.setBirthDate(null);
		long before = storedResourceVersions();

		patient.setId(id);
		HttpResponse<String> byId = send(request("/Patient/" + id).header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(patient))).build());
		patient.setId((String) null);
		HttpResponse<String> conditional = send(request("/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + nir)
				.header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(patient)))
				.build());

		assertThat(byId.statusCode()).as(byId.body()).isEqualTo(422);
		assertThat(conditional.statusCode()).as(conditional.body()).isEqualTo(400);
		assertThat(conditional.body()).contains("Conditional update is not served");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void batchEntryThatBreaksTheProfileIsRefusedAndNotStored() {
		Patient broken = Fixtures.insPatient();
		broken.setGender(null);
		org.hl7.fhir.r4.model.Bundle batch = new org.hl7.fhir.r4.model.Bundle()
				.setType(org.hl7.fhir.r4.model.Bundle.BundleType.BATCH);
		batch.addEntry().setResource(broken).getRequest()
				.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Patient");
		long before = storedResourceVersions();

		org.hl7.fhir.r4.model.Bundle response = fhirClient().transaction().withBundle(batch).execute();

		assertThat(response.getEntryFirstRep().getResponse().getStatus()).startsWith("422");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void patientsEmbeddedInOtherResourcesMustConformToo() {
		Patient broken = Fixtures.insPatient();
		broken.setBirthDate(null);
		broken.setId("#p1");
		org.hl7.fhir.r4.model.Communication withContained = Fixtures.communication("contained patient");
		withContained.addContained(broken);
		// A message of a space to its patient, about someone it contains.
		String space = "Patient/" + patientInOurCare();
		withContained.setSubject(new org.hl7.fhir.r4.model.Reference(space));
		withContained.addRecipient(new org.hl7.fhir.r4.model.Reference(space));
		withContained.addPayload().setContent(new org.hl7.fhir.r4.model.Reference("#p1"));
		org.hl7.fhir.r4.model.Bundle collection = new org.hl7.fhir.r4.model.Bundle()
				.setType(org.hl7.fhir.r4.model.Bundle.BundleType.COLLECTION);
		collection.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(broken.copy().setId((String) null));
		long before = storedResourceVersions();

		HttpResponse<String> contained = post("/Communication", withContained);
		HttpResponse<String> bundled = post("/Bundle", collection);

		assertThat(contained.statusCode()).as(contained.body()).isEqualTo(422);
		assertThat(errorsOf(contained)).anyMatch(error -> error.contains("Patient.birthDate"));
		// Bundles are not stored as resources here (Bundle is not a served type): one answer, nothing stored.
		assertThat(bundled.statusCode()).as(bundled.body()).isEqualTo(404);
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void validateOperationInParametersFormReportsRequiredProfileErrors() {
		Patient patient = Fixtures.insPatient();
		patient.setGender(null);
		org.hl7.fhir.r4.model.Parameters parameters = new org.hl7.fhir.r4.model.Parameters();
		parameters.addParameter().setName("resource").setResource(patient);

		HttpResponse<String> response = post("/Patient/$validate", parameters);

		// The operation itself succeeds (200); its outcome carries the errors.
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(errorsOf(response)).anyMatch(error -> error.contains("Patient.gender"));
	}

	@Test
	void validateOperationReportsRequiredProfileErrorsWithoutStoringAnything() {
		Patient patient = Fixtures.insPatient();
		patient.getIdentifierFirstRep().setValue("not-a-nir");
		long before = storedResourceVersions();

		HttpResponse<String> response = post("/Patient/$validate", patient);

		// The operation itself succeeds (200); its outcome carries the errors.
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(errorsOf(response)).as(response.body()).anyMatch(error -> error.contains("carnet-nir-format"));
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void validateOperationAcceptsAConformingPatientAgainstTheNamedProfile() {
		HttpResponse<String> response = post(
				"/Patient/$validate?profile=" + Fixtures.PATIENT_PROFILE, Fixtures.insPatient());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(errorsOf(response)).isEmpty();
	}

	private HttpResponse<String> post(String path, org.hl7.fhir.instance.model.api.IBaseResource resource) {
		return send(request(path)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(resource)))
				.build());
	}

	/** Each error issue as "diagnostics @ expressions", so a test can look for the element it names. */
	private static List<String> errorsOf(HttpResponse<String> response) {
		OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
		return outcome.getIssue().stream()
				.filter(issue -> issue.getSeverity() == OperationOutcome.IssueSeverity.ERROR
						|| issue.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
				.map(issue -> issue.getDiagnostics() + " @ "
						+ issue.getExpression().stream().map(StringType::getValue).toList())
				.toList();
	}
}
