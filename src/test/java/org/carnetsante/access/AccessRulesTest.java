package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The patient's control, rule by rule (design.md §3): Consents written only by the patient and in
 * Carnet's model, taking effect at once; emergency settings; a closed space; what professionals and
 * systems may not ask; who may write what; the space rules kept in the writing transaction.
 */
class AccessRulesTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Autowired
	UserAccounts accounts;

	@Autowired
	SpaceRulesStore spaceRules;

	@Autowired
	org.springframework.transaction.PlatformTransactionManager transactionManager;

	private TestSpace space;
	private String patient;

	@BeforeEach
	void aSpace() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		patient = space.id(Item.PATIENT);
	}

	@Test
	void aBlockTakesEffectAtOnceAndItsRevocationRestoresAccess() {
		String gp = space.professionalToken(space.gp);
		String consultation = "/" + space.id(Item.CONSULTATION);
		assertThat(get(gp, consultation).statusCode()).isEqualTo(200);

		HttpResponse<String> blocked = post(space.patientToken(), "/Consent", encode(
				TestSpace.consent(patient, patient, Consent.ConsentProvisionType.DENY, TestSpace.professionalReference(space.gp), null)));
		assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(201);
		assertThat(get(gp, consultation).statusCode()).as("blocked at once").isEqualTo(404);
		assertThat(documents(gp)).isEmpty();
		// With software that may send documents (user/*.rs alone would be refused by its scopes): the space
		// that blocks him answers as a space that does not exist.
		HttpResponse<String> fed = post(space.professionalWriteToken(space.gp), "/DocumentReference",
				encode(Fixtures.documentReference(patient)));
		assertThat(fed.statusCode()).as("a blocked professional does not feed the space either: %s", fed.body()).isEqualTo(400);
		assertThat(fed.body()).contains(patient + ", which is not known");

		String consentId = blocked.headers().firstValue("Location").orElseThrow().replaceAll(".*/(Consent/[^/]+)/_history/.*", "$1");
		assertThat(delete(space.patientToken(), "/" + consentId).statusCode()).isEqualTo(200);
		assertThat(get(gp, consultation).statusCode()).as("the block revoked").isEqualTo(200);
	}

	@Test
	void onlyThePatientOrTheirRepresentativeWritesConsentsAndProfessionalsNeverReadThem() {
		String gp = space.professionalToken(space.gp);
		Consent block = TestSpace.consent(patient, patient, Consent.ConsentProvisionType.DENY,
				TestSpace.professionalReference(space.nurse), null);
		long before = storedResourceVersions();

		assertThat(post(fhirToken(), "/Consent", encode(block)).statusCode()).as("a hospital system").isEqualTo(403);
		assertThat(post(space.delegateToken(), "/Consent", encode(block)).statusCode()).as("a delegate").isEqualTo(403);
		Consent forSomeoneElse = TestSpace.consent(space.id(Item.MINOR), space.id(Item.MINOR), Consent.ConsentProvisionType.DENY,
				TestSpace.professionalReference(space.nurse), null);
		assertThat(post(space.patientToken(), "/Consent", encode(forSomeoneElse)).statusCode()).as("another space")
				.isEqualTo(403);
		Consent notHerOwn = TestSpace.consent(patient, "Patient/" + space.id(Item.MINOR).split("/")[1],
				Consent.ConsentProvisionType.DENY, TestSpace.professionalReference(space.nurse), null);
		assertThat(post(space.patientToken(), "/Consent", encode(notHerOwn)).statusCode()).as("someone else as performer")
				.isEqualTo(403);
		assertThat(storedResourceVersions()).isEqualTo(before);
		assertThat(get(gp, "/Consent?patient=" + patient).statusCode()).isEqualTo(403);
		assertThat(get(gp, "/" + space.blockConsent).statusCode()).isEqualTo(403);
		assertThat(get(space.delegateToken(), "/" + space.blockConsent).statusCode()).isEqualTo(403);
		assertThat(get(space.patientToken(), "/" + space.blockConsent).statusCode()).isEqualTo(200);
		assertThat(get(space.parentToken(), "/Consent?patient=" + space.id(Item.MINOR)).statusCode())
				.as("a parent reads the consents of the minor's space").isEqualTo(200);
	}

	@Test
	void aConsentOutsideCarnetsModelIsRefusedWith422NamingTheRuleAndStoresNothing() {
		Consent twoLevels = TestSpace.consent(patient, patient, Consent.ConsentProvisionType.PERMIT,
				TestSpace.professionalReference(space.nurse), "TREAT");
		twoLevels.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY)
				.addProvision().setType(Consent.ConsentProvisionType.PERMIT);
		Consent emergencyForOne = TestSpace.consent(patient, patient, Consent.ConsentProvisionType.DENY,
				TestSpace.professionalReference(space.nurse), "BTG");
		long before = storedResourceVersions();

		HttpResponse<String> deep = post(space.patientToken(), "/Consent", encode(twoLevels));
		HttpResponse<String> emergency = post(space.patientToken(), "/Consent", encode(emergencyForOne));

		assertThat(deep.statusCode()).isEqualTo(422);
		assertThat(deep.body()).contains("carnet-consent-depth").contains("OperationOutcome");
		assertThat(emergency.statusCode()).isEqualTo(422);
		assertThat(emergency.body()).contains("carnet-consent-emergency");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void emergencySettingsDecideWhatTheGlassBreaksOpen() {
		String btg = space.emergencyToken(space.emergencyDoctor, "BTG");
		String samu = space.emergencyToken(space.samuDoctor, "ETREAT");
		String masked = "/" + space.id(Item.MASKED_CONSULTATION);
		assertThat(get(btg, "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(200);
		assertThat(get(btg, masked).statusCode()).as("masked: hidden in an emergency by default").isEqualTo(404);

		Consent showMasked = TestSpace.consent(patient, patient, Consent.ConsentProvisionType.PERMIT, null, "BTG");
		showMasked.getProvision().addSecurityLabel(new org.hl7.fhir.r4.model.Coding(TestSpace.LABELS, "MASQUE_PS", null));
		assertThat(post(space.patientToken(), "/Consent", encode(showMasked)).statusCode()).isEqualTo(201);
		assertThat(get(btg, masked).statusCode()).as("the patient allowed masked documents in an emergency").isEqualTo(200);

		assertThat(post(space.patientToken(), "/Consent",
				encode(TestSpace.consent(patient, patient, Consent.ConsentProvisionType.DENY, null, "BTG"))).statusCode())
				.isEqualTo(201);
		assertThat(get(btg, "/" + space.id(Item.CONSULTATION)).statusCode()).as("break-the-glass refused").isEqualTo(404);
		assertThat(get(samu, "/" + space.id(Item.CONSULTATION)).statusCode()).as("the centre 15 still may").isEqualTo(200);
	}

	@Test
	void anEmergencyAccessIsRecordedBeforeTheDataIsReturned() {
		String btg = space.emergencyToken(space.emergencyDoctor, "BTG");
		String requestId = "btg-" + UUID.randomUUID().toString().replace("-", "");

		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + space.id(Item.CONSULTATION)))
				.header("Authorization", "Bearer " + btg).header("X-Request-ID", requestId).GET().build());

		assertThat(response.statusCode()).isEqualTo(200);
		// No waiting: the event was written before the response left.
		String event = jdbc.queryForObject("SELECT record FROM carnet_audit_event WHERE record LIKE ? AND access_mode = ?",
				String.class, "%" + requestId + "%", "bris_de_glace");
		assertThat(event).contains("\"BTG\"").contains(space.id(Item.CONSULTATION))
				.contains("\"patient\":\"" + patient.substring("Patient/".length()) + "\"").contains(space.emergencyDoctor.idNat());
	}

	@Test
	void aClosedSpaceIsClosedToProfessionalsAndSystems() {
		String gp = space.professionalToken(space.gp);
		org.hl7.fhir.r4.model.Patient closing = fhirClient().read().resource(org.hl7.fhir.r4.model.Patient.class)
				.withId(patient).execute();
		closing.setActive(false);
		fhirClient().update().resource(closing).execute();

		assertThat(get(gp, "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(404);
		assertThat(get(space.emergencyToken(space.samuDoctor, "ETREAT"), "/" + space.id(Item.CONSULTATION)).statusCode())
				.isEqualTo(404);
		HttpResponse<String> intoTheClosedSpace = post(fhirToken(), "/DocumentReference", encode(Fixtures.documentReference(patient)));
		HttpResponse<String> intoNoSpace = post(fhirToken(), "/DocumentReference", encode(Fixtures.documentReference("Patient/987650002")));
		assertThat(intoTheClosedSpace.statusCode()).as("a closed space takes no document, answered as for no space at all")
				.isEqualTo(intoNoSpace.statusCode()).isEqualTo(400);
		assertThat(intoTheClosedSpace.body().replace(patient, "X")).isEqualTo(intoNoSpace.body().replace("Patient/987650002", "X"));
		assertThat(get(space.patientToken(), "/" + space.id(Item.CONSULTATION)).statusCode()).as("its patient still reads it")
				.isEqualTo(200);
	}

	@Test
	void professionalsAndSystemsSearchOneSpaceAtATimeWithoutReachingThroughHiddenResources() {
		String gp = space.professionalToken(space.gp);

		HttpResponse<String> everySpace = get(gp, "/DocumentReference?status=current");
		assertThat(everySpace.statusCode()).isEqualTo(400);
		assertThat(everySpace.body()).contains("must name the patient's space").contains("patient");
		assertThat(get(gp, "/DocumentReference?status=current&patient=" + patient + "&relatesto.type=11488-4").statusCode())
				.as("a chain through other documents").isEqualTo(400);
		HttpResponse<String> acrossTypes = get(gp, "/?_type=DocumentReference");
		assertThat(acrossTypes.statusCode()).as("a search across types names no space: %s", acrossTypes.body()).isEqualTo(400);
		assertThat(get(gp, "/Patient/$everything").statusCode()).as("$everything of every patient").isEqualTo(400);
		assertThat(get(gp, "/Practitioner").statusCode()).as("directories need no patient").isEqualTo(200);
	}

	@Test
	void aConditionalCreateOfPatientDataIsRefusedWhateverItWouldMatch() {
		String outsider = TestBackendClient.registerRsa(clients, baseUrl(), java.util.List.of("system/*.cruds"), "1690000000",
				"SA01").accessToken("system/*.cruds");
		org.hl7.fhir.r4.model.DocumentReference again = fhirClient().read()
				.resource(org.hl7.fhir.r4.model.DocumentReference.class).withId(space.id(Item.CONSULTATION)).execute();
		String identifier = again.getIdentifierFirstRep().getSystem() + "|" + again.getIdentifierFirstRep().getValue();

		HttpResponse<String> matched = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/DocumentReference"))
				.header("Authorization", "Bearer " + outsider)
				.header("Content-Type", "application/fhir+json")
				.header("If-None-Exist", "identifier=" + identifier)
				.header("Prefer", "return=representation")
				.POST(HttpRequest.BodyPublishers.ofString(encode(again.setId((String) null)))).build());

		HttpResponse<String> matchesNothing = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/DocumentReference"))
				.header("Authorization", "Bearer " + outsider)
				.header("Content-Type", "application/fhir+json")
				.header("If-None-Exist", "identifier=" + Fixtures.TEST_IDENTIFIER_SYSTEM + "|" + UUID.randomUUID())
				.POST(HttpRequest.BodyPublishers.ofString(encode(again.setId((String) null)))).build());

		// Answering with the id it matched would tell the outsider that a document it may not read exists.
		assertThat(matched.statusCode()).as(matched.body()).isEqualTo(matchesNothing.statusCode()).isEqualTo(400);
		assertThat(matched.body()).isEqualTo(matchesNothing.body()).doesNotContain(space.id(Item.CONSULTATION));
	}

	@Test
	void aSystemWithoutARegisteredCareOrganizationGetsNothing() {
		String anonymous = space.systemToken(null, null);
		String mutuelle = space.systemToken("3400000000", "SA23");

		assertThat(get(anonymous, "/" + patient).statusCode()).isEqualTo(403);
		assertThat(get(anonymous, "/Practitioner").statusCode()).isEqualTo(403);
		assertThat(get(mutuelle, "/DocumentReference?status=current&patient=" + patient).statusCode()).isEqualTo(403);
		assertThat(get(mutuelle, "/" + patient).body()).contains("SA23").doesNotContain("Martin");
	}

	@Test
	void writesFollowThePolicyToo() {
		String pharmacist = space.professionalToken(space.pharmacist);
		String stranger = space.professionalToken(space.emergencyDoctor);
		HttpResponse<String> seenByItsAuthor = get(space.professionalToken(space.psychiatrist), "/" + space.id(Item.MASKED_CONSULTATION));
		org.hl7.fhir.r4.model.DocumentReference masked = FHIR.newJsonParser()
				.parseResource(org.hl7.fhir.r4.model.DocumentReference.class, seenByItsAuthor.body());
		masked.setDescription("changed by someone who may not see it");
		org.hl7.fhir.r4.model.CareTeam someoneElse = Fixtures.careTeamOfProfessional(patient, space.nurse.idNat());

		assertThat(send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + space.id(Item.MASKED_CONSULTATION)))
				.header("Authorization", "Bearer " + fhirToken()).header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(encode(masked))).build()).statusCode())
				.as("a document masked from the hospital is, to it, a document that does not exist").isEqualTo(404);
		assertThat(post(pharmacist, "/CareTeam", encode(someoneElse)).statusCode()).as("user/*.rs writes nothing")
				.isEqualTo(403);
		String writer = systemWriter();
		assertThat(post(writer, "/CareTeam", encode(someoneElse)).statusCode())
				.as("an organization declares only its own care relationship").isEqualTo(403);
		assertThat(post(writer, "/CareTeam", encode(Fixtures.careTeam(patient, "1690000000")))
				.statusCode()).isEqualTo(201);
		assertThat(get(stranger, "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(404);
		assertThat(post(space.delegateToken(), "/Observation", encode(new org.hl7.fhir.r4.model.Observation()
				.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL)
				.setCode(new org.hl7.fhir.r4.model.CodeableConcept(new org.hl7.fhir.r4.model.Coding("http://loinc.org", "8867-4", null)))
				.setSubject(new Reference(patient)))).statusCode()).as("a delegation reads only").isEqualTo(403);
		assertThat(delete(fhirToken(), "/" + patient).statusCode()).as("a space is not deleted by a hospital").isEqualTo(403);
	}

	/**
	 * The rules a resource states are written on HAPI's pre-commit pointcut with plain JDBC: that JDBC
	 * must be the database transaction of the resource, so that a rolled-back write leaves no rule.
	 */
	@Test
	void theSpaceRulesJoinTheTransactionThatWritesTheirResource() {
		String source = "CareTeam/rollback-" + UUID.randomUUID();
		SpaceRuleSources.Derived derived = new SpaceRuleSources.Derived(source, "rollback-space", false, java.util.List.of(
				new AccessRule(AccessRule.Origin.CARE_TEAM, AccessRule.Effect.PERMIT, java.util.Set.of("org:1"), null, null,
						null, null, null)));
		var transactions = new org.springframework.transaction.support.TransactionTemplate(transactionManager);

		transactions.executeWithoutResult(status -> {
			spaceRules.replace(derived);
			status.setRollbackOnly();
		});
		long afterRollback = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_space_rule WHERE source = ?", Long.class, source);
		transactions.executeWithoutResult(status -> spaceRules.replace(derived));
		long afterCommit = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_space_rule WHERE source = ?", Long.class, source);

		assertThat(afterRollback).isZero();
		assertThat(afterCommit).isEqualTo(1);
	}

	private String systemWriter() {
		return TestBackendClient.registerRsa(clients, baseUrl(), java.util.List.of("system/*.cruds"), "1690000000", "SA01")
				.accessToken("system/*.cruds");
	}

	private java.util.Set<String> documents(String token) {
		JsonNode bundle = json(get(token, "/DocumentReference?status=current&patient=" + patient));
		java.util.Set<String> ids = new java.util.HashSet<>();
		if (bundle.has("entry")) {
			bundle.get("entry").forEach(entry -> ids.add(entry.get("resource").get("id").asText()));
		}
		return ids;
	}

	private String fhirToken() {
		return token();
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}

	private HttpResponse<String> delete(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).DELETE().build());
	}

	private HttpResponse<String> post(String token, String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build());
	}

	private static String encode(org.hl7.fhir.instance.model.api.IBaseResource resource) {
		return FHIR.newJsonParser().encodeResourceToString(resource);
	}

	private static JsonNode json(HttpResponse<String> response) {
		try {
			return JSON.readTree(response.body());
		} catch (java.io.IOException e) {
			throw new IllegalStateException(e);
		}
	}
}
