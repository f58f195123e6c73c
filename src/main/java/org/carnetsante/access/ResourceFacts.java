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
 *     sender, a subscription's maker, a message's sender
 * @param participants keys naming who takes part in it as more than a member of the space: a message's sender
 *     and recipients ({@link MessageFacts}), an appointment's participants and booker ({@link AppointmentFacts})
 */
public record ResourceFacts(
		String type, String id, Set<String> patients, Set<String> documentTypes, Set<String> labels, Set<String> authors,
		Set<String> participants) {

	public ResourceFacts {
		patients = Set.copyOf(patients);
		documentTypes = Set.copyOf(documentTypes);
		labels = Set.copyOf(labels);
		authors = Set.copyOf(authors);
		participants = Set.copyOf(participants);
	}

	/** Facts of a resource nobody takes part in beyond its authors (everything but messages). */
	public ResourceFacts(
			String type, String id, Set<String> patients, Set<String> documentTypes, Set<String> labels, Set<String> authors) {
		this(type, id, patients, documentTypes, labels, authors, Set.of());
	}

	public boolean isMessage() {
		return "Communication".equals(type);
	}

	public boolean isAppointment() {
		return "Appointment".equals(type);
	}

	public boolean isPatientData() {
		return !patients.isEmpty();
	}

	public boolean isDocument() {
		return "DocumentReference".equals(type);
	}
}
