package org.carnetsante.access;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One rule of a patient's space, derived from a resource the patient (or a professional, for a care
 * relationship) wrote: a Consent provision or a CareTeam membership.
 *
 * @param origin what the rule was derived from
 * @param effect permit or deny
 * @param actors keys of those it is about; empty: everyone (the emergency settings)
 * @param purposes v3-ActReason purposes it is limited to (ETREAT, BTG, TREAT…); empty: any
 * @param criteria the resources it covers; empty criteria: the whole space
 * @param startMillis start of its period (epoch milliseconds), or null
 * @param endMillis end of its period (epoch milliseconds), or null
 * @param exceptions nested provisions: resources matching them get the opposite effect
 * @param actions {@code provision.action} codes ({@code system|code}) of a permit: what it lets its actors do beyond
 *     reading, such as a delegate's replying to messages ({@link #REPLY_TO_MESSAGES})
 */
public record AccessRule(
		Origin origin,
		Effect effect,
		Set<String> actors,
		Set<String> purposes,
		Criteria criteria,
		Long startMillis,
		Long endMillis,
		List<Exception> exceptions,
		Set<String> actions) {

	/** A delegation that says so lets the delegate reply to messages in the space (issue 14). */
	public static final String DELEGATION_RIGHTS = "https://carnet.example/ig/CodeSystem/delegation-right";
	public static final String REPLY_TO_MESSAGES = DELEGATION_RIGHTS + "|reply-to-messages";
	/** A delegate may manage the space's settings that are not consents: its notification preferences. */
	public static final String MANAGE_SETTINGS = DELEGATION_RIGHTS + "|manage-settings";

	public enum Origin {
		CONSENT,
		CARE_TEAM
	}

	public enum Effect {
		PERMIT,
		DENY
	}

	public AccessRule {
		actors = actors == null ? Set.of() : Set.copyOf(actors);
		purposes = purposes == null ? Set.of() : Set.copyOf(purposes);
		criteria = criteria == null ? Criteria.EVERYTHING : criteria;
		exceptions = exceptions == null ? List.of() : List.copyOf(exceptions);
		actions = actions == null ? Set.of() : Set.copyOf(actions);
	}

	/** A rule that grants no action beyond what its effect says. */
	public AccessRule(Origin origin, Effect effect, Set<String> actors, Set<String> purposes, Criteria criteria, Long startMillis,
			Long endMillis, List<Exception> exceptions) {
		this(origin, effect, actors, purposes, criteria, startMillis, endMillis, exceptions, Set.of());
	}

	/**
	 * Which resources a rule or an exception covers (FHIR Consent's provision criteria).
	 *
	 * @param resourceTypes {@code provision.class}: FHIR resource types
	 * @param documentTypes {@code provision.code}: document type codes
	 * @param labels {@code provision.securityLabel}: TRE_A07 visibility codes
	 * @param resources {@code provision.data}: specific resources ({@code DocumentReference/12})
	 */
	public record Criteria(Set<String> resourceTypes, Set<String> documentTypes, Set<String> labels, Set<String> resources) {

		public static final Criteria EVERYTHING = new Criteria(Set.of(), Set.of(), Set.of(), Set.of());

		public Criteria {
			resourceTypes = resourceTypes == null ? Set.of() : Set.copyOf(resourceTypes);
			documentTypes = documentTypes == null ? Set.of() : Set.copyOf(documentTypes);
			labels = labels == null ? Set.of() : Set.copyOf(labels);
			resources = resources == null ? Set.of() : Set.copyOf(resources);
		}

		public boolean coversEverything() {
			return resourceTypes.isEmpty() && documentTypes.isEmpty() && labels.isEmpty() && resources.isEmpty();
		}

		/** Every criterion given must hold (FHIR: provision criteria combine with AND). */
		public boolean covers(ResourceFacts resource) {
			return (resourceTypes.isEmpty() || resourceTypes.contains(resource.type()))
					&& (documentTypes.isEmpty() || intersects(documentTypes, resource.documentTypes()))
					&& (labels.isEmpty() || intersects(labels, resource.labels()))
					&& (resources.isEmpty() || (resource.id() != null && resources.contains(resource.id())));
		}

		private static boolean intersects(Set<String> wanted, Set<String> present) {
			for (String value : present) {
				if (wanted.contains(value)) {
					return true;
				}
			}
			return false;
		}
	}

	/** A nested provision: for the resources it covers, the opposite of the rule's effect. */
	public record Exception(Effect effect, Criteria criteria) {}

	public boolean isActiveAt(Instant now) {
		long millis = now.toEpochMilli();
		return (startMillis == null || startMillis <= millis) && (endMillis == null || millis <= endMillis);
	}

	/** Whether the rule names an actor, and this one shares a key with the given caller's keys. */
	public boolean isAbout(Set<String> callerKeys) {
		for (String key : callerKeys) {
			if (actors.contains(key)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The rule's effect on a resource: its own effect for the resources its criteria cover, the
	 * exception's for those an exception covers, none (null) for the others. A null resource stands for
	 * the space as a whole: only a rule without criteria or exceptions decides for it.
	 */
	public Effect effectOn(ResourceFacts resource) {
		if (resource == null) {
			return criteria.coversEverything() && exceptions.isEmpty() ? effect : null;
		}
		if (!criteria.covers(resource)) {
			return null;
		}
		for (Exception exception : exceptions) {
			if (exception.criteria().covers(resource)) {
				return exception.effect();
			}
		}
		return effect;
	}
}
