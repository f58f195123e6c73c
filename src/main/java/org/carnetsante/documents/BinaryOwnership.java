package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A client's Binary belongs to a document: it names it in {@code securityContext} (a reference the
 * write policy checks like any other), or a DocumentReference stored by the same transaction points at
 * it. A Binary of nobody's would be shown to nobody, its writer included (the access policy shows a
 * document's bytes to whoever may see the document), so it is not stored: 422, and the transaction rolls
 * back. Checked when the transaction is about to commit, once every document it stores has claimed its
 * Binaries ({@link DocumentUniqueIds#claimBinary}), whatever the order of the entries.
 */
@Interceptor
public class BinaryOwnership {

	private final DocumentUniqueIds claims;

	public BinaryOwnership(DocumentUniqueIds claims) {
		this.claims = claims;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void binaryOfADocument(IBaseResource created, RequestDetails request) {
		if (!(created instanceof Binary binary) || !(request instanceof ServletRequestDetails)
				|| binary.getSecurityContext().getReferenceElement().hasIdPart()) {
			return;
		}
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			throw orphan();
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void beforeCommit(boolean readOnly) {
				// HAPI has given the Binary its id by now.
				if (!claims.isClaimed("Binary/" + binary.getIdElement().getIdPart())) {
					throw orphan();
				}
			}
		});
	}

	private static UnprocessableEntityException orphan() {
		String diagnostics = "A Binary is stored with the document it belongs to: push it in the same transaction as the "
				+ "DocumentReference whose attachment.url points at it, or name the document in Binary.securityContext";
		return new UnprocessableEntityException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, "Binary", diagnostics));
	}
}
