package org.carnetsante.space;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;

/**
 * One person of the insured registry, as a provisioning line describes them (checked by
 * {@link RegistryReader}).
 *
 * @param number the line's number in the file, from 1 (a CSV header is line 1)
 * @param insSystem the INS's identifier system (real, test or demo OID)
 * @param nir the INS matricule (NIR and key)
 * @param family official family name
 * @param given official given names
 * @param birthDate birth date
 * @param sex FHIR administrative gender: female, male, other, unknown
 * @param email where the information notice is e-mailed, if known
 * @param postalAddress where it is posted otherwise
 * @param representatives the INS matricules of a minor's legal representatives
 */
record RegistryLine(long number, String insSystem, String nir, String family, String given, LocalDate birthDate, String sex,
		String email, String postalAddress, List<String> representatives) {

	/** The registry's key: the INS as {@code system|value}, as {@code carnet_space_ins} keys it. */
	String ins() {
		return insSystem + "|" + nir;
	}

	/** A digest of what the line says: a line run again that says the same changes nothing. */
	String contentHash() {
		String content = String.join("\u001f", insSystem, nir, family, given, birthDate.toString(), sex,
				email == null ? "" : email, postalAddress == null ? "" : postalAddress, String.join(";", representatives));
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
		}
	}
}
