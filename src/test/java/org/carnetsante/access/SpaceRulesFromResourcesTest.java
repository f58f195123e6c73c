package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.core.io.ClassPathResource;

/**
 * The space rules as the patient states them — real Consent, CareTeam and Patient resources — turned into
 * rules by {@link SpaceRuleSources}, kept by {@link SpaceRulesStore} (on an in-memory H2 database, so
 * that the rules make the round trip through their stored form) and decided by {@link AccessPolicy}: one
 * row per rule of docs/access.md "The rules", without a server. {@code AccessPolicyTest} covers the
 * policy on hand-built rules; this table proves the resources say what the policy is given.
 *
 * <p>Periods are written as FHIR dates where the rule is about dates: a date without a time covers that
 * whole day, in the server's time zone (the instants below are local times of that zone).
 */
class SpaceRulesFromResourcesTest {

	private static final String SPACE = "42";
	private static final String PATIENT = "Patient/" + SPACE;
	private static final String LOINC = "http://loinc.org";
	private static final String GP_ID = "810000000001";
	private static final String NURSE_ID = "810000000003";
	private static final String HOSPITAL_ID = "1750000000";
	private static final String CONSULTATION = "11488-4";
	private static final String PRESCRIPTION = "57833-6";

	/** What the directory says of the actors the resources name by reference. */
	private static final Map<String, Set<String>> DIRECTORY = Map.of(
			"Practitioner/gp1", Set.of("ps:" + GP_ID),
			"Organization/hosp", Set.of("org:" + HOSPITAL_ID));
	private static final SpaceRuleSources SOURCES = new SpaceRuleSources(reference -> DIRECTORY.getOrDefault(reference, Set.of()));

	private static final AccessProperties PROPERTIES = new AccessProperties(true, false, "unused", List.of("SA23", "SA24"),
			List.of("Practitioner", "Organization"), List.of("SearchParameter"), new AccessProperties.Emergency(true, true, false), 10000,
			new AccessProperties.SpaceRulesCacheSettings(10, Duration.ofMinutes(1)));
	private static final AccessPolicy POLICY = new AccessPolicy(
			ProfessionMatrix.load(new ClassPathResource("access/profession-matrix.yaml")), PROPERTIES);

	private static final Instant NOON = local("2026-11-24T12:00");
	private static final AtomicInteger IDS = new AtomicInteger();

	record Case(String name, List<Resource> stated, Actor actor, ResourceFacts resource, Instant now, boolean allowed,
			String reason, EmergencyMode mode) {

		@Override
		public String toString() {
			return name;
		}
	}

