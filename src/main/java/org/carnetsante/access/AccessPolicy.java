package org.carnetsante.access;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Who may see what in a patient's space (design.md §3: consent, what a professional sees, visibility
 * labels, emergency access). A pure function of the actor, the resource and the rules of the spaces
 * the resource belongs to; the HAPI interceptors only feed it and apply its answers.
 *
 * <ul>
 *   <li>Insurers, social-security bodies and unregistered systems see nothing.
 *   <li>Patients and legal representatives see their space but for what is labelled invisible to them;
 *       delegates see it within the delegation the patient granted. Nobody else reads Consents or the
 *       access log.
 *   <li>Professionals and care organizations reach a space through a care relationship the patient has
 *       not refused (a care team naming them, presumed consent) or the patient's explicit permit, or,
 *       for professionals, an emergency the patient's settings allow. A block refuses everything, even
 *       in an emergency; a closed space is closed to them. They then see what the profession matrix
 *       allows, but documents masked from professionals only if they wrote them, or in an emergency
 *       the patient allowed to show them.
 *   <li>Messages and appointments are seen by the patient side of their space and, among professionals,
 *       by those who take part in them only.
 * </ul>
 */
public final class AccessPolicy {

	/** Resource types that are the patient's own and never shown to professionals (nor searched by them). */
	static final Set<String> PATIENTS_OWN = Set.of("Consent", "AuditEvent", "Subscription");
	private static final String CAME_OF_AGE = "the patient came of age: legal representatives no longer act for them";
	/** The day a birthday falls on: French law's, whatever the server's zone. */
	private static final java.time.ZoneId LEGAL_ZONE = java.time.ZoneId.of("Europe/Paris");

	private final ProfessionMatrix matrix;
	private final AccessProperties.Emergency emergencyDefaults;
	private final Set<String> directoryTypes;

	public AccessPolicy(ProfessionMatrix matrix, AccessProperties properties) {
		this.matrix = matrix;
		this.emergencyDefaults = properties.emergency();
		this.directoryTypes = Set.copyOf(properties.directoryTypes());
	}

	/**
	 * May the actor see this resource? {@code spaces} holds the rules of every patient the resource
	 * belongs to ({@link ResourceFacts#patients()}).
	 */
	public AccessDecision decide(Actor actor, ResourceFacts resource, Map<String, SpaceRules> spaces, Instant now) {
		if (actor.role() == Actor.Role.REFUSED) {
			return AccessDecision.deny(actor.refusal());
		}
		if (!resource.isPatientData()) {
			if ("Subscription".equals(resource.type())) {
				// A professional's or organization's subscription to the messages sent to them: theirs alone.
				return actor.role().isCareSide() && actor.isNamedBy(resource.authors())
						? AccessDecision.allow("own subscription")
						: AccessDecision.deny("a subscription is seen by the one who made it only");
			}
			return directoryTypes.contains(resource.type())
					? AccessDecision.allow("not patient data")
					: AccessDecision.deny(resource.type() + " that belongs to no patient's space is not shown");
		}
		if (resource.isMessage() || resource.isAppointment()) {
			return decideAmongParticipants(actor, resource, spaces, now);
		}
		return actor.role().isPatientSide()
				? decideForPatientSide(actor, resource, spaces, now)
				: decideForCareSide(actor, resource, spaces, now);
	}

	/**
	 * Messages and appointments are between people, not part of the record: the patient side of their space
	 * sees them (not a thread they removed from their view; a delegate within the delegation), and among
	 * professionals and organizations only those who take part (a message's sender and recipients, an
	 * appointment's participants and booker), while the space is open and does not block them — never
	 * through a care relationship, the profession matrix or an emergency.
	 */
	private AccessDecision decideAmongParticipants(Actor actor, ResourceFacts resource, Map<String, SpaceRules> spaces,
			Instant now) {
		if (actor.role().isPatientSide()) {
			if (resource.labels().contains(MessageFacts.REMOVED_FROM_PATIENT_VIEW)) {
				return AccessDecision.deny("the patient removed this thread from their view");
			}
			return decideForPatientSide(actor, resource, spaces, now);
		}
		if (!actor.isNamedBy(resource.participants())) {
			return AccessDecision.deny(resource.isMessage()
					? "a message is seen by its sender, its recipients and the patient's side only"
					: "an appointment is seen by those who take part in it, who booked it and the patient's side only");
		}
		for (String patient : resource.patients()) {
			SpaceRules space = spaces.getOrDefault(patient, SpaceRules.NONE);
			if (space.closed()) {
				return AccessDecision.deny("the space is closed");
			}
			if (space.blocks(actor.keys(), resource, now)) {
				return AccessDecision.deny("blocked by the patient");
			}
		}
		return AccessDecision.allow(resource.isMessage() ? "sender or recipient of the message" : "takes part in the appointment");
	}

	/**
	 * May the actor reach this space at all? Answers for what the space holds as a whole: a search or a
	 * write that names the space, before any resource is seen.
	 */
	public AccessDecision decideSpace(Actor actor, String patient, SpaceRules space, Instant now) {
		if (actor.role() == Actor.Role.REFUSED) {
			return AccessDecision.deny(actor.refusal());
		}
		if (actor.role().isPatientSide()) {
			if (!patient.equals(actor.patient())) {
				return AccessDecision.deny("outside the space the token opens");
			}
			if (actor.role() == Actor.Role.LEGAL_REPRESENTATIVE && space.cameOfAge(today(now))) {
				return AccessDecision.deny(CAME_OF_AGE);
			}
			return actor.role() != Actor.Role.DELEGATE || hasDelegation(actor, space, now)
					? AccessDecision.allow("own space")
					: AccessDecision.deny("no delegation in force");
		}
		return reachSpace(actor, space, null, now);
	}

