package org.carnetsante.access;

import java.util.Set;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who sent a document, as Carnet recorded it from the sender's token (design.md §2: "who sent it is who
 * wrote it"): an extension of the DocumentReference that Carnet sets when the document is stored and
 * that nobody changes afterwards. The rights of a document's author (seeing it while it is masked from
 * professionals, deleting it, changing its status or labels, replacing it) follow the recorded sender,
 * never the {@code author} the sender declared: a sender naming another professional as author gains
 * nothing from it. The declared author stays what the document says about who wrote it.
 */
public final class RecordedSender {

	/** The extension (profile {@code document-sender} of the implementation guide). */
	public static final String EXTENSION = "https://carnet.example/ig/StructureDefinition/document-sender";

	private RecordedSender() {}

	/** The keys naming the recorded sender (none for a document Carnet stored without one). */
	public static Set<String> keysOf(DocumentReference document) {
		Extension sender = document.getExtensionByUrl(EXTENSION);
		return sender != null && sender.getValue() instanceof Reference reference ? ActorKeys.of(reference) : Set.of();
	}

	/** Records the caller as the sender, replacing whatever the request carried in its place. */
	public static void record(DocumentReference document, CarnetCaller caller) {
		record(document, referenceTo(caller));
	}

	/** Records a sender (Carnet's own writes, the backfill of documents stored before senders were recorded). */
	public static void record(DocumentReference document, Reference sender) {
		document.getExtension().removeIf(extension -> EXTENSION.equals(extension.getUrl()));
		document.addExtension(EXTENSION, sender);
	}

	/** Keeps the sender recorded on the stored version, whatever the update carries. */
	public static void keep(DocumentReference stored, DocumentReference updated) {
		updated.getExtension().removeIf(extension -> EXTENSION.equals(extension.getUrl()));
		Extension sender = stored.getExtensionByUrl(EXTENSION);
		if (sender != null) {
			updated.addExtension(sender.copy());
		}
	}

	/** The caller as its token names it: its FHIR user, its national id (or its organization's), its name. */
	public static Reference referenceTo(CarnetCaller caller) {
		Reference reference = new Reference();
		if (caller.fhirUser() != null) {
			reference.setReference(caller.fhirUser());
		}
		if (caller.kind() == CarnetCaller.Kind.PROFESSIONAL && caller.idNat() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(caller.idNat()));
		} else if (caller.kind() == CarnetCaller.Kind.SYSTEM && caller.organization() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(caller.organization()));
		}
		reference.setDisplay(caller.name());
		return reference;
	}

	/**
	 * The caller as recorded where HAPI indexes and checks the reference (a message's sender, who booked an
	 * appointment): a professional or an organization's system by national identifier (their Practitioner or
	 * Organization resource need not be stored here), the patient's side as the space's patient, with the
	 * name of who acted (a parent writing in a child's space stays inside that space).
	 */
	public static Reference participantReference(CarnetCaller caller, Actor actor) {
		Reference reference = new Reference();
		if (actor.role() == Actor.Role.DELEGATE && caller.fhirUser() != null && caller.fhirUser().startsWith("RelatedPerson/")) {
			// A delegate writes as themselves (a reply their delegation allows), not as the patient.
			reference.setReference(caller.fhirUser());
		} else if (actor.role().isPatientSide() && actor.patient() != null) {
			reference.setReference("Patient/" + actor.patient());
		} else if (caller.kind() == CarnetCaller.Kind.PROFESSIONAL && caller.idNat() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(caller.idNat()));
		} else if (caller.kind() == CarnetCaller.Kind.SYSTEM && caller.organization() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(caller.organization()));
		} else if (caller.fhirUser() != null) {
			reference.setReference(caller.fhirUser());
		}
		reference.setDisplay(caller.name());
		return reference;
	}

	/**
	 * Whether the actor is the one a {@link #participantReference} names: by any key, or, on the patient's
	 * side, as a holder of the space it names (the patient or a legal representative, not a delegate).
	 */
	public static boolean isParticipant(Actor actor, Set<String> recordedKeys) {
		return actor.isNamedBy(recordedKeys) || (actor.role().isPatientSide() && actor.role() != Actor.Role.DELEGATE
				&& actor.patient() != null && recordedKeys.contains("Patient/" + actor.patient()));
	}

	/** Whether a recorded reference names the patient's side (a Patient or a RelatedPerson), not a professional. */
	public static boolean namesThePatientSide(Reference reference) {
		String type = reference.getReferenceElement().getResourceType();
		return "Patient".equals(type) || "RelatedPerson".equals(type);
	}
}
