package org.carnetsante.access;

/**
 * The policy's answer for one actor and one resource (or one space), with its reason, which goes to
 * the audit trail and so to the patient's access log.
 *
 * @param allowed whether the actor may see it
 * @param reason why, in a few words
 * @param mode the emergency under which it was allowed, if any
 */
public record AccessDecision(boolean allowed, String reason, EmergencyMode mode) {

	public static AccessDecision allow(String reason) {
		return new AccessDecision(true, reason, EmergencyMode.NONE);
	}

	public static AccessDecision allowInEmergency(EmergencyMode mode) {
		return new AccessDecision(true, "emergency access (" + mode.accessMode() + ")", mode);
	}

	public static AccessDecision deny(String reason) {
		return new AccessDecision(false, reason, EmergencyMode.NONE);
	}

	public AccessDecision inMode(EmergencyMode emergency) {
		return new AccessDecision(allowed, reason, emergency);
	}
}
