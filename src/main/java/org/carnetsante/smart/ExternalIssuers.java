package org.carnetsante.smart;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code carnet.smart.external-issuers[*]}: OIDC issuers besides the embedded one whose access tokens
 * {@code /fhir} accepts (Keycloak, Pro Santé Connect…). Each is trusted only for its own {@code iss}:
 * its keys come from its JWKS, its tokens must name the audience configured here, and its claims are
 * read under the names configured here.
 */
@ConfigurationProperties("carnet.smart")
public record ExternalIssuers(List<Issuer> externalIssuers) {

	public ExternalIssuers {
		externalIssuers = externalIssuers == null ? List.of() : List.copyOf(externalIssuers);
	}

	/**
	 * @param issuer the exact {@code iss} of its tokens
	 * @param jwkSetUri where its signing keys are published
	 * @param audience the {@code aud} its tokens must carry to be accepted here
	 * @param claims names of its claims (unset names: the embedded issuer's names)
	 */
	public record Issuer(String issuer, String jwkSetUri, String audience, ClaimOverrides claims) {

		public Issuer {
			claims = claims == null ? new ClaimOverrides(null, null, null, null, null, null, null, null, null, null, null, null) : claims;
		}
	}

	/** Per-issuer claim names; each one left empty falls back to {@code carnet.smart.claims}. */
	public record ClaimOverrides(
			String scope,
			String fhirUser,
			String patient,
			String profession,
			String specialty,
			String idNat,
			String organization,
			String purposeOfUse,
			String clientId,
			String relationship,
			String sector,
			String name) {

		TokenClaimNames over(TokenClaimNames defaults) {
			return new TokenClaimNames(
					or(scope, defaults.scope()),
					or(fhirUser, defaults.fhirUser()),
					or(patient, defaults.patient()),
					or(profession, defaults.profession()),
					or(specialty, defaults.specialty()),
					or(idNat, defaults.idNat()),
					or(organization, defaults.organization()),
					or(purposeOfUse, defaults.purposeOfUse()),
					or(clientId, defaults.clientId()),
					or(relationship, defaults.relationship()),
					or(sector, defaults.sector()),
					or(name, defaults.name()));
		}

		private static String or(String value, String fallback) {
			return value == null || value.isBlank() ? fallback : value;
		}
	}
}
