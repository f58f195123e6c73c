package org.carnetsante.smart;

import java.util.List;

/**
 * Who is calling, as the rest of Carnet sees it: built once per request from the bearer token and
 * read by the scope check and, later, the access policy. Nothing downstream looks at the token.
 *
 * @param subject the token's {@code sub}
 * @param kind patient, representative, professional or system
 * @param clientId the OAuth client the token was issued to
 * @param fhirUser {@code Patient/x}, {@code RelatedPerson/y} or {@code Practitioner/z}, if a user
 * @param patient the patient whose space the token is for ({@code patient} launch context), if any
 * @param scopes the SMART resource scopes granted
 * @param profession TRE_G15 profession code of a professional
 * @param specialty TRE_R38 specialty code of a professional
 * @param idNat national identifier of a professional (or of the organization for a system)
 * @param organization organization the caller acts for
 * @param purposeOfUse {@code BTG} or {@code ETREAT} in an emergency, else empty
 */
public record CarnetCaller(
		String subject,
		Kind kind,
		String clientId,
		String fhirUser,
		String patient,
		List<SmartScope> scopes,
		String profession,
		String specialty,
		String idNat,
		String organization,
		String purposeOfUse) {

	public enum Kind {
		PATIENT,
		REPRESENTATIVE,
		PROFESSIONAL,
		SYSTEM
	}
}
