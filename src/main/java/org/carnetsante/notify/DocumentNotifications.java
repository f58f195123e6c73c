package org.carnetsante.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.carnetsante.access.VisibilityLabels;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DocumentReference;

/**
 * A patient is told when a document is added to their space or replaced, in the transaction that stores
 * it (a push that rolls back tells nobody). A document hidden from the patient (INVISIBLE_PATIENT, e.g.
 * until an announcement consultation) is told about when its author lifts the label, not before.
 */
@Interceptor
public class DocumentNotifications {

	private final NotificationOutbox outbox;

	public DocumentNotifications(NotificationOutbox outbox) {
		this.outbox = outbox;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void documentAdded(IBaseResource resource) {
		if (resource instanceof DocumentReference document && visibleToThePatient(document)) {
			boolean replaces = document.getRelatesTo().stream()
					.anyMatch(relation -> relation.getCode() == DocumentReference.DocumentRelationshipType.REPLACES);
			tell(document, replaces ? NotificationKind.DOCUMENT_REPLACED : NotificationKind.DOCUMENT_ADDED);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void documentChanged(IBaseResource previous, IBaseResource updated) {
		if (updated instanceof DocumentReference document && previous instanceof DocumentReference before
				&& !visibleToThePatient(before) && visibleToThePatient(document)) {
			tell(document, NotificationKind.DOCUMENT_ADDED);
		}
	}

	private void tell(DocumentReference document, NotificationKind kind) {
		if (!document.getSubject().getReferenceElement().hasIdPart()
				|| !"Patient".equals(document.getSubject().getReferenceElement().getResourceType())) {
			return;
		}
		outbox.add(document.getSubject().getReferenceElement().getIdPart(), kind,
				"DocumentReference/" + document.getIdElement().getIdPart());
	}

	private static boolean visibleToThePatient(DocumentReference document) {
		return !VisibilityLabels.of(document).contains(VisibilityLabels.INVISIBLE_TO_PATIENT);
	}
}
