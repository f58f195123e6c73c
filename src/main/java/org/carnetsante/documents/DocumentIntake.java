package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * How a document enters a space, whatever the path (ITI-65 provide bundle, ITI-105 simplified publish,
 * a patient's upload, a transaction or batch entry), on HAPI's storage pointcuts so that a refusal
 * rolls the whole transaction back:
 * <ul>
 *   <li>a patient's own upload follows {@link PatientUploads};
 *   <li>inline content (ITI-105) is checked against its size and SHA-1, then moved into a Binary that
 *       the attachment points at: bytes live in the binary storage, not in the document's metadata;
 *   <li>a document that {@code replaces} another makes the other {@code superseded}, in the same
 *       transaction, as the caller (who must be allowed to change it);
 *   <li>once the transaction has stored everything (HAPI defers pre-commit hooks to the end of a
 *       transaction), each attachment must point at a Binary stored here whose bytes match its size
 *       and SHA-1, and the document claims its uniqueId ({@link DocumentUniqueIds}).
 * </ul>
 * Carnet's own writes (no REST caller) follow the same content rules.
 */
@Interceptor
public class DocumentIntake {

	/** After the write policy (the caller may write here), before validation (which sees the Binary's url). */
	public static final int HOOK_ORDER = -100;

	/** Transaction user data: the Binaries this transaction stores, as stored (digest recorded). */

	private final DaoRegistry daos;
	private final ClaimedBinaries binaries;
	private final DocumentUniqueIds uniqueIds;
	private final PatientUploads patientUploads;
	private final AccessPolicyService policy;

	public DocumentIntake(DaoRegistry daos, DocumentBytes bytes, DocumentUniqueIds uniqueIds,
			PatientUploads patientUploads, AccessPolicyService policy) {
		this.policy = policy;
		this.daos = daos;
		this.binaries = new ClaimedBinaries(daos, bytes, uniqueIds);
		this.uniqueIds = uniqueIds;
		this.patientUploads = patientUploads;
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeStoring(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
		if (resource instanceof Binary binary) {
			ClaimedBinaries.storing(binary, transaction);
			return;
		}
		if (!(resource instanceof DocumentReference document)) {
			return;
		}
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		if (actor != null && actor.role().isPatientSide()) {
			patientUploads.check(document, actor);
		}
		moveInlineContentToBinaries(document);
		supersedeReplaced(document, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void onceStored(IBaseResource resource, TransactionDetails transaction) {
		if (!(resource instanceof DocumentReference document)) {
			return;
		}
		String name = describe(document);
		for (int i = 0; i < document.getContent().size(); i++) {
			Attachment attachment = document.getContent().get(i).getAttachment();
			String path = "DocumentReference.content[" + i + "].attachment";
			if (!attachment.hasUrl()) {
				throw AttachmentIntegrity.refused(path + ".url", name + ": the attachment has neither url nor data");
			}
			binaries.claim(attachment, path, "DocumentReference/" + document.getIdElement().getIdPart(), name, transaction, false);
		}
		if (document.hasMasterIdentifier() && document.getMasterIdentifier().hasValue()) {
			IIdType subject = document.getSubject().getReferenceElement();
			String space = subject.hasIdPart() && "Patient".equals(subject.getResourceType()) ? subject.getIdPart() : "";
			uniqueIds.claim(space, document.getMasterIdentifier(), "DocumentReference/" + document.getIdElement().getIdPart());
		}
	}

	/** ITI-105: the bytes arrive in {@code attachment.data}; they are kept in a Binary of their own. */
	private void moveInlineContentToBinaries(DocumentReference document) {
		for (int i = 0; i < document.getContent().size(); i++) {
			Attachment attachment = document.getContent().get(i).getAttachment();
			if (attachment.getData() == null) {
				continue;
			}
			String path = "DocumentReference.content[" + i + "].attachment";
			AttachmentIntegrity.check(attachment, BinaryDigest.of(attachment.getData()), path, describe(document));
			Binary binary = new Binary();
			binary.setContentType(attachment.getContentType());
			binary.setData(attachment.getData());
			IIdType stored = daos.getResourceDao(Binary.class).create(binary, new SystemRequestDetails()).getId();
			attachment.setUrl("Binary/" + stored.getIdPart());
			attachment.setDataElement(null);
		}
	}

	/**
	 * MHD replace: the replaced document becomes {@code superseded} in the same transaction. The change is
	 * made as the caller, so the write rules and the access log see it like any other update.
	 */
	private void supersedeReplaced(DocumentReference document, RequestDetails request) {
		for (int i = 0; i < document.getRelatesTo().size(); i++) {
			DocumentReference.DocumentReferenceRelatesToComponent relation = document.getRelatesTo().get(i);
			if (relation.getCode() != DocumentReference.DocumentRelationshipType.REPLACES) {
				continue;
			}
			String path = "DocumentReference.relatesTo[" + i + "].target";
			IIdType target = relation.getTarget().getReferenceElement();
			if (!"DocumentReference".equals(target.getResourceType()) || !target.hasIdPart()) {
				throw AttachmentIntegrity.refused(path, "relatesTo replaces must reference the replaced DocumentReference");
			}
			IFhirResourceDao<DocumentReference> documents = daos.getResourceDao(DocumentReference.class);
			String unknown = "the document to replace, " + target.toUnqualifiedVersionless().getValue()
					+ ", is not stored or not visible to the caller";
			DocumentReference replaced;
			try {
				replaced = documents.read(target.toUnqualifiedVersionless(), new SystemRequestDetails());
			} catch (ResourceNotFoundException | ResourceGoneException e) {
				throw AttachmentIntegrity.refused(path, unknown);
			}
			// Nothing about a document the caller may not see: the same answer as for none.
			RequestAccess access = RequestAccess.of(request);
			if (access != null && !policy.decideFor(access.actor(), replaced).allowed()) {
				throw AttachmentIntegrity.refused(path, unknown);
			}
			if (!sameSubject(replaced, document)) {
				throw AttachmentIntegrity.refused(path, "a document replaces only a document of the same patient");
			}
			if (replaced.getStatus() != DocumentReferenceStatus.CURRENT) {
				throw AttachmentIntegrity.refused(path, "the document to replace is "
						+ (replaced.hasStatus() ? replaced.getStatus().toCode() : "without status") + ": only a current document is replaced");
			}
			replaced.setStatus(DocumentReferenceStatus.SUPERSEDED);
			replaced.setId(replaced.getIdElement().toUnqualifiedVersionless());
			documents.update(replaced, request);
		}
	}

	/**
	 * Whether the new document is about the replaced one's patient. In an ITI-65 push the subject is
	 * usually the INS as a conditional reference ({@code Patient?identifier=system|value}), which HAPI
	 * resolves only after this hook: then the replaced document's Patient must carry that identifier.
	 */
	private boolean sameSubject(DocumentReference replaced, DocumentReference document) {
		IIdType first = replaced.getSubject().getReferenceElement();
		if (!first.hasIdPart() || !"Patient".equals(first.getResourceType())) {
			return false;
		}
		String reference = document.getSubject().getReference();
		if (reference != null && reference.startsWith("Patient?")) {
			return patientCarries(first.getIdPart(), reference.substring("Patient?".length()));
		}
		IIdType second = document.getSubject().getReferenceElement();
		return first.toUnqualifiedVersionless().getValue().equals(second.toUnqualifiedVersionless().getValue());
	}

	/** True when the match URL's query is one {@code identifier=system|value} that Patient {@code id} carries. */
	private boolean patientCarries(String id, String query) {
		String[] parameter = query.split("=", 2);
		if (parameter.length != 2 || !"identifier".equals(parameter[0]) || parameter[1].contains("&")) {
			return false;
		}
		String[] token;
		try {
			token = java.net.URLDecoder.decode(parameter[1], java.nio.charset.StandardCharsets.UTF_8).split("\\|", 2);
		} catch (IllegalArgumentException brokenEscape) {
			return false; // "12%zz" names nobody: refused as another patient
		}
		if (token.length != 2) {
			return false;
		}
		try {
			Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", id), new SystemRequestDetails());
			return patient.getIdentifier().stream()
					.anyMatch(identifier -> token[0].equals(identifier.getSystem()) && token[1].equals(identifier.getValue()));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return false;
		}
	}

	private static String describe(DocumentReference document) {
		return document.hasMasterIdentifier() ? "document " + document.getMasterIdentifier().getValue() : "the document";
	}
}
