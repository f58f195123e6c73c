package org.carnetsante.messaging;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code carnet.messaging.*}: the secure messaging between professionals and patients.
 *
 * @param attachmentMaxSize largest attachment a message carries inline; at most
 *     {@code carnet.documents.inflated-up-to}, so that every attachment is shown whole when the message is read
 * @param filedDocumentClass {@code system|code} of the class (TRE_A03) of a message attachment the patient
 *     files among their documents ({@code $file-attachment}), unless the request gives one: "déposé par le patient"
 */
@ConfigurationProperties("carnet.messaging")
public record MessagingProperties(
		@DefaultValue("1MB") DataSize attachmentMaxSize,
		@DefaultValue("https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument|90")
		String filedDocumentClass) {

	/** The default class of a filed attachment, as a Coding. */
	public org.hl7.fhir.r4.model.Coding filedDocumentClassCoding() {
		int bar = filedDocumentClass.lastIndexOf('|');
		if (bar <= 0 || bar == filedDocumentClass.length() - 1) {
			throw new IllegalStateException("carnet.messaging.filed-document-class is system|code, not " + filedDocumentClass);
		}
		return new org.hl7.fhir.r4.model.Coding(filedDocumentClass.substring(0, bar), filedDocumentClass.substring(bar + 1), null);
	}
}
