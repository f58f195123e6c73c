package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.RequestAccess;
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
 *   <li>only an author of the document deletes it (403 for anyone else); HAPI's delete is logical, the
 *       versions stay in the history and the uniqueId stays taken.
 * </ul>
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
		if (previous instanceof DocumentReference before && updated instanceof DocumentReference after
				&& !withoutChangeableMetadata(before).equalsDeep(withoutChangeableMetadata(after))) {
			throw notAllowed("DocumentReference", "a document's metadata update changes only status, securityLabel and the "
					+ "archived flag (" + archivedExtension + "); to change anything else, push a new document whose "
					+ "relatesTo replaces this one");
		}
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
			Actor actor = access == null ? null : access.actor();
			boolean author = actor != null && document.getAuthor().stream()
					.map(ActorKeys::of)
					.anyMatch(actor::isNamedBy);
			if (!author) {
				String diagnostics = "only an author of the document deletes it";
				throw new ForbiddenOperationException(diagnostics,
						DocumentOutcomes.issue(OperationOutcome.IssueType.FORBIDDEN, "DocumentReference.author", diagnostics));
			}
		}
	}

	/** The document without what a metadata update may change, nor what the server manages. */
	private DocumentReference withoutChangeableMetadata(DocumentReference document) {
		DocumentReference copy = document.copy();
		copy.setIdElement(null);
		copy.setMeta(null);
		copy.setText(null);
		copy.setStatusElement(null);
		copy.getSecurityLabel().clear();
		copy.getExtension().removeIf(extension -> archivedExtension.equals(extension.getUrl()));
		return copy;
	}

	private static MethodNotAllowedException notAllowed(String type, String diagnostics) {
		return new MethodNotAllowedException(diagnostics,
				DocumentOutcomes.issue(OperationOutcome.IssueType.NOTSUPPORTED, type, diagnostics));
	}
}
