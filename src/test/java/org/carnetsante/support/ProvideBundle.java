package org.carnetsante.support;

import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Reference;

/**
 * An ITI-65 provide bundle as practitioner software pushes it: one SubmissionSet listing the documents,
 * each document followed by the Binary holding its bytes, every entry POSTed under a {@code urn:uuid:}.
 */
public final class ProvideBundle {

	private ProvideBundle() {}

	/**
	 * The bundle of these documents, in this order; each document's inline bytes ({@link Fixtures#documentReference})
	 * move to a Binary entry its {@code attachment.url} points at.
	 */
	public static Bundle of(String subject, List<DocumentReference> documents) {
		ListResource submissionSet = new ListResource();
		submissionSet.addIdentifier().setUse(Identifier.IdentifierUse.USUAL).setSystem("urn:ietf:rfc:3986").setValue(Fixtures.uniqueId());
		submissionSet.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
		submissionSet.setCode(new CodeableConcept(new Coding("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "submissionset", null)));
		submissionSet.setSubject(new Reference(subject)).setDate(new java.util.Date());
		submissionSet.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-submission-set");
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-provide-bundle");
		bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(submissionSet)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("List");
		for (DocumentReference document : documents) {
			String documentUuid = "urn:uuid:" + UUID.randomUUID();
			String binaryUuid = "urn:uuid:" + UUID.randomUUID();
			Attachment attachment = document.getContentFirstRep().getAttachment();
			Binary binary = new Binary();
			binary.setContentType(attachment.getContentType());
			binary.setData(attachment.getData());
			attachment.setData(null).setUrl(binaryUuid);
			submissionSet.addEntry().setItem(new Reference(documentUuid));
			bundle.addEntry().setFullUrl(documentUuid).setResource(document)
					.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
			bundle.addEntry().setFullUrl(binaryUuid).setResource(binary)
					.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Binary");
		}
		return bundle;
	}
}
