package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.carnetsante.access.AccessRule.Criteria;
import org.carnetsante.access.AccessRule.Effect;
import org.carnetsante.access.AccessRule.Origin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.core.io.ClassPathResource;

/**
 * The access policy as a pure function, case by case, without a server: one row per rule of
 * design.md §3, with the reason the patient's access log will show.
 */
class AccessPolicyTest {

	private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
	private static final String SPACE = "42";
	private static final String GP = "ps:810000000001";
	private static final String PHARMACIST = "ps:810000000002";
	private static final String HOSPITAL = "org:1750000000";

	private static final AccessProperties PROPERTIES = new AccessProperties(true, false, "unused", List.of("SA23", "SA24"),
			List.of("Practitioner", "Organization"), List.of("SearchParameter"), new AccessProperties.Emergency(true, true, false), 10000,
			new AccessProperties.SpaceRulesCacheSettings(10, java.time.Duration.ofMinutes(1)));
	private static final AccessPolicy POLICY = new AccessPolicy(
			ProfessionMatrix.load(new ClassPathResource("access/profession-matrix.yaml")), PROPERTIES);

	record Case(String name, Actor actor, ResourceFacts resource, SpaceRules space, boolean allowed, String reason,
			EmergencyMode mode) {

		@Override
		public String toString() {
			return name;
		}
	}

