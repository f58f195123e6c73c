package org.carnetsante.space;

import java.time.LocalDate;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks a registry line's INS passes before it becomes a person of the registry: the shape the
 * profile {@code carnet-patient-ins} requires of an INS matricule (its invariant {@code carnet-nir-format}),
 * then what the profile cannot say and a national registry must hold: the NIR's control key
 * (97 − NIR mod 97, Corsica's 2A and 2B counted as 19 and 18) and its agreement with the declared sex
 * (first digit odd: male, even: female) and year of birth (third and fourth digits). Pure and fast: the
 * provisioning checks a million lines with it without building a FHIR resource each.
 */
final class InsCheck {

	/** The profile's {@code carnet-nir-format}: 13 characters of NIR and 2 of key. */
	private static final Pattern NIR = Pattern.compile("^[1-8][0-9]{4}([0-9]{2}|2[AB])[0-9]{8}$");

	private InsCheck() {
	}

	/** Why this INS cannot identify the person described, if it cannot. */
	static Optional<String> problem(String nir, String sex, LocalDate birthDate) {
		if (nir == null || !NIR.matcher(nir).matches()) {
			return Optional.of("the INS is not 15 characters of NIR and key (profile carnet-patient-ins, carnet-nir-format)");
		}
		if (key(nir.substring(0, 13)) != Integer.parseInt(nir.substring(13))) {
			return Optional.of("the INS's control key does not match its NIR");
		}
		int first = nir.charAt(0) - '0';
		boolean male = first % 2 == 1;
		if (("male".equals(sex) && !male) || ("female".equals(sex) && male)) {
			return Optional.of("the sex does not match the INS (its first digit)");
		}
		if (birthDate != null && Integer.parseInt(nir.substring(1, 3)) != birthDate.getYear() % 100) {
			return Optional.of("the birth date's year does not match the INS (its digits 2 and 3)");
		}
		return Optional.empty();
	}

	/** The control key of a 13-character NIR. */
	static int key(String nir13) {
		String digits = nir13.replace("2A", "19").replace("2B", "18");
		return (int) (97 - Long.parseLong(digits) % 97);
	}
}
