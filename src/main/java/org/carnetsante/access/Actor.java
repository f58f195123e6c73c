package org.carnetsante.access;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.carnetsante.smart.CarnetCaller;

/**
 * The caller as the access policy sees it: which role it plays towards patients' spaces, the keys
 * that name it in Consents, care teams and documents, and what the profession matrix needs.
 *
 * @param role what the caller is to the space it reaches
 * @param patient the space a patient-side caller is confined to (its {@code patient} context)
 * @param keys references and national ids naming the caller (see {@link ActorKeys})
 * @param profession TRE_G15 profession of a professional
 * @param specialty TRE_R38 specialty of a professional
 * @param sector TRE_R02 sector of the organization the caller acts for
 * @param emergency the emergency the token declares (professionals only)
 * @param refusal why a {@link Role#REFUSED} caller gets nothing
 */
public record Actor(
		Role role,
		String patient,
		Set<String> keys,
		String profession,
		String specialty,
		String sector,
		EmergencyMode emergency,
		String refusal) {

	public enum Role {
		/** The holder of the space. */
		PATIENT,
		/** A parent opening a minor's space. */
		LEGAL_REPRESENTATIVE,
		/** A relative opening a space within the access its holder delegated. */
		DELEGATE,
		PROFESSIONAL,
		/** An organization's system (hospital, laboratory, pharmacy) registered with its sector. */
		CARE_ORGANIZATION,
		/** Anyone else: insurers, social-security bodies, systems with no registered organization. */
		REFUSED;

		/** The patient or someone acting for them: confined to one space, by their token. */
		public boolean isPatientSide() {
			return this == PATIENT || this == LEGAL_REPRESENTATIVE || this == DELEGATE;
		}

		/** A professional or an organization: reaches spaces through care relationships. */
		public boolean isCareSide() {
			return this == PROFESSIONAL || this == CARE_ORGANIZATION;
		}
	}

	/** The actor a token's caller is, given the sectors that are never let in. */
	public static Actor of(CarnetCaller caller, Set<String> refusedSectors) {
		Set<String> keys = new LinkedHashSet<>();
		Optional.ofNullable(caller.fhirUser()).ifPresent(keys::add);
		if (caller.idNat() != null && caller.kind() == CarnetCaller.Kind.PROFESSIONAL) {
			keys.add(ActorKeys.professional(caller.idNat()));
		}
		if (caller.organization() != null) {
			keys.add(ActorKeys.organization(caller.organization()));
		}
		Set<String> named = Set.copyOf(keys);
		String sector = caller.organizationSector();
		if (sector != null && refusedSectors.contains(sector)) {
			return refused(named, sector, "organizations of sector " + sector
					+ " (insurers, social-security bodies) never reach patients' spaces");
		}
		return switch (caller.kind()) {
			case PATIENT -> patientSide(Role.PATIENT, ownPatient(caller), named, sector);
			case REPRESENTATIVE -> patientSide(
					caller.relationship() == CarnetCaller.SpaceRelationship.LEGAL_REPRESENTATIVE
							? Role.LEGAL_REPRESENTATIVE : Role.DELEGATE,
					caller.patient(), named, sector);
			case PROFESSIONAL -> new Actor(Role.PROFESSIONAL, null, named, caller.profession(), caller.specialty(),
					sector, EmergencyMode.ofPurpose(caller.purposeOfUse()), null);
			case SYSTEM -> caller.organization() == null || sector == null
					? refused(named, sector, "a system reaches patients' spaces only for a registered care organization"
							+ " (organization and sector)")
					: new Actor(Role.CARE_ORGANIZATION, null, named, null, null, sector, EmergencyMode.NONE, null);
		};
	}

	private static Actor patientSide(Role role, String patient, Set<String> keys, String sector) {
		if (patient == null) {
			return refused(keys, sector, "a patient-side token must name the space it opens");
		}
		return new Actor(role, patient, keys, null, null, sector, EmergencyMode.NONE, null);
	}

	private static Actor refused(Set<String> keys, String sector, String why) {
		return new Actor(Role.REFUSED, null, keys, null, null, sector, EmergencyMode.NONE, why);
	}

	/** The patient's own space: the launch context, else the patient the token's user is. */
	private static String ownPatient(CarnetCaller caller) {
		if (caller.patient() != null) {
			return caller.patient();
		}
		return caller.fhirUser() != null && caller.fhirUser().startsWith("Patient/")
				? caller.fhirUser().substring("Patient/".length()) : null;
	}

	/** The patient or their legal representative, for this space (what only the space's holders do). */
	public boolean holdsSpace(String patientId) {
		return (role == Role.PATIENT || role == Role.LEGAL_REPRESENTATIVE) && patientId.equals(patient);
	}

	public boolean isNamedBy(Set<String> otherKeys) {
		for (String key : otherKeys) {
			if (keys.contains(key)) {
				return true;
			}
		}
		return false;
	}
}