	static Stream<Case> cases() {
		SpaceRules caredFor = space(careTeam(GP, PHARMACIST, HOSPITAL));
		return Stream.of(
				new Case("the patient reads a document of her space", patient(), document("11488-4"), SpaceRules.NONE,
						true, "own space", EmergencyMode.NONE),
				new Case("the patient does not see what is not yet shown to her", patient(),
						document("11502-2", VisibilityLabels.INVISIBLE_TO_PATIENT), SpaceRules.NONE, false, "INVISIBLE_PATIENT",
						EmergencyMode.NONE),
				new Case("the patient reads nothing of another space", patient(), documentOf("7", "11488-4"), SpaceRules.NONE,
						false, "outside the space", EmergencyMode.NONE),
				new Case("a parent does not see what is hidden from legal representatives", parent(),
						document("11488-4", VisibilityLabels.INVISIBLE_TO_LEGAL_REPRESENTATIVES), SpaceRules.NONE, false,
						"hidden from legal representatives", EmergencyMode.NONE),
				new Case("a parent sees the rest of the minor's space", parent(), document("11488-4"), SpaceRules.NONE, true,
						"own space", EmergencyMode.NONE),
				new Case("a delegate reads within the delegation in force", delegate(), document("11488-4"),
						space(delegation(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)))), true, "own space",
						EmergencyMode.NONE),
				new Case("a delegation that has ended opens nothing", delegate(), document("11488-4"),
						space(delegation(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)))), false,
						"outside the delegation", EmergencyMode.NONE),
				new Case("a delegate does not read the patient's consents", delegate(), facts("Consent"),
						space(delegation(null, null)), false, "consents and the access log", EmergencyMode.NONE),
				new Case("a GP of the care team reads a consultation", professional(GP, "10", EmergencyMode.NONE),
						document("11488-4"), caredFor, true, "care relationship", EmergencyMode.NONE),
				new Case("a professional outside the care team reads nothing",
						professional("ps:810000000009", "10", EmergencyMode.NONE), document("11488-4"), caredFor, false,
						"no care relationship", EmergencyMode.NONE),
				new Case("a pharmacist of the care team reads a prescription", professional(PHARMACIST, "21", EmergencyMode.NONE),
						document("57833-6"), caredFor, true, "care relationship", EmergencyMode.NONE),
				new Case("a pharmacist does not read a consultation (profession matrix)",
						professional(PHARMACIST, "21", EmergencyMode.NONE), document("11488-4"), caredFor, false,
						"profession matrix", EmergencyMode.NONE),
				new Case("a professional of an unknown profession reads no document",
						professional(PHARMACIST, "99", EmergencyMode.NONE), document("57833-6"), caredFor, false,
						"profession matrix", EmergencyMode.NONE),
				new Case("the patient's explicit permit opens the space to a professional outside the care team",
						professional("ps:810000000003", "60", EmergencyMode.NONE), document("57833-6"),
						space(permit("ps:810000000003")), true, "care relationship", EmergencyMode.NONE),
				new Case("an exception of a permit keeps a document type closed",
						professional("ps:810000000003", "60", EmergencyMode.NONE), document("11490-0"),
						space(permitExcept("ps:810000000003", "11490-0")), false, "blocked", EmergencyMode.NONE),
				new Case("a blocked GP reads nothing, even in the care team", professional(GP, "10", EmergencyMode.NONE),
						document("11488-4"), space(careTeam(GP), block(GP)), false, "blocked", EmergencyMode.NONE),
				new Case("a blocked GP reads nothing, even breaking the glass",
						professional(GP, "10", EmergencyMode.BREAK_THE_GLASS), document("11488-4"), space(block(GP)), false,
						"blocked", EmergencyMode.NONE),
				new Case("blocking an organization blocks its professionals",
						new Actor(Actor.Role.PROFESSIONAL, null, Set.of(GP, HOSPITAL), "10", null, "SA01", EmergencyMode.NONE, null),
						document("11488-4"), space(careTeam(GP), block(HOSPITAL)), false, "blocked", EmergencyMode.NONE),
				new Case("a masked document is hidden from professionals", professional(GP, "10", EmergencyMode.NONE),
						document("11488-4", VisibilityLabels.MASKED_FROM_PROFESSIONALS), caredFor, false, "MASQUE_PS",
						EmergencyMode.NONE),
				new Case("the author of a masked document still sees it", professional(GP, "10", EmergencyMode.NONE),
						authored(document("11488-4", VisibilityLabels.MASKED_FROM_PROFESSIONALS), GP), caredFor, true,
						"care relationship", EmergencyMode.NONE),
				new Case("breaking the glass opens the space by default", professional("ps:1", "10", EmergencyMode.BREAK_THE_GLASS),
						document("11488-4"), SpaceRules.NONE, true, "emergency", EmergencyMode.BREAK_THE_GLASS),
				new Case("the centre 15 opens the space by default", professional("ps:1", "10", EmergencyMode.CENTRE_15),
						document("11488-4"), SpaceRules.NONE, true, "emergency", EmergencyMode.CENTRE_15),
				new Case("a patient who refused break-the-glass stays closed",
						professional("ps:1", "10", EmergencyMode.BREAK_THE_GLASS), document("11488-4"),
						space(emergencySetting(Effect.DENY, "BTG", false)), false, "refused emergency access",
						EmergencyMode.NONE),
				new Case("refusing break-the-glass leaves the centre 15 open", professional("ps:1", "10", EmergencyMode.CENTRE_15),
						document("11488-4"), space(emergencySetting(Effect.DENY, "BTG", false)), true, "emergency",
						EmergencyMode.CENTRE_15),
				new Case("masked documents stay hidden in an emergency by default",
						professional("ps:1", "10", EmergencyMode.BREAK_THE_GLASS),
						document("11488-4", VisibilityLabels.MASKED_FROM_PROFESSIONALS), SpaceRules.NONE, false, "MASQUE_PS",
						EmergencyMode.BREAK_THE_GLASS),
				new Case("masked documents shown in an emergency the patient allowed",
						professional("ps:1", "10", EmergencyMode.BREAK_THE_GLASS),
						document("11488-4", VisibilityLabels.MASKED_FROM_PROFESSIONALS),
						space(emergencySetting(Effect.PERMIT, "BTG", true)), true, "emergency", EmergencyMode.BREAK_THE_GLASS),
				new Case("the profession matrix still applies in an emergency",
						professional("ps:1", "21", EmergencyMode.BREAK_THE_GLASS), document("11488-4"), SpaceRules.NONE, false,
						"profession matrix", EmergencyMode.BREAK_THE_GLASS),
				new Case("a closed space is closed to professionals, emergencies too",
						professional(GP, "10", EmergencyMode.CENTRE_15), document("11488-4"),
						new SpaceRules(true, List.of(careTeam(GP))), false, "closed", EmergencyMode.NONE),
				new Case("professionals never read the patient's consents", professional(GP, "10", EmergencyMode.NONE),
						facts("Consent"), caredFor, false, "patient's own", EmergencyMode.NONE),
				new Case("a hospital system of the care team reads by its sector's row",
						organization(HOSPITAL, "SA01"), document("34112-3"), caredFor, true, "care relationship",
						EmergencyMode.NONE),
				new Case("a laboratory's system reads biology only", organization("org:2", "SA25"), document("11488-4"),
						space(careTeam("org:2")), false, "profession matrix", EmergencyMode.NONE),
				new Case("an insurer reads nothing",
						Actor.of(caller("SA24"), Set.of("SA23", "SA24")), document("11488-4"), caredFor, false, "SA24",
						EmergencyMode.NONE),
				new Case("directory data is not patient data", professional("ps:1", "60", EmergencyMode.NONE),
						new ResourceFacts("Practitioner", "Practitioner/1", Set.of(), Set.of(), Set.of(), Set.of()),
						SpaceRules.NONE, true, "not patient data", EmergencyMode.NONE),
				new Case("a resource that belongs to no space is shown to nobody", patient(),
						new ResourceFacts("Bundle", "Bundle/1", Set.of(), Set.of(), Set.of(), Set.of()), SpaceRules.NONE, false,
						"belongs to no patient's space", EmergencyMode.NONE));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void decides(Case row) {
		AccessDecision decision = POLICY.decide(row.actor(), row.resource(), Map.of(SPACE, row.space(), "7", SpaceRules.NONE), NOW);

		assertThat(decision.allowed()).as(decision.reason()).isEqualTo(row.allowed());
		assertThat(decision.reason()).contains(row.reason());
		assertThat(decision.mode()).isEqualTo(row.mode());
	}

	@Test
	void feedingASpaceNeedsNoCareRelationshipButABlockOrAClosedSpaceRefusesIt() {
		Actor lab = organization("org:2", "SA25");

		assertThat(POLICY.decideFeeding(lab, SpaceRules.NONE, document("11502-2"), NOW).allowed()).isTrue();
		assertThat(POLICY.decideFeeding(lab, space(block("org:2")), document("11502-2"), NOW).allowed()).isFalse();
		assertThat(POLICY.decideFeeding(lab, new SpaceRules(true, List.of()), document("11502-2"), NOW).allowed()).isFalse();
	}

	@Test
	void legalRepresentativesActUntilTheEighteenthBirthdayInParis() {
		// NOW is 24 November 2026, 11:00 in Paris. A child born on 25 November 2008 is 18 tomorrow.
		SpaceRules minor = new SpaceRules(false, List.of(), java.time.LocalDate.parse("2008-11-25").plusYears(SpaceRules.AGE_OF_MAJORITY));
		SpaceRules adultToday = new SpaceRules(false, List.of(), java.time.LocalDate.parse("2008-11-24").plusYears(SpaceRules.AGE_OF_MAJORITY));
		assertThat(POLICY.decide(parent(), document("11488-4"), Map.of(SPACE, minor), NOW).allowed()).isTrue();
		assertThat(POLICY.decideSpace(parent(), SPACE, minor, NOW).allowed()).isTrue();
		assertThat(POLICY.decide(parent(), document("11488-4"), Map.of(SPACE, adultToday), NOW).allowed()).isFalse();
		assertThat(POLICY.decideSpace(parent(), SPACE, adultToday, NOW).allowed()).isFalse();
		// The day counts in Paris: at 23:30 UTC on the 24th it is already the 25th there.
		assertThat(POLICY.decideSpace(parent(), SPACE, minor, Instant.parse("2026-11-24T23:30:00Z")).allowed()).isFalse();
		// The young adult themself, of course, still does.
		assertThat(POLICY.decide(patient(), document("11488-4"), Map.of(SPACE, adultToday), NOW).allowed()).isTrue();
	}

	@Test
	void theMatrixFileRefusesUnknownKeys() throws Exception {
		java.nio.file.Path file = java.nio.file.Files.createTempFile("matrix", ".yaml");
		java.nio.file.Files.writeString(file, "professions:\n  - profession: \"10\"\n    document: \"*\"\n");

		org.assertj.core.api.Assertions.assertThatThrownBy(
						() -> ProfessionMatrix.load(new org.springframework.core.io.FileSystemResource(file)))
				.hasMessageContaining("unknown key 'document'");
	}

	private static Actor patient() {
		return new Actor(Actor.Role.PATIENT, SPACE, Set.of("Patient/" + SPACE), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor parent() {
		return new Actor(Actor.Role.LEGAL_REPRESENTATIVE, SPACE, Set.of("Patient/9"), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor delegate() {
		return new Actor(Actor.Role.DELEGATE, SPACE, Set.of("RelatedPerson/5"), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor professional(String key, String profession, EmergencyMode emergency) {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of(key), profession, null, null, emergency, null);
	}

	private static Actor organization(String key, String sector) {
		return new Actor(Actor.Role.CARE_ORGANIZATION, null, Set.of(key), null, null, sector, EmergencyMode.NONE, null);
	}

	private static org.carnetsante.smart.CarnetCaller caller(String sector) {
		return new org.carnetsante.smart.CarnetCaller("mutuelle", org.carnetsante.smart.CarnetCaller.Kind.SYSTEM, "mutuelle",
				null, null, null, List.of(), null, null, null, "3100000000", sector, null, "Mutuelle");
	}

	private static ResourceFacts document(String type, String... labels) {
		return documentOf(SPACE, type, labels);
	}

	private static ResourceFacts documentOf(String patient, String type, String... labels) {
		return new ResourceFacts("DocumentReference", "DocumentReference/1", Set.of(patient), Set.of(type), Set.of(labels), Set.of());
	}

	private static ResourceFacts authored(ResourceFacts document, String author) {
		return new ResourceFacts(document.type(), document.id(), document.patients(), document.documentTypes(), document.labels(),
				Set.of(author));
	}

	private static ResourceFacts facts(String type) {
		return new ResourceFacts(type, type + "/1", Set.of(SPACE), Set.of(), Set.of(), Set.of());
	}

	private static SpaceRules space(AccessRule... rules) {
		return new SpaceRules(false, List.of(rules));
	}

	private static AccessRule careTeam(String... members) {
		return new AccessRule(Origin.CARE_TEAM, Effect.PERMIT, Set.of(members), Set.of(), Criteria.EVERYTHING, null, null, List.of());
	}

	private static AccessRule block(String actor) {
		return new AccessRule(Origin.CONSENT, Effect.DENY, Set.of(actor), Set.of(), Criteria.EVERYTHING, null, null, List.of());
	}

	private static AccessRule permit(String actor) {
		return new AccessRule(Origin.CONSENT, Effect.PERMIT, Set.of(actor), Set.of("TREAT"), Criteria.EVERYTHING, null, null,
				List.of());
	}

	private static AccessRule permitExcept(String actor, String documentType) {
		return new AccessRule(Origin.CONSENT, Effect.PERMIT, Set.of(actor), Set.of("TREAT"), Criteria.EVERYTHING, null, null,
				List.of(new AccessRule.Exception(Effect.DENY, new Criteria(Set.of(), Set.of(documentType), Set.of(), Set.of()))));
	}

	private static AccessRule delegation(Instant start, Instant end) {
		return new AccessRule(Origin.CONSENT, Effect.PERMIT, Set.of("RelatedPerson/5"), Set.of("TREAT"), Criteria.EVERYTHING,
				start == null ? null : start.toEpochMilli(), end == null ? null : end.toEpochMilli(), List.of());
	}

	private static AccessRule emergencySetting(Effect effect, String purpose, boolean aboutMasked) {
		Criteria criteria = aboutMasked
				? new Criteria(Set.of(), Set.of(), Set.of(VisibilityLabels.MASKED_FROM_PROFESSIONALS), Set.of())
				: Criteria.EVERYTHING;
		return new AccessRule(Origin.CONSENT, effect, Set.of(), Set.of(purpose), criteria, null, null, List.of());
	}
}
