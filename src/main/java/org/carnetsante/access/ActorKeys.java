package org.carnetsante.access;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * One way to name a person or an organization, whatever way a token, a Consent, a CareTeam or a
 * document's author names them: a relative reference ({@code Practitioner/z}), a professional's
 * national id ({@code ps:810…}) or an organization's national id ({@code org:175…}). A caller is the
 * actor of a rule when they share a key.
 */
public final class ActorKeys {

	/** National identifiers of health professionals (idNat: 8 + RPPS, 0 + ADELI). */
	public static final String PROFESSIONAL_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1";
	/** National identifiers of organizations (idNat: 1 + FINESS, 3 + SIRET…). */
	public static final String ORGANIZATION_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2";

	private ActorKeys() {}

	public static String professional(String idNat) {
		return "ps:" + idNat;
	}

	public static String organization(String idNat) {
		return "org:" + idNat;
	}

	/** The keys a reference names: its target (relative, versionless) and its logical identifier. */
	public static Set<String> of(Reference reference) {
		Set<String> keys = new LinkedHashSet<>();
		if (reference == null) {
			return keys;
		}
		if (reference.hasReference() && reference.getReferenceElement().hasIdPart()
				&& reference.getReferenceElement().hasResourceType()) {
			keys.add(reference.getReferenceElement().toUnqualifiedVersionless().getValue());
		}
		if (reference.hasIdentifier()) {
			keyOf(reference.getIdentifier()).ifPresent(keys::add);
		}
		return keys;
	}

	/** The key of a national identifier, if it is one. */
	public static Optional<String> keyOf(Identifier identifier) {
		if (identifier == null || !identifier.hasValue()) {
			return Optional.empty();
		}
		if (PROFESSIONAL_ID_SYSTEM.equals(identifier.getSystem())) {
			return Optional.of(professional(identifier.getValue()));
		}
		if (ORGANIZATION_ID_SYSTEM.equals(identifier.getSystem())) {
			return Optional.of(organization(identifier.getValue()));
		}
		return Optional.empty();
	}
}
