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
	 * {@code pushedWithIt}: only a Binary stored by the same transaction will do (a message's); a document may also
	 * claim an unclaimed Binary stored before.
	 */
	public void claim(Attachment attachment, String path, String owner, String described, TransactionDetails transaction,
			boolean pushedWithIt) {
		Binary storedNow = storedNow(attachment, transaction);
		Binary binary = storedNow != null ? storedNow : pushedWithIt ? null : readBack(attachment);
		if (binary == null) {
			throw notPushedWithIt(attachment, path, described);
		}
		String context = binary.getSecurityContext().getReferenceElement().toUnqualifiedVersionless().getValue();
		boolean anothersContext = binary.getSecurityContext().getReferenceElement().hasIdPart() && !owner.equals(context);
		if (anothersContext || !claims.claimBinary("Binary/" + binary.getIdElement().getIdPart(), owner)) {
			throw notPushedWithIt(attachment, path, described);
		}
		// The digest recorded when the Binary was stored; a Binary stored before digests were recorded is read.
		BinaryDigest digest = BinaryDigest.of(binary).orElseGet(() -> BinaryDigest.of(bytes.of(binary)));
		if (storedNow != null) {
			AttachmentIntegrity.check(attachment, digest, path, described);
			return;
		}
		// A Binary stored before: its true size and hash are not told to someone who may not have sent them.
		try {
			AttachmentIntegrity.check(attachment, digest, path, described);
		} catch (ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException mismatch) {
			throw AttachmentIntegrity.refused(path, described + ": attachment.size and attachment.hash do not match the bytes of "
					+ attachment.getUrl());
		}
	}

	private static ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException notPushedWithIt(Attachment attachment,
			String path, String described) {
		// One answer whether the Binary does not exist, is another's or was not pushed with it: nothing to learn.
		return AttachmentIntegrity.refused(path + ".url", described + ": attachment.url " + attachment.getUrl()
				+ " does not point at a Binary pushed with it (Binary/id or a bundle entry's urn:uuid)");
	}

	/** The Binary an attachment points at if this transaction stored it (HAPI has given it its id by now). */
	private static Binary storedNow(Attachment attachment, TransactionDetails transaction) {
		IdType url = binaryUrl(attachment);
		List<Binary> storedNow = url == null || transaction == null ? null : transaction.getUserData(STORED_NOW);
		if (storedNow != null) {
			for (Binary binary : storedNow) {
				if (url.getIdPart().equals(binary.getIdElement().getIdPart())) {
					return binary;
				}
			}
		}
		return null;
	}

	/**
	 * A Binary stored before, read back (its metadata only: HAPI writes externalized bytes at the end of the
	 * transaction); null if there is none. Reading back a Binary small enough to stay in its row parses its base64
	 * bytes again, a tenth of a push's CPU time when it was done for every document.
	 */
	private Binary readBack(Attachment attachment) {
		IdType url = binaryUrl(attachment);
		if (url == null) {
			return null;
		}
		try {
			SystemRequestDetails metadataOnly = new SystemRequestDetails();
			metadataOnly.getUserData().put(BinaryStorageInterceptor.AUTO_INFLATE_BINARY_CONTENT_KEY, Boolean.FALSE);
			return daos.getResourceDao(Binary.class).read(url.toUnqualifiedVersionless(), metadataOnly);
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return null;
		}
	}

	/** {@code Binary/[id]} (resolved by now from a bundle entry's urn:uuid), else null. */
	private static IdType binaryUrl(Attachment attachment) {
		if (!attachment.hasUrl()) {
			return null;
		}
		IdType url = new IdType(attachment.getUrl());
		return "Binary".equals(url.getResourceType()) && url.hasIdPart() && !url.getValue().startsWith("urn:") ? url : null;
	}
}
