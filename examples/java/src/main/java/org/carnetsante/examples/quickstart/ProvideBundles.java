package org.carnetsante.examples.quickstart;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Reference;

/**
 * ITI-65 provide bundles (IHE MHD 4.x as profiled by ANS PDSm, and Carnet's {@code carnet-provide-bundle}):
 * a {@code transaction} Bundle of one SubmissionSet {@code List}, one {@code DocumentReference} and the
 * {@code Binary} holding its bytes, each entry POSTed under a {@code urn:uuid:} full URL that the others
 * reference. The document carries PDSm's required metadata; Carnet refuses the whole bundle (422, nothing
 * stored) when any is missing or when {@code attachment.size} or {@code attachment.hash} (base64 SHA-1) do
 * not match the bytes.
 */
final class ProvideBundles {

	static final String LOINC = "http://loinc.org";
	static final String DOCUMENT_CLASS = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument";
	static final String ORGANIZATION_ID = "urn:oid:1.2.250.1.71.4.2.2";
	static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
	static final String SUBMISSION_SET = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";
	static final String PROFILES = "https://carnet.example/ig/StructureDefinition/";

	/** One document to push: its bytes and what they are. */
	record Document(byte[] bytes, String contentType, String title, String loincType, String loincDisplay) {}

	/** A bundle ready to send, and the uniqueId (masterIdentifier) of its document, to find it again. */
	record ProvideBundle(Bundle bundle, String uniqueId) {}

	private ProvideBundles() {}

	/**
	 * The subject of a first push: a conditional reference by INS, so that the patient's FHIR id is not
	 * needed; an INS that names no open space is refused (404) exactly like one the sender may not write to.
	 */
	static String byIns(QuickstartSettings settings) {
		return "Patient?identifier=" + settings.patientIns();
	}

	/**
	 * The bundle for {@code document} in the space of {@code subject} ({@link #byIns} or {@code Patient/id});
	 * when {@code replaces} names a stored {@code DocumentReference/id}, the new document replaces it (the old
	 * one becomes {@code superseded} in the same transaction).
	 */
	static ProvideBundle of(QuickstartSettings settings, String subject, Document document, String replaces) {
		String listUuid = "urn:uuid:" + UUID.randomUUID();
		String documentUuid = "urn:uuid:" + UUID.randomUUID();
		String binaryUuid = "urn:uuid:" + UUID.randomUUID();
		String uniqueId = "urn:uuid:" + UUID.randomUUID(); // in production: an OID under your organization's root
		Date now = new Date();

		ListResource submissionSet = new ListResource();
		submissionSet.getMeta().addProfile(PROFILES + "carnet-submission-set");
		submissionSet.addIdentifier().setUse(Identifier.IdentifierUse.USUAL)
				.setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + UUID.randomUUID());
		submissionSet.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
		submissionSet.setCode(new CodeableConcept(new Coding(SUBMISSION_SET, "submissionset", null)));
		submissionSet.setSubject(new Reference(subject)).setDate(now);
		submissionSet.addEntry().setItem(new Reference(documentUuid));

		DocumentReference reference = new DocumentReference();
		reference.getMeta().addProfile(PROFILES + "carnet-document-reference");
		reference.setMasterIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue(uniqueId));
		reference.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
		reference.setType(new CodeableConcept(new Coding(LOINC, document.loincType(), document.loincDisplay())));
		reference.addCategory(new CodeableConcept(new Coding(DOCUMENT_CLASS, "10", "Compte rendu")));
		reference.setSubject(new Reference(subject));
		reference.setDate(now);
		// The declared author; Carnet records the real sender from the token, whatever is written here.
		reference.addAuthor(new Reference().setIdentifier(new Identifier().setSystem(ORGANIZATION_ID)
				.setValue(settings.authorIdNat())));
		reference.setCustodian(new Reference().setDisplay("Carnet"));
		reference.addSecurityLabel(new CodeableConcept(new Coding(CONFIDENTIALITY, "N", "normal")));
		reference.addContent().setAttachment(new Attachment()
				.setContentType(document.contentType())
				.setUrl(binaryUuid)
				.setSize(document.bytes().length)
				.setHash(sha1(document.bytes()))
				.setTitle(document.title()));
		reference.getContext().getPeriod().setStart(now); // the date of the act
		if (replaces != null) {
			reference.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES)
					.setTarget(new Reference(replaces));
		}

		Binary binary = new Binary();
		binary.setContentType(document.contentType());
		binary.setData(document.bytes());

		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.getMeta().addProfile(PROFILES + "carnet-provide-bundle");
		bundle.addEntry().setFullUrl(listUuid).setResource(submissionSet)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("List");
		bundle.addEntry().setFullUrl(documentUuid).setResource(reference)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		bundle.addEntry().setFullUrl(binaryUuid).setResource(binary)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Binary");
		return new ProvideBundle(bundle, uniqueId);
	}

	/** The document of a bundle {@link #of} built, to change it (the refusal step breaks its hash). */
	static DocumentReference documentOf(Bundle bundle) {
		return (DocumentReference) bundle.getEntry().get(1).getResource();
	}

	static byte[] sha1(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-1").digest(bytes);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every JVM has SHA-1", e);
		}
	}
}
