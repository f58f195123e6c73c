package org.carnetsante.access;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.carnetsante.access.AccessRule.Effect;
import org.carnetsante.access.AccessRule.Origin;

/**
 * Everything a patient decided about their space, as rules: whether it is open, whom they blocked or
 * permitted, who is in their care team, their emergency settings, their delegations.
 *
 * @param closed the space is closed ({@code Patient.active = false})
 * @param rules rules from the patient's Consents and care teams
 * @param representativesUntil the day the patient comes of age (18th birthday, {@code Patient.birthDate}):
 *     from then on legal representatives no longer reach the space; null if the birth date is unknown
 */
public record SpaceRules(boolean closed, List<AccessRule> rules, java.time.LocalDate representativesUntil) {

	public static final SpaceRules NONE = new SpaceRules(false, List.of());

	/** The age at which a person's legal representatives no longer act for them. */
	public static final int AGE_OF_MAJORITY = 18;

	public SpaceRules {
		rules = List.copyOf(rules);
	}

	public SpaceRules(boolean closed, List<AccessRule> rules) {
		this(closed, rules, null);
	}

	/** Whether the patient has come of age on this day: their legal representatives act for them no more. */
	public boolean cameOfAge(java.time.LocalDate today) {
		return representativesUntil != null && !today.isBefore(representativesUntil);
	}

	/** A Consent denies this caller this resource (the whole space when {@code resource} is null). */
	public boolean blocks(Set<String> callerKeys, ResourceFacts resource, Instant now) {
		for (AccessRule rule : rules) {
			if (rule.origin() == Origin.CONSENT && !isEmergencySetting(rule) && rule.isActiveAt(now)
					&& rule.isAbout(callerKeys) && rule.effectOn(resource) == Effect.DENY) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The caller may reach this resource outside an emergency: a care team names it (presumed consent
	 * of the informed patient) or a Consent permits it, for a non-emergency purpose.
	 */
	public boolean permits(Set<String> callerKeys, ResourceFacts resource, Instant now) {
		for (AccessRule rule : rules) {
			if (!isEmergencySetting(rule) && rule.isActiveAt(now) && rule.isAbout(callerKeys)
					&& rule.effectOn(resource) == Effect.PERMIT) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A permit in force about the caller grants this action ({@code system|code} of its {@code provision.action}) on
	 * this resource: what a delegation lets a delegate do beyond reading.
	 */
	public boolean grants(Set<String> callerKeys, String action, ResourceFacts resource, Instant now) {
		for (AccessRule rule : rules) {
			if (rule.origin() == Origin.CONSENT && rule.effect() == Effect.PERMIT && !isEmergencySetting(rule)
					&& rule.isActiveAt(now) && rule.isAbout(callerKeys) && rule.actions().contains(action)
					&& rule.effectOn(resource) == Effect.PERMIT) {
				return true;
			}
		}
		return false;
	}

	/** The patient's setting for an emergency mode (who may open the space), else the default. */
	public boolean allowsEmergency(EmergencyMode mode, boolean byDefault, Instant now) {
		return emergencySetting(mode, false, now).orElse(byDefault);
	}

	/** The patient's setting on showing masked documents in an emergency mode, else the default. */
	public boolean showsMaskedInEmergency(EmergencyMode mode, boolean byDefault, Instant now) {
		return emergencySetting(mode, true, now).orElse(byDefault);
	}

	/**
	 * An emergency setting is a Consent provision with no actor and an emergency purpose; with the
	 * MASQUE_PS label it is about masked documents, without it about opening the space. Should the
	 * patient's Consents contradict each other, the refusal wins.
	 */
	private Optional<Boolean> emergencySetting(EmergencyMode mode, boolean aboutMasked, Instant now) {
		String purpose = mode.purposeOfUse().orElse(null);
		Optional<Boolean> setting = Optional.empty();
		for (AccessRule rule : rules) {
			if (isEmergencySetting(rule) && rule.purposes().contains(purpose) && rule.isActiveAt(now)
					&& aboutMasked == rule.criteria().labels().contains(VisibilityLabels.MASKED_FROM_PROFESSIONALS)) {
				if (rule.effect() == Effect.DENY) {
					return Optional.of(false);
				}
				setting = Optional.of(true);
			}
		}
		return setting;
	}

	private static boolean isEmergencySetting(AccessRule rule) {
		return rule.origin() == Origin.CONSENT && rule.actors().isEmpty()
				&& rule.purposes().stream().anyMatch(purpose -> !EmergencyMode.ofPurpose(purpose).equals(EmergencyMode.NONE));
	}
}