	/**
	 * May a professional or organization write this resource into this space? Feeding a space needs no
	 * care relationship (every professional sends their documents to the patient's space); a closed
	 * space or the patient's block refuses it.
	 */
	public AccessDecision decideFeeding(Actor actor, SpaceRules space, ResourceFacts resource, Instant now) {
		if (actor.role() == Actor.Role.REFUSED) {
			return AccessDecision.deny(actor.refusal());
		}
		if (space.closed()) {
			return AccessDecision.deny("the space is closed");
		}
		if (space.blocks(actor.keys(), resource, now)) {
			return AccessDecision.deny("blocked by the patient");
		}
		return AccessDecision.allow("feeding the space");
	}

	private AccessDecision decideForPatientSide(
			Actor actor, ResourceFacts resource, Map<String, SpaceRules> spaces, Instant now) {
		if (!resource.patients().contains(actor.patient())) {
			return AccessDecision.deny("outside the space the token opens");
		}
		if (actor.role() == Actor.Role.LEGAL_REPRESENTATIVE
				&& spaces.getOrDefault(actor.patient(), SpaceRules.NONE).cameOfAge(today(now))) {
			return AccessDecision.deny(CAME_OF_AGE);
		}
		if (actor.role() == Actor.Role.DELEGATE) {
			if (PATIENTS_OWN.contains(resource.type())) {
				return AccessDecision.deny("consents and the access log are the patient's and their representatives'");
			}
			if (!spaces.getOrDefault(actor.patient(), SpaceRules.NONE).permits(actor.keys(), resource, now)) {
				return AccessDecision.deny("outside the delegation in force");
			}
		}
		if ("Subscription".equals(resource.type()) && !actor.isNamedBy(resource.authors())) {
			return AccessDecision.deny("a subscription is seen by the person who made it only");
		}
		if (resource.labels().contains(VisibilityLabels.INVISIBLE_TO_PATIENT)) {
			return AccessDecision.deny("not yet visible to the patient (" + VisibilityLabels.INVISIBLE_TO_PATIENT + ")");
		}
		if (actor.role() == Actor.Role.LEGAL_REPRESENTATIVE
				&& resource.labels().contains(VisibilityLabels.INVISIBLE_TO_LEGAL_REPRESENTATIVES)) {
			return AccessDecision.deny("hidden from legal representatives ("
					+ VisibilityLabels.INVISIBLE_TO_LEGAL_REPRESENTATIVES + ")");
		}
		return AccessDecision.allow("own space");
	}

	private AccessDecision decideForCareSide(
			Actor actor, ResourceFacts resource, Map<String, SpaceRules> spaces, Instant now) {
		if (PATIENTS_OWN.contains(resource.type())) {
			return AccessDecision.deny("consents and the access log are the patient's own");
		}
		AccessDecision reached = null;
		for (String patient : resource.patients()) {
			reached = reachSpace(actor, spaces.getOrDefault(patient, SpaceRules.NONE), resource, now);
			if (!reached.allowed()) {
				return reached;
			}
		}
		EmergencyMode mode = reached.mode();
		if (!matrix.allows(actor, resource)) {
			return AccessDecision.deny("not readable by this profession (profession matrix)").inMode(mode);
		}
		if (resource.labels().contains(VisibilityLabels.MASKED_FROM_PROFESSIONALS) && !actor.isNamedBy(resource.authors())) {
			boolean shown = mode.isEmergency() && resource.patients().stream().allMatch(patient ->
					spaces.getOrDefault(patient, SpaceRules.NONE)
							.showsMaskedInEmergency(mode, emergencyDefaults.maskedDocuments(), now));
			if (!shown) {
				return AccessDecision.deny("masked from professionals (" + VisibilityLabels.MASKED_FROM_PROFESSIONALS + ")")
						.inMode(mode);
			}
		}
		return reached;
	}

	/**
	 * Can a professional or organization reach this resource of a space ({@code resource} null: the
	 * space as a whole)? Closed space and blocks first, then the care relationship, then an emergency.
	 */
	private AccessDecision reachSpace(Actor actor, SpaceRules space, ResourceFacts resource, Instant now) {
		if (space.closed()) {
			return AccessDecision.deny("the space is closed");
		}
		if (space.blocks(actor.keys(), resource, now)) {
			return AccessDecision.deny("blocked by the patient");
		}
		boolean cared = space.permits(actor.keys(), resource, now);
		EmergencyMode emergency = actor.emergency();
		if (emergency.isEmergency() && space.allowsEmergency(emergency, emergencyDefault(emergency), now)) {
			return AccessDecision.allowInEmergency(emergency);
		}
		if (cared) {
			return AccessDecision.allow("care relationship");
		}
		return emergency.isEmergency()
				? AccessDecision.deny("the patient refused emergency access (" + emergency.accessMode() + ")")
				: AccessDecision.deny("no care relationship with the patient");
	}

	private boolean emergencyDefault(EmergencyMode mode) {
		return mode == EmergencyMode.CENTRE_15 ? emergencyDefaults.centre15() : emergencyDefaults.breakTheGlass();
	}

	private static boolean hasDelegation(Actor actor, SpaceRules space, Instant now) {
		return space.rules().stream().anyMatch(rule -> rule.effect() == AccessRule.Effect.PERMIT
				&& rule.isActiveAt(now) && rule.isAbout(actor.keys()));
	}

	private static java.time.LocalDate today(Instant now) {
		return now.atZone(LEGAL_ZONE).toLocalDate();
	}
}
