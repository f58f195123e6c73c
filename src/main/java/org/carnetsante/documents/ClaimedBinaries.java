package org.carnetsante.documents;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.IdType;

/**
 * The Binary an attachment points at ({@code attachment.url}) belongs to the resource that points at it first: a
 * document, or a message whose attachment is larger than it carries inline. When the transaction that stores the
 * owner is about to commit (references resolved), the Binary is claimed for it ({@code carnet_document_binary}: a
 * Binary claimed by another is refused) and the attachment's {@code size} and SHA-1 {@code hash} are checked against
 * the digest recorded when the Binary was stored. A Binary that names another resource in {@code securityContext}
 * is that resource's, not the claimant's.
 */
public class ClaimedBinaries {

	private static final String STORED_NOW = ClaimedBinaries.class.getName() + ".stored";

	private final DaoRegistry daos;
	private final DocumentBytes bytes;
	private final DocumentUniqueIds claims;

	public ClaimedBinaries(DaoRegistry daos, DocumentBytes bytes, DocumentUniqueIds claims) {
		this.daos = daos;
		this.bytes = bytes;
		this.claims = claims;
	}

	/** Records the digest of a Binary about to be stored, and remembers it for the owners of this transaction. */
	static void storing(Binary binary, TransactionDetails transaction) {
		BinaryDigest.record(binary);
		if (transaction != null) {
			transaction.getOrCreateUserData(STORED_NOW, ArrayList<Binary>::new).add(binary);
		}
	}

	/**
	 * Claims the Binary of the attachment at {@code path} for {@code owner} ({@code DocumentReference/12},
	 * {@code Communication/7}) and checks the attachment against its bytes; 422 naming the element otherwise.
	 */
	public void claim(Attachment attachment, String path, String owner, String described, TransactionDetails transaction) {
		Binary binary = binaryAt(attachment, path, described, transaction);
		String context = binary.getSecurityContext().getReferenceElement().toUnqualifiedVersionless().getValue();
		boolean anothersContext = binary.getSecurityContext().getReferenceElement().hasIdPart() && !owner.equals(context);
		if (anothersContext || !claims.claimBinary("Binary/" + binary.getIdElement().getIdPart(), owner)) {
			throw AttachmentIntegrity.refused(path + ".url", described + ": attachment.url " + attachment.getUrl()
					+ " does not point at a Binary pushed with it (Binary/id or a bundle entry's urn:uuid)");
		}
		// The digest recorded when the Binary was stored; a Binary stored before digests were recorded is read.
		BinaryDigest digest = BinaryDigest.of(binary).orElseGet(() -> BinaryDigest.of(bytes.of(binary)));
		AttachmentIntegrity.check(attachment, digest, path, described);
	}

	/**
	 * The Binary an attachment points at, stored here: the one stored by the same transaction (HAPI has given it its
	 * id by now), else read back. Reading back a Binary small enough to stay in its row parses its base64 bytes
	 * again, a tenth of a push's CPU time when it was done for every document.
	 */
	private Binary binaryAt(Attachment attachment, String path, String described, TransactionDetails transaction) {
		if (!attachment.hasUrl()) {
			throw AttachmentIntegrity.refused(path + ".url", described + ": the attachment has neither url nor data");
		}
		IdType url = new IdType(attachment.getUrl());
		if (!"Binary".equals(url.getResourceType()) || !url.hasIdPart() || url.getValue().startsWith("urn:")) {
			throw AttachmentIntegrity.refused(path + ".url", described + ": attachment.url " + attachment.getUrl()
					+ " does not point at a Binary pushed with it (Binary/id or a bundle entry's urn:uuid)");
		}
		List<Binary> storedNow = transaction == null ? null : transaction.getUserData(STORED_NOW);
		if (storedNow != null) {
			for (Binary binary : storedNow) {
				if (url.getIdPart().equals(binary.getIdElement().getIdPart())) {
					return binary;
				}
			}
		}
		try {
			// Its metadata only: HAPI writes externalized bytes at the end of the transaction.
			SystemRequestDetails metadataOnly = new SystemRequestDetails();
			metadataOnly.getUserData().put(BinaryStorageInterceptor.AUTO_INFLATE_BINARY_CONTENT_KEY, Boolean.FALSE);
			return daos.getResourceDao(Binary.class).read(url.toUnqualifiedVersionless(), metadataOnly);
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			throw AttachmentIntegrity.refused(path + ".url", described + ": attachment.url " + attachment.getUrl()
					+ " points at no stored Binary");
		}
	}
}
