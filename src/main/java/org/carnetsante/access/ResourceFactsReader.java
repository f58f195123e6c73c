package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DocumentReference;

/**
 * Reads the {@link ResourceFacts} of a resource: the patients it concerns (FHIR's Patient
 * compartment, as HAPI's terser resolves it), a document's types and author (its recorded sender,
 * {@link RecordedSender}), its visibility labels, a message's sender and recipients ({@link MessageFacts}).
 */
public class ResourceFactsReader {

	private static final String PATIENT = "Patient";

	private final FhirContext fhirContext;

	public ResourceFactsReader(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	public ResourceFacts read(IBaseResource resource) {
		String type = fhirContext.getResourceType(resource);
		IIdType id = resource.getIdElement();
		String relativeId = id != null && id.hasIdPart() ? type + "/" + id.getIdPart() : null;
		Set<String> documentTypes = new HashSet<>();
		Set<String> authors = new HashSet<>();
		Set<String> participants = new HashSet<>();
		Set<String> labels = VisibilityLabels.of(resource);
		if (resource instanceof org.hl7.fhir.r4.model.Subscription subscription) {
			// Its "author" is the person who made it: only they see it.
			SubscriptionOwners.of(subscription).ifPresent(owner -> authors.addAll(owner.keys()));
		}
		if (resource instanceof DocumentReference document) {
			for (Coding coding : document.getType().getCoding()) {
				if (coding.hasCode()) {
					documentTypes.add(coding.getCode());
				}
			}
			// The author's rights follow the sender Carnet recorded, never the author the sender declared.
			authors.addAll(RecordedSender.keysOf(document));
		}
		if (resource instanceof org.hl7.fhir.r4.model.Appointment appointment) {
			authors.addAll(AppointmentFacts.bookerKeys(appointment));
			participants.addAll(AppointmentFacts.participantKeys(appointment));
		}
		if (resource instanceof Communication message) {
			authors.addAll(MessageFacts.senderKeys(message));
			participants.addAll(MessageFacts.participantKeys(message));
			if (MessageFacts.removedFromPatientView(message)) {
				labels = new HashSet<>(labels);
				labels.add(MessageFacts.REMOVED_FROM_PATIENT_VIEW);
			}
		}
		return new ResourceFacts(type, relativeId, patientsOf(type, resource), documentTypes, labels, authors, participants);
	}

	private Set<String> patientsOf(String type, IBaseResource resource) {
		Set<String> patients = new HashSet<>();
		if (PATIENT.equals(type)) {
			if (resource.getIdElement() != null && resource.getIdElement().hasIdPart()) {
				patients.add(resource.getIdElement().getIdPart());
			}
			return patients;
		}
		if (resource instanceof org.hl7.fhir.r4.model.Subscription subscription) {
			// A subscription is part of its owner's space.
			SubscriptionOwners.patientOf(subscription).ifPresent(patients::add);
			return patients;
		}
		RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(resource);
		if (definition.getSearchParamsForCompartmentName(PATIENT).isEmpty()) {
			return patients;
		}
		for (IIdType owner : fhirContext.newTerser().getCompartmentOwnersForResource(PATIENT, resource, (Set<String>) null)) {
			// A contained Patient ("#p1") is part of the resource, not a space of its own.
			if (owner.hasIdPart() && !owner.isLocal() && !owner.getValue().startsWith("#")) {
				patients.add(owner.getIdPart());
			}
		}
		return patients;
	}
}
