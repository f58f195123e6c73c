package org.carnetsante.access;

import java.util.Set;

/**
 * What the access policy needs to know of one resource, read once from it.
 *
 * @param type the FHIR resource type
 * @param id its relative, versionless id ({@code DocumentReference/12}), if stored
 * @param patients ids of the patients whose compartment it is in (empty: not patient data)
 * @param documentTypes JDV_J07 (LOINC) type codes of a document
 * @param labels TRE_A07 visibility codes among its security labels
 * @param authors keys naming who has an author's rights on it (see {@link ActorKeys}): a document's recorded
 *     sender, a subscription's maker
 */
public record ResourceFacts(
		String type, String id, Set<String> patients, Set<String> documentTypes, Set<String> labels, Set<String> authors) {

	public ResourceFacts {
		patients = Set.copyOf(patients);
		documentTypes = Set.copyOf(documentTypes);
		labels = Set.copyOf(labels);
		authors = Set.copyOf(authors);
	}

	public boolean isPatientData() {
		return !patients.isEmpty();
	}

	public boolean isDocument() {
		return "DocumentReference".equals(type);
	}
}
