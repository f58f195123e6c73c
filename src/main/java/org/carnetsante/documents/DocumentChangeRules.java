package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashSet;
import java.util.Set;
import org.carnetsante.access.Actor;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.VisibilityLabels;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * What may change in a stored document (PDSm, after MHD and XDS metadata update):
 * <ul>
 *   <li>an update (PATCH by business identifier, or any other update path) changes only {@code status},
 *       {@code securityLabel} and the archived flag; anything else is a new document replacing this one
 *       (relatesTo), so the update is refused with 405;
 *   <li>a document's bytes (its Binary) never change, nor are they deleted on their own: 405;
 *   <li>only its author deletes it (403 for anyone else); HAPI's delete is logical, the versions stay in
 *       the history and the uniqueId stays taken.
 * </ul>
 * A document's author, for these rules, is its recorded sender ({@link RecordedSender}): the declared
 * {@code author} gives no right.
 * Carnet's own writes (no REST caller) are not checked.
 */
@Interceptor
public class DocumentChangeRules {

	private final String archivedExtension;

	public DocumentChangeRules(String archivedExtension) {
		this.archivedExtension = archivedExtension;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		if (!(request instanceof ServletRequestDetails)) {
			return;
		}
		if (updated instanceof Binary) {
			throw notAllowed("Binary", "a document's bytes never change: push a new document that replaces it");
		}
		if (previous instanceof DocumentReference before && updated instanceof DocumentReference after) {
			if (!withoutChangeableMetadata(before).equalsDeep(withoutChangeableMetadata(after))) {
				throw notAllowed("DocumentReference", "a document's metadata update changes only status, securityLabel and the "
						+ "archived flag (" + archivedExtension + "); to change anything else, push a new document whose "
						+ "relatesTo replaces this one");
			}
			checkWhoChanges(before, after, RequestAccess.of(request));
		}
	}

	/**
	 * Who may change what: the status (superseded, entered-in-error: the document leaves the space's
	 * current list), the archived flag and the labels that hide a document from the patient or her
	 * parents are its authors'; masking it from professionals (MASQUE_PS) is also the patient's.
	 */
	private void checkWhoChanges(DocumentReference before, DocumentReference after, RequestAccess access) {
		Actor actor = access == null ? null : access.actor();
		if (isAuthor(actor, before)) {
			return;
		}
		Set<String> changedLabels = new HashSet<>(VisibilityLabels.of(before));
		Set<String> afterLabels = VisibilityLabels.of(after);
		Set<String> added = new HashSet<>(afterLabels);
		added.removeAll(changedLabels);
		changedLabels.removeAll(afterLabels);
		changedLabels.addAll(added);
		boolean patientSide = actor != null && actor.role().isPatientSide();
		boolean onlyMasking = changedLabels.stream().allMatch(VisibilityLabels.MASKED_FROM_PROFESSIONALS::equals);
		boolean statusChanged = before.getStatus() != after.getStatus();
		boolean archivedChanged = !java.util.Objects.equals(archivedOf(before), archivedOf(after));
		if (statusChanged || archivedChanged || !(changedLabels.isEmpty() || (patientSide && onlyMasking))) {
			String diagnostics = "only an author of the document changes its status, its archived flag or who may see it "
					+ "(the patient may also mask it from professionals)";
			throw new ForbiddenOperationException(diagnostics,
					OperationOutcomes.error(OperationOutcome.IssueType.FORBIDDEN, "DocumentReference.author", diagnostics));
		}
	}

	/** An author's rights are its recorded sender's ({@link RecordedSender}), not the declared author's. */
	private static boolean isAuthor(Actor actor, DocumentReference document) {
		return actor != null && actor.isNamedBy(RecordedSender.keysOf(document));
	}

	private String archivedOf(DocumentReference document) {
		var extension = document.getExtensionByUrl(archivedExtension);
		return extension == null || extension.getValue() == null ? null : extension.getValue().primitiveValue();
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
	public void beforeDelete(IBaseResource deleted, RequestDetails request) {
		if (!(request instanceof ServletRequestDetails)) {
			return;
		}
		if (deleted instanceof Binary) {
			throw notAllowed("Binary", "a document's bytes are deleted with the document, by its author");
		}
		if (deleted instanceof DocumentReference document) {
			RequestAccess access = RequestAccess.of(request);
			if (!isAuthor(access == null ? null : access.actor(), document)) {
				String diagnostics = "only an author of the document deletes it";
				throw new ForbiddenOperationException(diagnostics,
						OperationOutcomes.error(OperationOutcome.IssueType.FORBIDDEN, "DocumentReference.author", diagnostics));
			}
		}
	}

	/** The document without what a metadata update may change, nor what the server manages. */
	private DocumentReference withoutChangeableMetadata(DocumentReference document) {
		DocumentReference copy = document.copy();
		copy.setIdElement(null);
		// What the server manages changes at every version; the labels are judged apart; tags, profiles and
		// the narrative may not change.
		org.hl7.fhir.r4.model.Meta meta = copy.getMeta();
		meta.setVersionIdElement(null);
		meta.setLastUpdatedElement(null);
		meta.setSourceElement(null);
		meta.getSecurity().clear();
		meta.getExtension().clear();
		copy.setStatusElement(null);
		copy.getSecurityLabel().clear();
		copy.getExtension().removeIf(extension -> archivedExtension.equals(extension.getUrl()));
		return copy;
	}

	private static MethodNotAllowedException notAllowed(String type, String diagnostics) {
		return new MethodNotAllowedException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTSUPPORTED, type, diagnostics));
	}
}
