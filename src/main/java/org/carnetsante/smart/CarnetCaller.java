package org.carnetsante.smart;

import java.util.List;

/**
 * Who is calling, as the rest of Carnet sees it: built once per request from the bearer token and
 * read by the scope check and the access policy. Nothing downstream looks at the token.
 *
 * @param subject the token's {@code sub}
 * @param kind patient, representative, professional or system
 * @param clientId the OAuth client the token was issued to
 * @param fhirUser {@code Patient/x}, {@code RelatedPerson/y} or {@code Practitioner/z}, if a user
 * @param patient the patient whose space the token is for ({@code patient} launch context), if any
 * @param relationship how the user relates to that space (themself, legal representative, delegate)
 * @param scopes the SMART resource scopes granted
 * @param profession TRE_G15 profession code of a professional
 * @param specialty TRE_R38 specialty code of a professional
 * @param idNat national identifier of a professional
 * @param organization national identifier of the organization the caller acts for
 * @param organizationSector TRE_R02 sector of that organization (SA01 hospital, SA24 insurer…)
 * @param purposeOfUse {@code BTG} or {@code ETREAT} in an emergency, else empty
 * @param name display name of the user or of the client, for the patient's access log
 */
public record CarnetCaller(
		String subject,
		Kind kind,
		String clientId,
		String fhirUser,
		String patient,
		SpaceRelationship relationship,
		List<SmartScope> scopes,
		String profession,
		String specialty,
		String idNat,
		String organization,
		String organizationSector,
		String purposeOfUse,
		String name) {

	public enum Kind {
		PATIENT,
		REPRESENTATIVE,
		PROFESSIONAL,
		SYSTEM
	}

	/** How a person relates to the space their token opens ({@code patient} context). */
	public enum SpaceRelationship {
		/** Their own space. */
		SELF,
		/** A minor's space, opened by a parent (legal representative). */
		LEGAL_REPRESENTATIVE,
		/** A relative's space, opened within the access that person delegated. */
		DELEGATE
	}
}
