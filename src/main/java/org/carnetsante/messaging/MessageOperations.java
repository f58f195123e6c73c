package org.carnetsante.messaging;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.carnetsante.access.AccessDecision;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.MessageFacts;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.UniformNotFound;
import org.carnetsante.documents.PatientUploads;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;

/**
 * What recipients and the patient's side do with a message once it is sent, as operations on
 * {@code Communication/[id]} (POST). The message is first judged as a read of it: a message the caller
 * may not see answers as one that does not exist. Each change is Carnet's own write, recorded in the
 * caller's access log entry.
 * <ul>
 *   <li>{@code $mark-read}: a recipient (the patient's side when the patient or their representative is
 *       a recipient) marks it read: a read receipt (who, when) and, the first time, {@code received}.
 *   <li>{@code $remove-from-view}: the patient or a legal representative removes the message's whole
 *       thread from the patient's side's view; the sender's and other recipients' copies stay.
 *   <li>{@code $file-attachment} ({@code payload}: position of the attachment among the payloads, needed
 *       when there are several; {@code type}: the document type, a Coding; {@code category}: its class,
 *       {@code carnet.messaging.filed-document-class} unless given): the patient or a legal
 *       representative files an attachment a professional or organization sent among the space's documents,
 *       with the message's sender as author and a link back to the message ({@code context.related}), under
 *       the document rules (size and SHA-1, uniqueId, notification) and those of a patient's own documents
 *       (types, formats, size); the patient's side is its recorded sender (it may change or delete it).
 * </ul>
 */
public class MessageOperations {

	private static final String UNIQUE_ID_SYSTEM = "urn:ietf:rfc:3986";
	private static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

	private final DaoRegistry daos;
	private final AccessPolicyService policy;
	private final Consumer<IBaseResource> attachmentsAsRead;
	private final Coding defaultClass;
	private final PatientUploads patientUploads;
	private final IHapiTransactionService transactions;
	private final Clock clock;

	private final org.carnetsante.documents.DocumentBytes bytes;

	public MessageOperations(DaoRegistry daos, AccessPolicyService policy, Consumer<IBaseResource> attachmentsAsRead,
			Coding defaultClass, PatientUploads patientUploads, IHapiTransactionService transactions, Clock clock,
			org.carnetsante.documents.DocumentBytes bytes) {
		this.bytes = bytes;
		this.daos = daos;
		this.policy = policy;
		this.attachmentsAsRead = attachmentsAsRead;
		this.defaultClass = defaultClass;
		this.patientUploads = patientUploads;
		this.transactions = transactions;
		this.clock = clock;
	}

	@Operation(name = "$mark-read", type = Communication.class)
	public Communication markRead(@IdParam IdType id, RequestDetails request) {
		Communication message = readAsCaller(id, request);
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access.actor();
		if (!isRecipient(actor, message)) {
			throw new ForbiddenOperationException("Only a recipient marks a message read");
		}
		Reference reader = RecordedSender.participantReference(access.caller(), actor);
		Set<String> readerKeys = ActorKeys.of(reader);
		boolean alreadyRead = MessageThreads.receiptsOf(message).stream()
				.anyMatch(receipt -> ActorKeys.of(MessageThreads.readerOf(receipt)).stream().anyMatch(readerKeys::contains));
		if (alreadyRead) {
			return message;
		}
		Date now = Date.from(clock.instant());
		Extension receipt = message.addExtension().setUrl(MessageThreads.READ_RECEIPT);
		receipt.addExtension(MessageThreads.RECEIPT_READER, reader);
		receipt.addExtension(MessageThreads.RECEIPT_TIME, new DateTimeType(now));
		if (!message.hasReceived()) {
			message.setReceived(now);
		}
		Communication updated = (Communication) daos.getResourceDao(Communication.class)
				.update(message, new SystemRequestDetails()).getResource();
		recordChange(access, RestOperationTypeEnum.UPDATE, message, "marked read by a recipient");
		return updated != null ? updated : message;
	}

