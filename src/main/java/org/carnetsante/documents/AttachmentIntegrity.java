package org.carnetsante.documents;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A document's metadata tells the truth about its bytes: {@code attachment.size} is their length and
 * {@code attachment.hash} their SHA-1 (PDSm, after XDS: a consumer checks what it retrieved against
 * them). A mismatch is refused with 422, naming the element.
 */
public final class AttachmentIntegrity {

	private AttachmentIntegrity() {}

	/**
	 * Checks the attachment at {@code path} (e.g. {@code DocumentReference.content[0].attachment})
	 * against the bytes it stands for.
	 */
	public static void check(Attachment attachment, BinaryDigest bytes, String path, String document) {
		if (!attachment.hasSize()) {
			throw refused(path + ".size", document + ": attachment.size is required (the length of the document in bytes)");
		}
		if (attachment.getSize() != bytes.size()) {
			throw refused(path + ".size", document + ": attachment.size is " + attachment.getSize()
					+ " but the document has " + bytes.size() + " bytes");
		}
		if (!attachment.hasHash()) {
			throw refused(path + ".hash", document + ": attachment.hash is required (base64 of the SHA-1 of the document)");
		}
		byte[] sha1 = bytes.sha1();
		if (!Arrays.equals(attachment.getHash(), sha1)) {
			throw refused(path + ".hash", document + ": attachment.hash " + Base64.getEncoder().encodeToString(attachment.getHash())
					+ " is not the SHA-1 of the document (" + Base64.getEncoder().encodeToString(sha1) + ")");
		}
	}

	public static byte[] sha1(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-1").digest(bytes);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-1", e);
		}
	}

	static UnprocessableEntityException refused(String expression, String diagnostics) {
		return new UnprocessableEntityException(diagnostics, OperationOutcomes.error(OperationOutcome.IssueType.PROCESSING, expression, diagnostics));
	}
}