	static Stream<Case> cases() {
		CareTeam gpInCare = careTeam(member(professional(GP_ID)));
		Consent revokedBlock = consent(Consent.ConsentProvisionType.DENY, professional(GP_ID), null);
		return Stream.of(
				// care teams
				allowed("a care team naming the GP by national id lets him read", List.of(gpInCare), gp(),
						document(CONSULTATION), NOON, "care relationship"),
				allowed("a care team naming the GP's Practitioner lets a token carrying only his national id in",
						List.of(careTeam(member(new Reference("Practitioner/gp1")))), gp(), document(CONSULTATION), NOON,
						"care relationship"),
				allowed("a member organization covers its professionals",
						List.of(careTeam(member(organization(HOSPITAL_ID)))), hospitalDoctor(), document(CONSULTATION), NOON,
						"care relationship"),
				allowed("a member organization named by reference covers its professionals",
						List.of(careTeam(member(new Reference("Organization/hosp")))), hospitalDoctor(), document(CONSULTATION),
						NOON, "care relationship"),
				allowed("a professional acting on behalf of a member organization covers its other professionals",
						List.of(careTeam(participant -> participant.setMember(professional(NURSE_ID))
								.setOnBehalfOf(organization(HOSPITAL_ID)))), hospitalDoctor(), document(CONSULTATION), NOON,
						"care relationship"),
				denied("a member organization does not cover professionals of another one",
						List.of(careTeam(member(organization("1750000099")))), hospitalDoctor(), document(CONSULTATION), NOON,
						"no care relationship"),
				denied("an inactive care team states nothing", List.of(withStatus(careTeam(member(professional(GP_ID))),
						CareTeam.CareTeamStatus.INACTIVE)), gp(), document(CONSULTATION), NOON, "no care relationship"),
				denied("a proposed care team states nothing", List.of(withStatus(careTeam(member(professional(GP_ID))),
						CareTeam.CareTeamStatus.PROPOSED)), gp(), document(CONSULTATION), NOON, "no care relationship"),
				denied("a suspended care team states nothing", List.of(withStatus(careTeam(member(professional(GP_ID))),
						CareTeam.CareTeamStatus.SUSPENDED)), gp(), document(CONSULTATION), NOON, "no care relationship"),
				denied("a care team entered in error states nothing", List.of(withStatus(careTeam(member(professional(GP_ID))),
						CareTeam.CareTeamStatus.ENTEREDINERROR)), gp(), document(CONSULTATION), NOON, "no care relationship"),
				denied("a care team naming a relative delegates nothing to him",
						List.of(careTeam(member(new Reference("RelatedPerson/5")))), delegate(), document(CONSULTATION), NOON,
						"outside the delegation"),
				allowed("a care team ending on a date covers the evening of that day",
						List.of(teamOver(null, "2026-11-24", member(professional(GP_ID)))), gp(), document(CONSULTATION),
						local("2026-11-24T23:30"), "care relationship"),
				denied("… not the next morning", List.of(teamOver(null, "2026-11-24", member(professional(GP_ID)))), gp(),
						document(CONSULTATION), local("2026-11-25T00:30"), "no care relationship"),
				allowed("a care team starting on a date covers the early morning of that day",
						List.of(teamOver("2026-11-24", null, member(professional(GP_ID)))), gp(), document(CONSULTATION),
						local("2026-11-24T00:30"), "care relationship"),
				denied("… not the evening before", List.of(teamOver("2026-11-24", null, member(professional(GP_ID)))), gp(),
						document(CONSULTATION), local("2026-11-23T23:30"), "no care relationship"),
				denied("an end with a time ends at that instant", List.of(teamOver(null, "2026-11-24T12:00:00Z",
						member(professional(GP_ID)))), gp(), document(CONSULTATION), Instant.parse("2026-11-24T12:00:01Z"),
						"no care relationship"),
				denied("a membership that ended narrows the team's period", List.of(careTeam(participant -> participant
						.setMember(professional(GP_ID)).setPeriod(period(null, "2026-11-20")))), gp(), document(CONSULTATION),
						NOON, "no care relationship"),
				denied("a membership that has not started yet", List.of(careTeam(participant -> participant
						.setMember(professional(GP_ID)).setPeriod(period("2026-12-01", null)))), gp(), document(CONSULTATION),
						NOON, "no care relationship"),
				// blocks
				denied("a deny Consent naming the GP blocks him although he is in the care team",
						List.of(gpInCare, consent(Consent.ConsentProvisionType.DENY, professional(GP_ID), null)), gp(),
						document(CONSULTATION), NOON, "blocked"),
				denied("a deny Consent naming the GP's Practitioner blocks a token carrying only his national id",
						List.of(gpInCare, consent(Consent.ConsentProvisionType.DENY, new Reference("Practitioner/gp1"), null)),
						gp(), document(CONSULTATION), NOON, "blocked"),
				denied("blocking an organization blocks its professionals, even breaking the glass",
						List.of(consent(Consent.ConsentProvisionType.DENY, organization(HOSPITAL_ID), null)),
						emergencyDoctorOf(HOSPITAL_ID), document(CONSULTATION), NOON, "blocked"),
				allowed("an inactive deny Consent blocks nothing",
						List.of(gpInCare, withStatus(consent(Consent.ConsentProvisionType.DENY, professional(GP_ID), null),
								Consent.ConsentState.INACTIVE)), gp(), document(CONSULTATION), NOON, "care relationship"),
				allowed("a rejected deny Consent blocks nothing",
						List.of(gpInCare, withStatus(consent(Consent.ConsentProvisionType.DENY, professional(GP_ID), null),
								Consent.ConsentState.REJECTED)), gp(), document(CONSULTATION), NOON, "care relationship"),
				allowed("a draft deny Consent blocks nothing",
						List.of(gpInCare, withStatus(consent(Consent.ConsentProvisionType.DENY, professional(GP_ID), null),
								Consent.ConsentState.DRAFT)), gp(), document(CONSULTATION), NOON, "care relationship"),
				allowed("a block revoked (the same Consent now inactive) blocks no more",
						List.of(gpInCare, revokedBlock, withStatus(revokedBlock.copy(), Consent.ConsentState.INACTIVE)), gp(),
						document(CONSULTATION), NOON, "care relationship"),
				// permits, their periods and their exceptions
				allowed("a permit opens the space to a professional outside the care team",
						List.of(consent(Consent.ConsentProvisionType.PERMIT, professional(NURSE_ID), "TREAT")), nurse(),
						document(PRESCRIPTION), NOON, "care relationship"),
				denied("an active Consent without provision permits nothing",
						List.of(withoutProvision(consent(Consent.ConsentProvisionType.PERMIT, professional(NURSE_ID), "TREAT"))),
						nurse(), document(PRESCRIPTION), NOON, "no care relationship"),
				allowed("a permit ending on a date covers the evening of that day",
						List.of(permitOver("2026-11-01", "2026-11-24")), nurse(), document(PRESCRIPTION),
						local("2026-11-24T23:30"), "care relationship"),
				denied("… not the next morning", List.of(permitOver("2026-11-01", "2026-11-24")), nurse(),
						document(PRESCRIPTION), local("2026-11-25T00:30"), "no care relationship"),
				denied("… nor the evening before it starts", List.of(permitOver("2026-11-01", "2026-11-24")), nurse(),
						document(PRESCRIPTION), local("2026-10-31T23:30"), "no care relationship"),
				denied("a permit's exception by resource type keeps that type closed",
						List.of(permitExcept(exception -> exception.addClass_(resourceType("Observation")))), nurse(),
						observation(), NOON, "blocked"),
				allowed("… and leaves the other types open",
						List.of(permitExcept(exception -> exception.addClass_(resourceType("Observation")))), nurse(),
						document(PRESCRIPTION), NOON, "care relationship"),
				denied("a permit's exception by document type keeps that type closed",
						List.of(permitExcept(exception -> exception.addCode(new CodeableConcept(new Coding(LOINC, PRESCRIPTION, null))))),
						nurse(), document(PRESCRIPTION), NOON, "blocked"),
				allowed("… and leaves the other resources open",
						List.of(permitExcept(exception -> exception.addCode(new CodeableConcept(new Coding(LOINC, PRESCRIPTION, null))))),
						nurse(), observation(), NOON, "care relationship"),
				denied("a permit's exception naming one document keeps that one closed",
						List.of(permitExcept(exception -> exception.addData().setMeaning(Consent.ConsentDataMeaning.INSTANCE)
								.setReference(new Reference("DocumentReference/77")))),
						nurse(), documentWithId("DocumentReference/77", PRESCRIPTION), NOON, "blocked"),
				allowed("… and leaves the other documents of that type open",
						List.of(permitExcept(exception -> exception.addData().setMeaning(Consent.ConsentDataMeaning.INSTANCE)
								.setReference(new Reference("DocumentReference/77")))),
						nurse(), documentWithId("DocumentReference/78", PRESCRIPTION), NOON, "care relationship"),
				denied("a delegation's exception by label keeps what the patient masked from her delegate",
						List.of(delegationExcept(exception -> exception.addSecurityLabel(label(VisibilityLabels.MASKED_FROM_PROFESSIONALS)))),
						delegate(), document(CONSULTATION, VisibilityLabels.MASKED_FROM_PROFESSIONALS), NOON, "outside the delegation"),
				allowed("… and shows him the rest", List.of(delegationExcept(exception -> exception.addSecurityLabel(
						label(VisibilityLabels.MASKED_FROM_PROFESSIONALS)))), delegate(), document(CONSULTATION), NOON, "own space"),
				allowed("a block's permit exception lets the blocked GP read that document type",
						List.of(gpInCare, blockExcept(professional(GP_ID), exception ->
								exception.addCode(new CodeableConcept(new Coding(LOINC, PRESCRIPTION, null))))),
						gp(), document(PRESCRIPTION), NOON, "care relationship"),
				denied("… and nothing else", List.of(gpInCare, blockExcept(professional(GP_ID), exception ->
								exception.addCode(new CodeableConcept(new Coding(LOINC, PRESCRIPTION, null))))),
						gp(), document(CONSULTATION), NOON, "blocked"),
				// delegations
				allowed("a delegation in force lets the delegate read", List.of(delegationOver("2026-11-01", "2026-11-30")),
						delegate(), document(CONSULTATION), NOON, "own space"),
				denied("an ended delegation opens nothing", List.of(delegationOver("2026-10-01", "2026-10-31")),
						delegate(), document(CONSULTATION), NOON, "outside the delegation"),
				// emergency settings
				denied("the patient refused break-the-glass", List.of(emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", false)),
						breakingTheGlass(), document(CONSULTATION), NOON, "refused emergency access"),
				allowed("refusing the centre 15 leaves break-the-glass open",
						List.of(emergencySetting(Consent.ConsentProvisionType.DENY, "ETREAT", false)), breakingTheGlass(),
						document(CONSULTATION), NOON, "emergency", EmergencyMode.BREAK_THE_GLASS),
				denied("contradictory break-the-glass settings: the refusal wins",
						List.of(emergencySetting(Consent.ConsentProvisionType.PERMIT, "BTG", false),
								emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", false)),
						breakingTheGlass(), document(CONSULTATION), NOON, "refused emergency access"),
				denied("… whichever of the two was written last",
						List.of(emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", false),
								emergencySetting(Consent.ConsentProvisionType.PERMIT, "BTG", false)),
						breakingTheGlass(), document(CONSULTATION), NOON, "refused emergency access"),
				allowed("an inactive refusal of break-the-glass states nothing",
						List.of(withStatus(emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", false), Consent.ConsentState.INACTIVE)),
						breakingTheGlass(), document(CONSULTATION), NOON, "emergency", EmergencyMode.BREAK_THE_GLASS),
				allowed("a refusal of break-the-glass that has ended states nothing",
						List.of(over(emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", false), "2026-11-01", "2026-11-20")),
						breakingTheGlass(), document(CONSULTATION), NOON, "emergency", EmergencyMode.BREAK_THE_GLASS),
				allowed("masked documents shown in an emergency the patient allowed",
						List.of(emergencySetting(Consent.ConsentProvisionType.PERMIT, "BTG", true)), breakingTheGlass(),
						document(CONSULTATION, VisibilityLabels.MASKED_FROM_PROFESSIONALS), NOON, "emergency",
						EmergencyMode.BREAK_THE_GLASS),
				new Case("contradictory settings on masked documents: the refusal wins",
						List.of(emergencySetting(Consent.ConsentProvisionType.PERMIT, "BTG", true),
								emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", true)),
						breakingTheGlass(), document(CONSULTATION, VisibilityLabels.MASKED_FROM_PROFESSIONALS), NOON, false,
						"MASQUE_PS", EmergencyMode.BREAK_THE_GLASS),
				new Case("… whichever of the two was written last",
						List.of(emergencySetting(Consent.ConsentProvisionType.DENY, "BTG", true),
								emergencySetting(Consent.ConsentProvisionType.PERMIT, "BTG", true)),
						breakingTheGlass(), document(CONSULTATION, VisibilityLabels.MASKED_FROM_PROFESSIONALS), NOON, false,
						"MASQUE_PS", EmergencyMode.BREAK_THE_GLASS),
				// the space itself
				denied("a Patient no longer active closes the space to its care team", List.of(gpInCare, patient(false)), gp(),
						document(CONSULTATION), NOON, "closed"),
				denied("… and to the centre 15", List.of(patient(false)), centre15(), document(CONSULTATION), NOON, "closed"),
				allowed("… but not to its patient", List.of(patient(false)), holder(), document(CONSULTATION), NOON, "own space"),
				allowed("a space reopened (the same Patient active again) is open again",
						List.of(gpInCare, patient(false), patient(true)), gp(), document(CONSULTATION), NOON, "care relationship"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void decides(Case row) {
		SpaceRulesStore store = new SpaceRulesStore(inMemoryDatabase(), new SpaceRulesCache(10, Duration.ofMinutes(1)));
		for (Resource stated : row.stated()) {
			SpaceRuleSources.Derived derived = SOURCES.derive(stated).orElseThrow();
			assertThat(derived.patient()).isEqualTo(SPACE);
			store.replace(derived);
		}
		SpaceRules rules = store.rulesOf(List.of(SPACE)).get(SPACE);

		AccessDecision decision = POLICY.decide(row.actor(), row.resource(), Map.of(SPACE, rules), row.now());

		assertThat(decision.allowed()).as(decision.reason()).isEqualTo(row.allowed());
		assertThat(decision.reason()).contains(row.reason());
		assertThat(decision.mode()).isEqualTo(row.mode());
	}

	// --- the rows ---

	private static Case allowed(String name, List<Resource> stated, Actor actor, ResourceFacts resource, Instant now, String reason) {
		return new Case(name, stated, actor, resource, now, true, reason, EmergencyMode.NONE);
	}

	private static Case allowed(String name, List<Resource> stated, Actor actor, ResourceFacts resource, Instant now, String reason,
			EmergencyMode mode) {
		return new Case(name, stated, actor, resource, now, true, reason, mode);
	}

	private static Case denied(String name, List<Resource> stated, Actor actor, ResourceFacts resource, Instant now, String reason) {
		return new Case(name, stated, actor, resource, now, false, reason, EmergencyMode.NONE);
	}

	// --- the resources the patient (or a professional, for a care team) writes ---

	private static CareTeam careTeam(Consumer<CareTeam.CareTeamParticipantComponent> participant) {
		CareTeam team = new CareTeam();
		team.setId("CareTeam/" + IDS.incrementAndGet());
		team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
		team.setSubject(new Reference(PATIENT));
		participant.accept(team.addParticipant());
		return team;
	}

	private static CareTeam teamOver(String start, String end, Consumer<CareTeam.CareTeamParticipantComponent> participant) {
		CareTeam team = careTeam(participant);
		team.setPeriod(period(start, end));
		return team;
	}

	private static Consumer<CareTeam.CareTeamParticipantComponent> member(Reference member) {
		return participant -> participant.setMember(member);
	}

	private static CareTeam withStatus(CareTeam team, CareTeam.CareTeamStatus status) {
		team.setStatus(status);
		return team;
	}

	/** Carnet's consent model: one provision, an actor in role IRCP, a purpose. */
	private static Consent consent(Consent.ConsentProvisionType type, Reference actor, String purpose) {
		Consent consent = new Consent();
		consent.setId("Consent/" + IDS.incrementAndGet());
		consent.setStatus(Consent.ConsentState.ACTIVE);
		consent.setScope(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
		consent.addCategory(new CodeableConcept(new Coding(LOINC, "59284-0", null)));
		consent.setPatient(new Reference(PATIENT));
		consent.addPerformer(new Reference(PATIENT));
		consent.getProvision().setType(type);
		if (actor != null) {
			consent.getProvision().addActor()
					.setRole(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)))
					.setReference(actor);
		}
		if (purpose != null) {
			consent.getProvision().addPurpose(new Coding(EmergencyMode.PURPOSE_SYSTEM, purpose, null));
		}
		return consent;
	}

	private static Consent withStatus(Consent consent, Consent.ConsentState status) {
		consent.setStatus(status);
		return consent;
	}

	private static Consent withoutProvision(Consent consent) {
		consent.setProvision(null);
		return consent;
	}

	private static Consent over(Consent consent, String start, String end) {
		consent.getProvision().setPeriod(period(start, end));
		return consent;
	}

	private static Consent permitOver(String start, String end) {
		return over(consent(Consent.ConsentProvisionType.PERMIT, professional(NURSE_ID), "TREAT"), start, end);
	}

	private static Consent permitExcept(Consumer<Consent.ProvisionComponent> exception) {
		Consent consent = consent(Consent.ConsentProvisionType.PERMIT, professional(NURSE_ID), "TREAT");
		exception.accept(consent.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY));
		return consent;
	}

	private static Consent blockExcept(Reference actor, Consumer<Consent.ProvisionComponent> exception) {
		Consent consent = consent(Consent.ConsentProvisionType.DENY, actor, null);
		exception.accept(consent.getProvision().addProvision().setType(Consent.ConsentProvisionType.PERMIT));
		return consent;
	}

	private static Consent delegationOver(String start, String end) {
		return over(consent(Consent.ConsentProvisionType.PERMIT, new Reference("RelatedPerson/5"), "TREAT"), start, end);
	}

	private static Consent delegationExcept(Consumer<Consent.ProvisionComponent> exception) {
		Consent consent = consent(Consent.ConsentProvisionType.PERMIT, new Reference("RelatedPerson/5"), "TREAT");
		exception.accept(consent.getProvision().addProvision().setType(Consent.ConsentProvisionType.DENY));
		return consent;
	}

	/** A setting for an emergency mode (no actor), about opening the space or about masked documents. */
	private static Consent emergencySetting(Consent.ConsentProvisionType type, String purpose, boolean aboutMasked) {
		Consent consent = consent(type, null, purpose);
		if (aboutMasked) {
			consent.getProvision().addSecurityLabel(label(VisibilityLabels.MASKED_FROM_PROFESSIONALS));
		}
		return consent;
	}

	private static Patient patient(boolean active) {
		Patient patient = new Patient();
		patient.setId(PATIENT);
		patient.setActive(active);
		return patient;
	}

	private static Period period(String start, String end) {
		Period period = new Period();
		if (start != null) {
			period.setStartElement(new DateTimeType(start));
		}
		if (end != null) {
			period.setEndElement(new DateTimeType(end));
		}
		return period;
	}

	private static Reference professional(String idNat) {
		return new Reference().setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(idNat));
	}

	private static Reference organization(String idNat) {
		return new Reference().setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(idNat));
	}

	private static Coding resourceType(String type) {
		return new Coding("http://hl7.org/fhir/resource-types", type, null);
	}

	private static Coding label(String code) {
		return new Coding(VisibilityLabels.SYSTEM, code, null);
	}

	// --- who reads, and what ---

	private static Actor gp() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:" + GP_ID), "10", "SM54", null, EmergencyMode.NONE, null);
	}

	private static Actor nurse() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:" + NURSE_ID), "60", null, null, EmergencyMode.NONE, null);
	}

	/** A doctor of the hospital, whose token names the hospital as his organization. */
	private static Actor hospitalDoctor() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:810000000009", "org:" + HOSPITAL_ID), "10", null, "SA01",
				EmergencyMode.NONE, null);
	}

	private static Actor emergencyDoctorOf(String organization) {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:810000000008", "org:" + organization), "10", "SM59", "SA01",
				EmergencyMode.BREAK_THE_GLASS, null);
	}

	private static Actor breakingTheGlass() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:810000000004"), "10", "SM54", null,
				EmergencyMode.BREAK_THE_GLASS, null);
	}

	private static Actor centre15() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:810000000005"), "10", "SM59", null, EmergencyMode.CENTRE_15, null);
	}

	private static Actor holder() {
		return new Actor(Actor.Role.PATIENT, SPACE, Set.of(PATIENT), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor delegate() {
		return new Actor(Actor.Role.DELEGATE, SPACE, Set.of("RelatedPerson/5"), null, null, null, EmergencyMode.NONE, null);
	}

	private static ResourceFacts document(String type, String... labels) {
		return documentWithId("DocumentReference/1", type, labels);
	}

	private static ResourceFacts documentWithId(String id, String type, String... labels) {
		return new ResourceFacts("DocumentReference", id, Set.of(SPACE), Set.of(type), Set.of(labels), Set.of());
	}

	private static ResourceFacts observation() {
		return new ResourceFacts("Observation", "Observation/9", Set.of(SPACE), Set.of(), Set.of(), Set.of());
	}

	/** A local time of the server's zone, in which FHIR dates without a time are read. */
	private static Instant local(String dateTime) {
		return LocalDateTime.parse(dateTime).atZone(ZoneId.systemDefault()).toInstant();
	}

	private static JdbcDataSource inMemoryDatabase() {
		JdbcDataSource database = new JdbcDataSource();
		database.setURL("jdbc:h2:mem:rules-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		return database;
	}
}
