package org.carnetsante.space;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.CarnetClients;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.Await;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.ProvideBundle;
import org.carnetsante.support.RegistryFiles;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The lifecycle of a space end to end (docs/space.md), over HTTP with real tokens: the information
 * notice (a real e-mail with its code), six weeks without an answer, an opposition, wrong codes, the
 * patient closing and reopening, a minor's legal representatives until the 18th birthday. Time is the
 * opening job's argument, never slept.
 */
class SpaceLifecycleTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final Pattern CODE = Pattern.compile("code d'activation : ([A-Z0-9]{10})");
	private static final int DEPARTMENT = 44;
	private static final AtomicInteger SERIALS = new AtomicInteger(new java.util.Random().nextInt(400_000));
	private static TestBackendClient portal;

	@Autowired
	Provisioning provisioning;

	@Autowired
	SpaceLifecycle lifecycle;

	@Autowired
	UserAccounts accounts;

	@TempDir
	Path files;

	/** A person of the registry, provisioned with an e-mail address. */
	record Person(String nir, LocalDate birth, String email) {
		String ins() {
			return RegistryFiles.TEST_INS_SYSTEM + "|" + nir;
		}
	}

	@Test
	void withoutAnAnswerForSixWeeksTheSpaceOpensOnceAndThePersonIsTold() throws Exception {
		Person person = provisioned(LocalDate.of(1970, 3, 12), null);
		String notice = body(mailTo(person.email(), "va être créé"));
		assertThat(notice).containsPattern(CODE).contains("Sans opposition de votre part avant le");
		assertThat(spacesWithIns(person)).isZero();

		lifecycle.openDue(Instant.now().plus(Duration.ofDays(41)), 1000);
		assertThat(stateOf(person)).isEqualTo("NOTIFIED");

		lifecycle.openDue(Instant.now().plus(Duration.ofDays(43)), 1000);
		assertThat(stateOf(person)).isEqualTo("OPEN");
		String patientId = patientOf(person);
		takeIntoOurCare(patientId);
		Patient space = fhirClient().read().resource(Patient.class).withId(patientId).execute();
		assertThat(space.getActive()).isTrue();
		assertThat(space.getIdentifierFirstRep().getValue()).isEqualTo(person.nir());
		assertThat(space.getNameFirstRep().getFamily()).isEqualTo("Lifecycle");
		assertThat(accessLog(patientId, "opposition period ended")).isEqualTo(1);
		assertThat(body(mailTo(person.email(), "est ouvert"))).contains("Vous pouvez le fermer");

		// Another pass, another node: nothing opens twice.
		lifecycle.openDue(Instant.now().plus(Duration.ofDays(50)), 1000);
		assertThat(spacesWithIns(person)).isEqualTo(1);
	}

	@Test
	void afterAnOppositionNoSpaceExistsAndNoDocumentIsAccepted() throws Exception {
		Person person = provisioned(LocalDate.of(1982, 7, 4), null);
		String code = codeOf(person);
		HttpResponse<String> opposed = byCode("$oppose", person, code, person.birth());
		assertThat(opposed.statusCode()).as(opposed.body()).isEqualTo(200);
		assertThat(opposed.body()).contains("opposed");
		assertThat(stateOf(person)).isEqualTo("OPPOSED");
		assertThat(body(mailTo(person.email(), "opposition est enregistrée"))).contains("Aucun document");

		long before = storedResourceVersions();
		// A professional cannot open the space instead…
		Patient patient = Fixtures.insPatient(person.nir(), "Lifecycle", "Opposed");
		patient.getIdentifierFirstRep().setSystem(RegistryFiles.TEST_INS_SYSTEM);
		HttpResponse<String> created = send(request("/Patient").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(patient))).build());
		// (the answer of an INS in use: whether a notice runs or the person opposed is not told)
		assertThat(created.statusCode()).isEqualTo(409);
		assertThat(created.body()).contains("already identifies a space");
		// …nor push a document addressed by the INS…
		String byIns = "Patient?identifier=" + RegistryFiles.TEST_INS_SYSTEM + "|" + person.nir();
		Bundle push = ProvideBundle.of(byIns, List.of(Fixtures.documentReference(byIns)));
		HttpResponse<String> pushed = send(request("").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(push))).build());
		assertThat(pushed.statusCode()).isBetween(400, 499);
		assertThat(pushed.body()).contains("OperationOutcome");
		// …nor open it in the push itself.
		Bundle withPatient = ProvideBundle.of("urn:uuid:" + UUID.randomUUID(), List.of());
		String placeholder = withPatient.getEntryFirstRep().getResource() instanceof org.hl7.fhir.r4.model.ListResource list
				? list.getSubject().getReference() : null;
		withPatient.addEntry().setFullUrl(placeholder).setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		withPatient.addEntry().setResource(Fixtures.documentReference(placeholder)).setFullUrl("urn:uuid:" + UUID.randomUUID())
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		HttpResponse<String> pushedWithPatient = send(request("").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(withPatient))).build());
		assertThat(pushedWithPatient.statusCode()).isBetween(400, 499);
		assertThat(storedResourceVersions()).isEqualTo(before);

		// Six weeks on, the opposition holds; the code no longer does anything.
		lifecycle.openDue(Instant.now().plus(Duration.ofDays(43)), 1000);
		assertThat(stateOf(person)).isEqualTo("OPPOSED");
		assertThat(spacesWithIns(person)).isZero();
		assertThat(byCode("$oppose", person, code, person.birth()).statusCode()).isEqualTo(422);
	}

	@Test
	void wrongCodesAreRefusedLikeAnUnknownInsAndLockTheCodesAfterFiveAttempts() throws Exception {
		Person person = provisioned(LocalDate.of(1990, 11, 30), null);
		String code = codeOf(person);
		Person unknown = new Person(RegistryFiles.nir(true, person.birth(), DEPARTMENT, 999_990), person.birth(), null);
		String refusal = diagnostics(byCode("$activate", unknown, code, person.birth()));
		for (int attempt = 0; attempt < 5; attempt++) {
			HttpResponse<String> wrong = byCode("$activate", person, "WRONGCODE" + attempt, person.birth());
			assertThat(wrong.statusCode()).isEqualTo(422);
			assertThat(diagnostics(wrong)).isEqualTo(refusal);
		}
		// Locked: even the right code gets the same answer, as does a wrong birth date.
		assertThat(diagnostics(byCode("$activate", person, code, person.birth()))).isEqualTo(refusal);
		assertThat(diagnostics(byCode("$activate", person, code, person.birth().plusDays(1)))).isEqualTo(refusal);
		assertThat(stateOf(person)).isEqualTo("NOTIFIED");
		// Only the portal's client carries a code.
		HttpResponse<String> notThePortal = send(request("/$activate").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(parameters(person, code, person.birth()))).build());
		assertThat(notThePortal.statusCode()).isEqualTo(403);

		// The lockout's hour passes (the one state the test moves by hand: the server's clock is not the test's).
		jdbc.update("UPDATE carnet_space_registry SET codes_locked_until = ? WHERE ins = ?",
				java.sql.Timestamp.from(Instant.now().minusSeconds(1)), person.ins());
		HttpResponse<String> activated = byCode("$activate", person, code, person.birth());
		assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
		String patientId = JSON.readTree(activated.body()).path("parameter").get(1).path("valueReference").path("reference").asText()
				.replace("Patient/", "");
		assertThat(patientId).isEqualTo(patientOf(person));
		assertThat(accessLog(patientId, "activated by the person")).isEqualTo(1);
		// Once open, the code is spent.
		assertThat(diagnostics(byCode("$activate", person, code, person.birth()))).isEqualTo(refusal);
	}

	@Test
	void thePatientClosesTheirSpaceProfessionalsLoseItAndReopeningGivesItBack() throws Exception {
		Person person = provisioned(LocalDate.of(1975, 1, 20), null);
		String patientId = activated(person);
		takeIntoOurCare(patientId);
		String patientToken = patientToken(patientId, null);

		assertThat(operation(patientToken, patientId, "$space-state").body()).contains("\"open\"");
		// A professional in the care team may read the space, not close it.
		assertThat(send(request("/Patient/" + patientId + "/$close").POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode())
				.isEqualTo(403);

		HttpResponse<String> closed = operation(patientToken, patientId, "$close");
		assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
		JsonNode state = JSON.readTree(closed.body());
		assertThat(state.path("parameter").get(0).path("valueCode").asText()).isEqualTo("closed");
		assertThat(Instant.parse(state.path("parameter").get(2).path("valueInstant").asText()))
				.isAfter(Instant.now().plus(Duration.ofDays(3650)));
		assertThat(body(mailTo(person.email(), "est fermé"))).contains("rouvrir");
		assertThat(send(request("/Patient/" + patientId).GET().build()).statusCode()).isEqualTo(404);
		String byId = "Patient/" + patientId;
		HttpResponse<String> pushed = send(request("").header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers
				.ofString(FHIR.newJsonParser().encodeResourceToString(ProvideBundle.of(byId, List.of(Fixtures.documentReference(byId))))))
				.build());
		assertThat(pushed.statusCode()).isBetween(400, 499);
		// The patient still reaches their closed space, to reopen it.
		HttpResponse<String> own = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + patientId))
				.header("Authorization", "Bearer " + patientToken).GET().build());
		assertThat(own.statusCode()).isEqualTo(200);
		assertThat(own.body()).contains("\"active\":false");
		assertThat(operation(patientToken, patientId, "$close").statusCode()).isEqualTo(422);

		HttpResponse<String> reopened = operation(patientToken, patientId, "$reopen");
		assertThat(reopened.statusCode()).as(reopened.body()).isEqualTo(200);
		assertThat(reopened.body()).contains("\"open\"");
		assertThat(fhirClient().read().resource(Patient.class).withId(patientId).execute().getActive()).isTrue();
		assertThat(body(mailTo(person.email(), "est rouvert"))).isNotEmpty();
		assertThat(operation(patientToken, patientId, "$reopen").statusCode()).isEqualTo(422);
	}

	@Test
	void closingWithDeletionRemovesTheRowsAndBytesAndLeavesOnlyTheTrace() throws Exception {
		Person person = provisioned(LocalDate.of(1968, 9, 9), null);
		String patientId = activated(person);
		takeIntoOurCare(patientId);
		String byId = "Patient/" + patientId;
		// A document large enough for its bytes to leave the resource row for the binary storage.
		byte[] bytes = new byte[200 * 1024];
		new java.util.Random(7).nextBytes(bytes);
		HttpResponse<String> pushed = send(request("").header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers
				.ofString(FHIR.newJsonParser().encodeResourceToString(ProvideBundle.of(byId, List.of(Fixtures.documentReference(byId, bytes))))))
				.build());
		assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
		List<String> stored = jdbc.queryForList("SELECT DISTINCT source.res_type || '/' || source.fhir_id FROM hfj_res_link link"
				+ " JOIN hfj_resource source ON source.res_id = link.src_resource_id JOIN hfj_resource target"
				+ " ON target.res_id = link.target_resource_id WHERE target.res_type = 'Patient' AND target.fhir_id = ?", String.class, patientId);
		assertThat(stored).anyMatch(id -> id.startsWith("DocumentReference/")).anyMatch(id -> id.startsWith("CareTeam/"));
		long blobsBefore = jdbc.queryForObject("SELECT COUNT(*) FROM hfj_binary_storage_blob", Long.class);
		long auditBefore = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE patient_id = ?", Long.class, patientId);

		String patientToken = patientToken(patientId, null);
		HttpResponse<String> closed = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + patientId + "/$close"))
				.header("Authorization", "Bearer " + patientToken).header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"delete-content\","
						+ "\"valueBoolean\":true}]}")).build());
		assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);

		// Rows and bytes gone, every version of every resource of the space but its Patient.
		for (String id : stored) {
			String[] parts = id.split("/");
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM hfj_resource WHERE res_type = ? AND fhir_id = ?", Integer.class,
					parts[0], parts[1])).as(id).isZero();
		}
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM hfj_binary_storage_blob", Long.class)).isLessThan(blobsBefore);
		// The trace: the Patient (closed), the registry's row, the access log, with the deletion in it.
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = ?", Integer.class,
				patientId)).isEqualTo(1);
		assertThat(stateOf(person)).isEqualTo("CLOSED");
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE patient_id = ?", Long.class, patientId))
				.isGreaterThan(auditBefore);
		assertThat(accessLog(patientId, "content deleted at the person's request")).isEqualTo(1);

		// Reopened, the space is empty.
		assertThat(operation(patientToken, patientId, "$reopen").statusCode()).isEqualTo(200);
		HttpResponse<String> documents = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/DocumentReference?patient=" + patientId
				+ "&status=current")).header("Authorization", "Bearer " + patientToken).GET().build());
		assertThat(documents.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(documents.body()).path("total").asInt()).isZero();
	}

	@Test
	void aMinorsLegalRepresentativesReachTheSpaceUntilTheEighteenthBirthday() throws Exception {
		LocalDate today = LocalDate.now(ZoneId.of("Europe/Paris"));
		Person parent = provisioned(LocalDate.of(1980, 6, 1), null);
		LocalDate birth = today.minusYears(18).plusDays(1); // 18 tomorrow
		Person child = provisioned(birth, parent.nir());
		String parentSpace = activated(parent);
		String parentUser = "parent-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(parentUser, CarnetCaller.Kind.PATIENT, "Parent", "Patient/" + parentSpace, null, null,
				null, null, null), TestSpace.PASSWORD);
		accounts.allowSpace(parentUser, parentSpace, UserAccounts.Relationship.SELF);
		String childSpace = activated(child);

		// The registry named the parent: their account reaches the child's space, until the 18th birthday.
		assertThat(accounts.spacesOf(parentUser)).contains(childSpace);
		assertThat(jdbc.queryForObject("SELECT valid_until FROM carnet_user_patient WHERE username = ? AND patient_id = ?",
				java.sql.Date.class, parentUser, childSpace).toLocalDate()).isEqualTo(birth.plusYears(18));
		String parentToken = patientToken(childSpace, parentUser);
		HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + childSpace))
				.header("Authorization", "Bearer " + parentToken).GET().build());
		assertThat(read.statusCode()).isEqualTo(200);

		// The birthday comes (the registry's birth date, corrected by a day, stands for the day passing: the
		// rule reads the birth date at every request). The parent's token already issued stops at once.
		takeIntoOurCare(childSpace);
		Patient patient = fhirClient().read().resource(Patient.class).withId(childSpace).execute();
		patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(today.minusYears(18).toString()));
		fhirClient().update().resource(patient).execute();
		HttpResponse<String> after = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + childSpace))
				.header("Authorization", "Bearer " + parentToken).GET().build());
		assertThat(after.statusCode()).isEqualTo(404);
		// The young adult is told once, by the daily pass.
		assertThat(lifecycle.tellComingOfAge(birth.plusYears(18))).isGreaterThanOrEqualTo(1);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_notification WHERE patient_id = ? AND kind = 'SPACE_COMING_OF_AGE'",
				Integer.class, childSpace)).isEqualTo(1);
	}

	// ---- helpers

	private Person provisioned(LocalDate birth, String representative) throws Exception {
		int serial = SERIALS.incrementAndGet();
		boolean male = serial % 2 == 0;
		Person person = new Person(RegistryFiles.nir(male, birth, DEPARTMENT, serial), birth, "space-" + UUID.randomUUID() + "@example.org");
		Path file = files.resolve("registry-" + serial + ".ndjson");
		Files.writeString(file, RegistryFiles.line(person.nir(), "Lifecycle", "Person", birth, male, person.email(), representative) + "\n");
		ProvisioningRuns.Run run = provisioning.run(file, RegistryReader.Format.NDJSON, (progress, total) -> {
		});
		assertThat(run.created()).as("refused: %s", provisioning.runs().rejections(run.key(), 1)).isEqualTo(1);
		return person;
	}

	private String activated(Person person) throws Exception {
		HttpResponse<String> activated = byCode("$activate", person, codeOf(person), person.birth());
		assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
		return patientOf(person);
	}

	private static String codeOf(Person person) throws Exception {
		Matcher code = CODE.matcher(body(mailTo(person.email(), "va être créé")));
		assertThat(code.find()).isTrue();
		return code.group(1);
	}

	private static MimeMessage mailTo(String address, String subject) {
		Await.until("an e-mail to " + address + " about \"" + subject + "\"", Duration.ofSeconds(30),
				() -> TestMailServer.messagesTo(address).stream().anyMatch(mail -> subjectOf(mail).contains(subject)));
		return TestMailServer.messagesTo(address).stream().filter(mail -> subjectOf(mail).contains(subject)).findFirst().orElseThrow();
	}

	private static String subjectOf(MimeMessage mail) {
		try {
			return mail.getSubject();
		} catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static String body(MimeMessage mail) throws Exception {
		return mail.getContent().toString();
	}

	private HttpResponse<String> byCode(String operation, Person person, String code, LocalDate birth) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + operation)).header("Authorization", "Bearer " + portalToken())
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(parameters(person, code, birth)))
				.build());
	}

	private static String parameters(Person person, String code, LocalDate birth) {
		return "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"ins\",\"valueIdentifier\":{\"system\":\""
				+ RegistryFiles.TEST_INS_SYSTEM + "\",\"value\":\"" + person.nir() + "\"}},{\"name\":\"activation-code\",\"valueString\":\""
				+ code + "\"},{\"name\":\"birthdate\",\"valueDate\":\"" + birth + "\"}]}";
	}

	private static String diagnostics(HttpResponse<String> response) throws Exception {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
		return JSON.readTree(response.body()).path("issue").get(0).path("diagnostics").asText();
	}

	private HttpResponse<String> operation(String token, String patientId, String operation) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + patientId + "/" + operation))
				.header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build());
	}

	/** A patient app's token for this space: the space's own account (new), or the given account's. */
	private String patientToken(String patientId, String username) {
		String app = "patient-app-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), TestSpace.PATIENT_SCOPES,
				null, null);
		String user = username;
		if (user == null) {
			user = "holder-" + UUID.randomUUID();
			accounts.create(new UserAccounts.Account(user, CarnetCaller.Kind.PATIENT, "Holder", "Patient/" + patientId, null, null, null,
					null, null), TestSpace.PASSWORD);
			accounts.allowSpace(user, patientId, UserAccounts.Relationship.SELF);
		}
		return new SmartLaunch(baseUrl()).tokens(app, TestSpace.PATIENT_SCOPES, user, TestSpace.PASSWORD, patientId, Map.of())
				.get("access_token").asText();
	}

	private String stateOf(Person person) {
		return jdbc.queryForObject("SELECT state FROM carnet_space_registry WHERE ins = ?", String.class, person.ins());
	}

	private String patientOf(Person person) {
		return jdbc.queryForObject("SELECT patient_id FROM carnet_space_ins WHERE ins = ?", String.class, person.ins());
	}

	private int spacesWithIns(Person person) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_space_ins WHERE ins = ?", Integer.class, person.ins());
	}

	private int accessLog(String patientId, String what) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE patient_id = ? AND record LIKE ?", Integer.class,
				patientId, "%" + what + "%");
	}

	private synchronized String portalToken() {
		if (portal == null) {
			portal = TestBackendClient.registerRsaAs(clients, baseUrl(), List.of("system/Patient.u"), TEST_PORTAL_CLIENT, null, null);
		}
		return portal.accessToken("system/Patient.u");
	}
}