	@Operation(name = "$remove-from-view", type = Communication.class)
	public OperationOutcome removeFromView(@IdParam IdType id, RequestDetails request) {
		Communication message = readAsCaller(id, request);
		RequestAccess access = RequestAccess.of(request);
		String space = spaceOf(message);
		requireHolder(access.actor(), space, "removes a thread from the patient's view");
		IFhirResourceDao<Communication> messages = daos.getResourceDao(Communication.class);
		// Only what the caller sees is touched and counted: a message hidden from them stays as it is.
		List<Communication> thread = threadOf(message, space).stream()
				.filter(each -> policy.decide(request, each).allowed())
				.toList();
		Meta removed = new Meta();
		removed.addTag(MessageFacts.TAG_SYSTEM, MessageFacts.REMOVED_FROM_PATIENT_VIEW, "removed from the patient's view");
		transactions.withSystemRequest().execute(() -> {
			for (Communication each : thread) {
				messages.metaAddOperation(each.getIdElement().toUnqualifiedVersionless(), removed, new SystemRequestDetails());
			}
		});
		thread.forEach(each -> recordChange(access, RestOperationTypeEnum.UPDATE, each, "thread removed from the patient's view"));
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
				.setCode(OperationOutcome.IssueType.INFORMATIONAL)
				.setDiagnostics(thread.size() + " message(s) of the thread removed from the patient's view; the sender's copy stays");
		return outcome;
	}

	@Operation(name = "$file-attachment", type = Communication.class)
	public DocumentReference fileAttachment(@IdParam IdType id, RequestDetails request,
			@OperationParam(name = "payload", max = 1) IntegerType payload,
			@OperationParam(name = "type", min = 1, max = 1) Coding type,
			@OperationParam(name = "category", max = 1) Coding category) {
		Communication message = readAsCaller(id, request);
		RequestAccess access = RequestAccess.of(request);
		String space = spaceOf(message);
		requireHolder(access.actor(), space, "files a message's attachment among the space's documents");
		if (RecordedSender.namesThePatientSide(message.getSender())) {
			throw new InvalidRequestException("Only what a professional or an organization sent is filed from a message: "
					+ "the patient's own documents are uploaded directly (POST DocumentReference)");
		}
		if (type == null || !type.hasSystem() || !type.hasCode()) {
			throw new InvalidRequestException("type: the document type is a Coding with system and code");
		}
		if (category != null && (!category.hasSystem() || !category.hasCode())) {
			throw new InvalidRequestException("category: the document class is a Coding with system and code");
		}
		attachmentsAsRead.accept(message);
		Attachment attachment = withItsBytes(attachmentAt(message, payload));
		DocumentReference document = documentOf(message, attachment, type, category != null ? category : defaultClass, space);
		// The patient chose its type: the rules of what a patient puts among their documents hold.
		patientUploads.requireAllowedTypeAndContent(document);
		// The patient's side filed it: theirs are the rights of its sender (change, delete); its author is the message's.
		RecordedSender.record(document, RecordedSender.participantReference(access.caller(), access.actor()));
		IFhirResourceDao<DocumentReference> documents = daos.getResourceDao(DocumentReference.class);
		DocumentReference stored = (DocumentReference) documents.create(document, new SystemRequestDetails()).getResource();
		recordChange(access, RestOperationTypeEnum.CREATE, stored, "a message's attachment filed by the patient's side");
		return stored;
	}

	/** The message as the caller may see it; otherwise the answer for a message that does not exist. */
	private Communication readAsCaller(IdType id, RequestDetails request) {
		String named = "Communication/" + id.getIdPart();
		Communication message;
		try {
			message = daos.getResourceDao(Communication.class).read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			throw UniformNotFound.notKnown(named);
		}
		AccessDecision decision = policy.decideAndRecord(request, message);
		if (!decision.allowed()) {
			throw UniformNotFound.notKnown(named);
		}
		return message;
	}

	private static boolean isRecipient(Actor actor, Communication message) {
		for (Reference recipient : message.getRecipient()) {
			Set<String> keys = ActorKeys.of(recipient);
			if (actor.isNamedBy(keys)) {
				return true;
			}
			// The patient's side reads the mail of the space: the patient and a legal representative mark
			// what was sent to the patient.
			if (actor.patient() != null && keys.contains("Patient/" + actor.patient())
					&& actor.role() != Actor.Role.DELEGATE) {
				return true;
			}
		}
		return false;
	}

	/** The space a message is in (its subject), if it names one. */
	private static String spaceOf(Communication message) {
		var subject = message.getSubject().getReferenceElement();
		return "Patient".equals(subject.getResourceType()) && subject.hasIdPart() ? subject.getIdPart() : null;
	}

