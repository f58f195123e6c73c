package org.carnetsante.access;

import java.util.Optional;

/**
 * How a professional reaches a space: normally, or in an emergency declared in the token's purpose of
 * use. Codes of the access mode are those of TRE_R248 (ModeAcces); purposes are v3-ActReason codes.
 */
public enum EmergencyMode {
	NONE("normal", null),
	/** Break the glass: a professional with no care relationship facing an emergency. */
	BREAK_THE_GLASS("bris_de_glace", "BTG"),
	/** The regulating doctor of the SAMU (centre 15). */
	CENTRE_15("centre_15", "ETREAT");

	public static final String ACCESS_MODE_SYSTEM =
			"https://mos.esante.gouv.fr/NOS/TRE_R248-ModeAcces/FHIR/TRE-R248-ModeAcces";
	public static final String PURPOSE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

	private final String accessMode;
	private final String purposeOfUse;

	EmergencyMode(String accessMode, String purposeOfUse) {
		this.accessMode = accessMode;
		this.purposeOfUse = purposeOfUse;
	}

	/** TRE_R248 code: normal, bris_de_glace or centre_15. */
	public String accessMode() {
		return accessMode;
	}

	/** v3-ActReason code carried by tokens and Consents (BTG, ETREAT), empty for a normal access. */
	public Optional<String> purposeOfUse() {
		return Optional.ofNullable(purposeOfUse);
	}

	public boolean isEmergency() {
		return this != NONE;
	}

	/** The mode a token's purpose of use declares; anything else is a normal access. */
	public static EmergencyMode ofPurpose(String purposeOfUse) {
		for (EmergencyMode mode : values()) {
			if (mode.purposeOfUse != null && mode.purposeOfUse.equals(purposeOfUse)) {
				return mode;
			}
		}
		return NONE;
	}
}
