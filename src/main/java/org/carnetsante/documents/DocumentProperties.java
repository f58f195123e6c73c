package org.carnetsante.documents;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code carnet.documents.*}: documents pushed, found, retrieved and replaced (IHE MHD as profiled by
 * ANS PDSm).
 *
 * @param rulesEnforced apply the document rules (content integrity, unique ids, replacement, metadata
 *     changes, author-only deletion, ITI-67 parameters); {@code false} only on a benchmark peer
 * @param binaryStorage where a document's bytes live: {@code database} (a blob table, bytes not base64
 *     in the resource row), {@code filesystem} (files under {@code binary-directory}) or {@code inline}
 *     (in the Binary resource itself, HAPI's default)
 * @param binaryDirectory folder of the {@code filesystem} binary storage
 * @param externalizedFrom smallest Binary moved out of the resource row into the binary storage
 * @param inflatedUpTo largest stored content put back into a Binary resource shown as JSON or XML;
 *     larger ones are streamed as raw bytes only (ITI-68 with the document's MIME type in Accept)
 * @param archivedExtension URL of the extension flagging an archived document (a metadata change that
 *     PATCH may make, with status and securityLabel)
 * @param searchRequiresStatus ITI-67: a DocumentReference search names the patient and the status
 *     (else 400), as MHD requires
 * @param patientUploads what a patient may upload into their own space
 */
@ConfigurationProperties("carnet.documents")
public record DocumentProperties(
		@DefaultValue("true") boolean rulesEnforced,
		@DefaultValue("database") BinaryStorage binaryStorage,
		String binaryDirectory,
		@DefaultValue("64KB") DataSize externalizedFrom,
		@DefaultValue("1MB") DataSize inflatedUpTo,
		@DefaultValue("https://carnet.example/ig/StructureDefinition/document-archived") String archivedExtension,
		@DefaultValue("true") boolean searchRequiresStatus,
		@DefaultValue PatientUploads patientUploads) {

	public enum BinaryStorage {
		DATABASE,
		FILESYSTEM,
		INLINE
	}

	/**
	 * @param typeCodes document type codes a patient may give their own document (JDV_J07 DOCPAT01..09)
	 * @param contentTypes MIME types accepted (JPEG, PNG, TIFF, PDF, DOC, RTF, TXT)
	 * @param maxSize largest document a patient uploads
	 */
	public record PatientUploads(
			@DefaultValue({"DOCPAT01", "DOCPAT02", "DOCPAT03", "DOCPAT04", "DOCPAT05", "DOCPAT06", "DOCPAT07",
					"DOCPAT08", "DOCPAT09"}) List<String> typeCodes,
			@DefaultValue({"image/jpeg", "image/png", "image/tiff", "application/pdf", "application/msword",
					"application/rtf", "text/rtf", "text/plain"}) List<String> contentTypes,
			@DefaultValue("5MB") DataSize maxSize) {

		public PatientUploads {
			typeCodes = List.copyOf(typeCodes);
			contentTypes = List.copyOf(contentTypes);
		}
	}
}
