package org.carnetsante.access;

import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.carnetsante.access.AccessRule.Criteria;
import org.carnetsante.access.AccessRule.Effect;
import org.carnetsante.access.AccessRule.Origin;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

/**
 * Turns the resources that state a space's rules into {@link AccessRule}s: a patient's active Consents
 * (Carnet's consent model, design.md §3 "Consent"), the care teams that name professionals or
 * organizations (a care relationship), and the Patient itself (a closed space).
 */
public class SpaceRuleSources {

	/** The rules one resource states for one space. */
	public record Derived(String source, String patient, boolean closesSpace, List<AccessRule> rules,
			java.time.LocalDate representativesUntil) {

		public Derived(String source, String patient, boolean closesSpace, List<AccessRule> rules) {
			this(source, patient, closesSpace, rules, null);
		}
	}

	/**
	 * More keys for an actor a rule names by reference: the national id of the Practitioner or
	 * Organization it points to, so that tokens naming the actor only by national id match.
	 */
	private final Function<String, Set<String>> nationalIdsOf;

	public SpaceRuleSources(Function<String, Set<String>> nationalIdsOf) {
		this.nationalIdsOf = nationalIdsOf;
	}

	/** Whether this type of resource can state rules. */
	public static boolean statesRules(String resourceType) {
		return "Consent".equals(resourceType) || "CareTeam".equals(resourceType) || "Patient".equals(resourceType);
	}

	/** The rules a resource states, if it is of a type that states any and concerns a patient. */
	public Optional<Derived> derive(IBaseResource resource) {
		String source = resource.getIdElement().toUnqualifiedVersionless().getValue();
		if (resource instanceof Consent consent && consent.getPatient().getReferenceElement().hasIdPart()) {
			return Optional.of(new Derived(source, consent.getPatient().getReferenceElement().getIdPart(), false,
					consent.getStatus() == Consent.ConsentState.ACTIVE && consent.hasProvision()
							? List.of(ruleOf(consent.getProvision())) : List.of()));
		}
		if (resource instanceof CareTeam team && team.getSubject().getReferenceElement().hasIdPart()
				&& "Patient".equals(team.getSubject().getReferenceElement().getResourceType())) {
			return Optional.of(new Derived(source, team.getSubject().getReferenceElement().getIdPart(), false,
					team.getStatus() == CareTeam.CareTeamStatus.ACTIVE ? membersOf(team) : List.of()));
		}
		if (resource instanceof Patient patient && patient.getIdElement().hasIdPart()) {
			boolean closed = patient.hasActive() && !patient.getActive();
			// A birth date known to the day tells when legal representatives stop acting for the patient.
			java.time.LocalDate comingOfAge = patient.hasBirthDate()
					&& patient.getBirthDateElement().getPrecision() == ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY
					? java.time.LocalDate.parse(patient.getBirthDateElement().getValueAsString()).plusYears(SpaceRules.AGE_OF_MAJORITY)
					: null;
			return Optional.of(new Derived(source, patient.getIdElement().getIdPart(), closed, List.of(), comingOfAge));
		}
		return Optional.empty();
	}

	private AccessRule ruleOf(Consent.ProvisionComponent provision) {
		Set<String> actors = new HashSet<>();
		for (Consent.provisionActorComponent actor : provision.getActor()) {
			actors.addAll(keysOf(actor.getReference()));
		}
		Set<String> purposes = new HashSet<>();
		provision.getPurpose().stream().filter(Coding::hasCode).forEach(purpose -> purposes.add(purpose.getCode()));
		List<AccessRule.Exception> exceptions = new ArrayList<>();
		for (Consent.ProvisionComponent nested : provision.getProvision()) {
			exceptions.add(new AccessRule.Exception(effectOf(nested), criteriaOf(nested)));
		}
		Set<String> actions = new HashSet<>();
		provision.getAction().forEach(action -> action.getCoding().stream().filter(Coding::hasCode)
				.forEach(coding -> actions.add(coding.getSystem() + "|" + coding.getCode())));
		return new AccessRule(Origin.CONSENT, effectOf(provision), actors, purposes, criteriaOf(provision),
				start(provision.getPeriod()), end(provision.getPeriod()), exceptions, actions);
	}

	private static Effect effectOf(Consent.ProvisionComponent provision) {
		return provision.getType() == Consent.ConsentProvisionType.PERMIT ? Effect.PERMIT : Effect.DENY;
	}

	private static Criteria criteriaOf(Consent.ProvisionComponent provision) {
		Set<String> resourceTypes = new HashSet<>();
		provision.getClass_().stream().filter(Coding::hasCode).forEach(type -> resourceTypes.add(type.getCode()));
		Set<String> documentTypes = new HashSet<>();
		for (CodeableConcept code : provision.getCode()) {
			code.getCoding().stream().filter(Coding::hasCode).forEach(coding -> documentTypes.add(coding.getCode()));
		}
		Set<String> labels = new HashSet<>();
		provision.getSecurityLabel().stream()
				.filter(label -> VisibilityLabels.SYSTEM.equals(label.getSystem()) && label.hasCode())
				.forEach(label -> labels.add(label.getCode()));
		Set<String> resources = new HashSet<>();
		for (Consent.provisionDataComponent data : provision.getData()) {
			if (data.getReference().getReferenceElement().hasIdPart()) {
				resources.add(data.getReference().getReferenceElement().toUnqualifiedVersionless().getValue());
			}
		}
		return new Criteria(resourceTypes, documentTypes, labels, resources);
	}

	/** One permit per member a care team names, over the team's and the membership's periods. */
	private List<AccessRule> membersOf(CareTeam team) {
		List<AccessRule> rules = new ArrayList<>();
		for (CareTeam.CareTeamParticipantComponent participant : team.getParticipant()) {
			Set<String> actors = new HashSet<>(keysOf(participant.getMember()));
			actors.addAll(keysOf(participant.getOnBehalfOf()));
			actors.removeIf(key -> key.startsWith("Patient/") || key.startsWith("RelatedPerson/"));
			if (actors.isEmpty()) {
				continue;
			}
			rules.add(new AccessRule(Origin.CARE_TEAM, Effect.PERMIT, actors, Set.of(), Criteria.EVERYTHING,
					latest(start(team.getPeriod()), start(participant.getPeriod())),
					earliest(end(team.getPeriod()), end(participant.getPeriod())), List.of()));
		}
		return rules;
	}

	private Set<String> keysOf(Reference reference) {
		Set<String> keys = new HashSet<>(ActorKeys.of(reference));
		for (String key : Set.copyOf(keys)) {
			if (key.startsWith("Practitioner/") || key.startsWith("Organization/")) {
				keys.addAll(nationalIdsOf.apply(key));
			}
		}
		return keys;
	}

	private static Long start(Period period) {
		return period != null && period.hasStart() ? period.getStart().getTime() : null;
	}

	/** The end of a period; a date without time covers that whole day. */
	private static Long end(Period period) {
		if (period == null || !period.hasEnd()) {
			return null;
		}
		return period.getEndElement().getPrecision().ordinal() <= ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY.ordinal()
				? period.getEnd().getTime() + TimeUnit.DAYS.toMillis(1) - 1
				: period.getEnd().getTime();
	}

	private static Long latest(Long first, Long second) {
		if (first == null || second == null) {
			return first == null ? second : first;
		}
		return Long.valueOf(Math.max(first, second));
	}

	private static Long earliest(Long first, Long second) {
		if (first == null || second == null) {
			return first == null ? second : first;
		}
		return Long.valueOf(Math.min(first, second));
	}
}
