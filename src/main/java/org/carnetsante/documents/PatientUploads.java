package org.carnetsante.documents;

import java.util.Date;
import java.util.Set;
import org.carnetsante.access.Actor;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Reference;

/**
 * A patient (or their legal representative) adds their own documents to their space: only the
 * DOCPAT types of JDV_J07, only common formats (JPEG, PNG, TIFF, PDF, DOC, RTF, TXT), up to a size
 * limit; the document is marked as authored by whoever uploads it, whatever the app claimed, so that
 * professionals see it came from the patient's side (and that only they may delete it).
 */
public class PatientUploads {

	private static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

	private final Set<String> typeCodes;
	private final Set<String> contentTypes;
	private final long maxSize;

	public PatientUploads(DocumentProperties.PatientUploads settings) {
		this.typeCodes = Set.copyOf(settings.typeCodes());
		this.contentTypes = Set.copyOf(settings.contentTypes());
		this.maxSize = settings.maxSize().toBytes();
	}

	public void check(DocumentReference document, Actor uploader) {
		requireAllowedTypeAndContent(document);
		String author = uploader.keys().stream().filter(key -> key.startsWith("Patient/") || key.startsWith("RelatedPerson/"))
				.findFirst().orElse("Patient/" + uploader.patient());
		document.getAuthor().clear();
		document.addAuthor(new Reference(author));
		completeWhatTheSpaceKnows(document);
	}

	/**
	 * What the patient's side may put among their documents: one of the patients' document types, a common
	 * format, at most the configured size. Also what a patient files from a message ({@code messaging}).
	 */
	public void requireAllowedTypeAndContent(DocumentReference document) {
		boolean patientType = document.getType().getCoding().stream().map(Coding::getCode).anyMatch(typeCodes::contains);
		if (!patientType) {
			throw AttachmentIntegrity.refused("DocumentReference.type",
					"a patient's own document has one of the types " + String.join(", ", typeCodes.stream().sorted().toList()));
		}
		for (int i = 0; i < document.getContent().size(); i++) {
			var attachment = document.getContent().get(i).getAttachment();
			String path = "DocumentReference.content[" + i + "].attachment";
			String contentType = attachment.hasContentType() ? attachment.getContentType().split(";")[0].trim().toLowerCase() : "";
			if (!contentTypes.contains(contentType)) {
				throw AttachmentIntegrity.refused(path + ".contentType", "a patient uploads " + String.join(", ",
						contentTypes.stream().sorted().toList()) + " documents, not '" + contentType + "'");
			}
			long size = attachment.getData() != null ? attachment.getData().length : attachment.getSize();
			if (size > maxSize) {
				throw AttachmentIntegrity.refused(path + ".size",
						"a patient's document is at most " + maxSize + " bytes; this one has " + size);
			}
		}
	}

	/**
	 * A patient's app does not know everything professional software sends: the custodian is the space
	 * itself, the confidentiality is normal, the date of the act is the upload's unless the app says.
	 */
	private static void completeWhatTheSpaceKnows(DocumentReference document) {
		if (!document.hasCustodian()) {
			document.setCustodian(new Reference().setDisplay("Carnet"));
		}
		boolean normal = document.getSecurityLabel().stream().flatMap(label -> label.getCoding().stream())
				.anyMatch(coding -> CONFIDENTIALITY.equals(coding.getSystem()) && "N".equals(coding.getCode()));
		if (!normal) {
			document.addSecurityLabel(new CodeableConcept(new Coding(CONFIDENTIALITY, "N", "normal")));
		}
		if (!document.hasDate()) {
			document.setDate(new Date());
		}
		if (!document.getContext().getPeriod().hasStart()) {
			document.getContext().getPeriod().setStartElement(new DateTimeType(document.getDate()));
		}
	}
}