	private static void requireHolder(Actor actor, String space, String what) {
		if (space == null || !actor.holdsSpace(space)) {
			throw new ForbiddenOperationException("Only the patient or a legal representative " + what);
		}
	}

	/** Every message of the message's thread in its space (the message alone if it has no thread). */
	private List<Communication> threadOf(Communication message, String space) {
		String thread = MessageThreads.threadOf(message).orElse(null);
		if (thread == null) {
			return List.of(message);
		}
		SearchParameterMap search = SearchParameterMap.newSynchronous();
		search.add(Communication.SP_IDENTIFIER, new TokenParam(MessageThreads.THREAD_SYSTEM, thread));
		search.add(Communication.SP_SUBJECT, new ReferenceParam("Patient/" + space));
		return daos.getResourceDao(Communication.class).search(search, new SystemRequestDetails()).getAllResources().stream()
				.map(Communication.class::cast)
				.toList();
	}

	private static Attachment attachmentAt(Communication message, IntegerType payload) {
		List<Integer> withAttachments = new java.util.ArrayList<>();
		for (int i = 0; i < message.getPayload().size(); i++) {
			if (message.getPayload().get(i).getContent() instanceof Attachment) {
				withAttachments.add(i);
			}
		}
		if (withAttachments.isEmpty()) {
			throw new InvalidRequestException("This message has no attachment to file");
		}
		int position;
		if (payload == null || payload.getValue() == null) {
			if (withAttachments.size() > 1) {
				throw new InvalidRequestException("This message has several attachments: payload names the one to file "
						+ "(its position among the payloads, from 0): " + withAttachments);
			}
			position = withAttachments.get(0);
		} else {
			position = payload.getValue();
			if (!withAttachments.contains(position)) {
				throw new InvalidRequestException("payload " + position + " is not an attachment of this message; attachments: "
						+ withAttachments);
			}
		}
		return (Attachment) message.getPayload().get(position).getContent();
	}

	/**
	 * The attachment with its bytes inline: a large one's are in the message's Binary (read as Carnet: the caller may
	 * read the message, and the Binary is the message's). Filed inline, they become the document's own Binary.
	 */
	private Attachment withItsBytes(Attachment attachment) {
		if (attachment.getData() != null) {
			return attachment;
		}
		IdType url = new IdType(attachment.getUrl());
		try {
			org.hl7.fhir.r4.model.Binary binary = daos.getResourceDao(org.hl7.fhir.r4.model.Binary.class)
					.read(url.toUnqualifiedVersionless(), new SystemRequestDetails());
			Attachment inline = attachment.copy();
			inline.setUrl(null);
			inline.setData(bytes.of(binary));
			return inline;
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			throw new InvalidRequestException("The bytes of this attachment are not available to file");
		}
	}

	private DocumentReference documentOf(Communication message, Attachment attachment, Coding type, Coding documentClass,
			String space) {
		Date now = Date.from(clock.instant());
		DocumentReference document = new DocumentReference();
		document.setMasterIdentifier(new Identifier().setSystem(UNIQUE_ID_SYSTEM).setValue("urn:uuid:" + UUID.randomUUID()));
		document.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
		document.setType(new CodeableConcept(type.copy()));
		document.addCategory(new CodeableConcept(documentClass.copy()));
		document.setSubject(new Reference("Patient/" + space));
		document.setDate(now);
		document.addAuthor(message.getSender().copy());
		document.setCustodian(new Reference().setDisplay("Carnet"));
		document.addSecurityLabel(new CodeableConcept(new Coding(CONFIDENTIALITY, "N", "normal")));
		document.setDescription(attachment.hasTitle() ? attachment.getTitle() : "Pièce jointe d'un message");
		Attachment content = attachment.copy();
		content.setCreationElement(message.getSentElement().copy());
		if (!content.hasTitle()) {
			content.setTitle("Pièce jointe d'un message");
		}
		document.addContent().setAttachment(content);
		document.getContext().getPeriod().setStart(message.hasSent() ? message.getSent() : now);
		document.getContext().addRelated(new Reference("Communication/" + message.getIdElement().getIdPart()));
		return document;
	}

	private void recordChange(RequestAccess access, RestOperationTypeEnum operation, IBaseResource resource, String why) {
		String id = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
		access.record(new RequestAccess.Access(operation, id, policy.factsOf(resource).patients(), AccessDecision.allow(why)));
	}
}
