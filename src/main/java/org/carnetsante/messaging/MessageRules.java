package org.carnetsante.messaging;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.util.Date;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.MessageFacts;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.WritePolicy;
import org.carnetsante.documents.AttachmentIntegrity;
import org.carnetsante.documents.BinaryDigest;
import org.carnetsante.documents.ClaimedBinaries;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who writes what to whom in the secure messaging (issue 14; our rule after the public service's: a
 * professional opens, a patient answers), on HAPI's pre-storage pointcuts, after the write policy
 * ({@link WritePolicy}: the space is open and does not block the writer, every reference names something
 * the writer may use, a delegation writes nothing) and before validation:
 * <ul>
 *   <li>a message belongs to one space: its {@code subject} is the patient, and nobody of another space
 *       is among its recipients (no patient writes to another patient);
 *   <li>a professional or an organization may open a thread with any open space that does not block them
 *       (no care relationship is needed to write, as for documents) or answer in a thread they see;
 *   <li>the patient, or a minor's legal representative, answers in a thread a professional opened,
 *       to the professionals of that thread, and never opens one;
 *   <li>who sent it is who wrote it: Carnet records the sender from the token and the time it was sent,
 *       puts the message in its thread ({@link MessageThreads}); {@code received} and read receipts come
 *       only from recipients marking it read ({@code $mark-read});
 *   <li>attachments travel inline, at most {@code carnet.messaging.attachment-max-size}, or larger as a Binary
 *       pushed in the same transaction (the message's own), with their {@code size} and SHA-1 {@code hash} checked
 *       as for documents;
 *   <li>a message is never changed nor deleted by a client once sent: recipients mark it read, the
 *       patient removes a thread from their view ({@link MessageOperations}).
 * </ul>
 * Carnet's own writes (the operations, no REST caller) are not checked here.
 */
@Interceptor
public class MessageRules {

	/** After the write policy, before document intake and validation. */
	public static final int HOOK_ORDER = WritePolicy.HOOK_ORDER + 50;

	private final DaoRegistry daos;
	private final AccessPolicyService policy;
	private final long attachmentMaxBytes;
	private final Clock clock;
	private final ClaimedBinaries binaries;

	public MessageRules(DaoRegistry daos, AccessPolicyService policy, long attachmentMaxBytes, Clock clock, ClaimedBinaries binaries) {
		this.binaries = binaries;
		this.daos = daos;
		this.policy = policy;
		this.attachmentMaxBytes = attachmentMaxBytes;
		this.clock = clock;
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeSending(IBaseResource resource, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (!(resource instanceof Communication message) || access == null) {
			return;
		}
		Actor actor = access.actor();
		requireLocalReferences(message);
		requireSubjectIsASpace(message);
		refuseViewMarks(message);
		// The spaces it is in, as the access policy sees them (references to entries of the same transaction
		// resolved): exactly one.
		Set<String> patients = policy.factsOf(message).patients();
		String space = patients.size() == 1 ? patients.iterator().next() : null;
		if (space == null) {
			throw refused("Communication.recipient", "a message stays within one space, its subject's: its sender and "
					+ "recipients are professionals, organizations or the patient's side of that space");
		}
		if (message.hasReceived() || !MessageThreads.receiptsOf(message).isEmpty()) {
			throw refused("Communication.received",
					"received and read receipts are set when a recipient marks the message read (Communication/[id]/$mark-read)");
		}
		if (!message.hasRecipient()) {
			throw refused("Communication.recipient", "a message has at least one recipient");
		}
		requireRelativesOfTheSpace(message, space);
		requireSenderIsCaller(message, actor);
		message.setSender(RecordedSender.participantReference(access.caller(), actor));
		message.setSentElement(new org.hl7.fhir.r4.model.DateTimeType(Date.from(clock.instant())));
		placeInThread(message, actor, space);
		checkAttachments(message);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void beforeChange(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		if (updated instanceof Communication && RequestAccess.of(request) != null) {
			throw new MethodNotAllowedException("A message is not changed once sent: a recipient marks it read with "
					+ "Communication/[id]/$mark-read");
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void beforeDelete(IBaseResource deleted, RequestDetails request) {
		if (deleted instanceof Communication && RequestAccess.of(request) != null) {
			throw new MethodNotAllowedException("A message is not deleted: the patient removes a thread from their view "
					+ "with Communication/[id]/$remove-from-view, the sender's copy stays");
		}
	}

	/**
	 * A message names what it is about, answers and is sent to by references to this server or by national
	 * identifiers: an absolute URL would be read by Carnet before HAPI refuses it, and its answer would tell
	 * what exists.
	 */
	private static void requireLocalReferences(Communication message) {
		java.util.List<Reference> references = new java.util.ArrayList<>(message.getRecipient());
		references.add(message.getSubject());
		references.add(message.getSender());
		references.addAll(message.getInResponseTo());
		references.addAll(message.getPartOf());
		for (Reference reference : references) {
			if (reference.hasReference() && reference.getReferenceElement().isAbsolute()) {
				throw refused("Communication", "a message refers to this server's resources by relative reference "
						+ "(Patient/[id], Communication/[id]…) or to people by national identifier, not by absolute URL");
			}
		}
	}

	/**
	 * Who sees a message is its recipients' and the patient's business: a sender cannot hide it from the
	 * patient's view nor label it (TRE_A07 labels are a document's).
	 */
	private static void refuseViewMarks(Communication message) {
		boolean marked = message.getMeta().getTag().stream().anyMatch(tag -> MessageFacts.TAG_SYSTEM.equals(tag.getSystem()))
				|| message.getMeta().getSecurity().stream()
						.anyMatch(label -> org.carnetsante.access.VisibilityLabels.SYSTEM.equals(label.getSystem()));
		if (marked) {
			throw refused("Communication.meta", "a message carries no view marks nor visibility labels: the patient removes "
					+ "a thread from their view with Communication/[id]/$remove-from-view");
		}
	}

	private static void requireSubjectIsASpace(Communication message) {
		Reference subject = message.getSubject();
		boolean patient = "Patient".equals(subject.getReferenceElement().getResourceType())
				|| subject.getResource() instanceof org.hl7.fhir.r4.model.Patient
				|| (subject.hasReference() && subject.getReference().startsWith("urn:uuid:"));
		if (!patient) {
			throw refused("Communication.subject", "a message belongs to a space: its subject is the patient (Patient/[id])");
		}
	}

	/** A relative among the recipients is one of this space's (a parent, a delegate), not another's. */
	private void requireRelativesOfTheSpace(Communication message, String space) {
		for (Reference recipient : message.getRecipient()) {
			IIdType target = recipient.getReferenceElement();
			if (!"RelatedPerson".equals(target.getResourceType()) || !target.hasIdPart()) {
				continue;
			}
			org.hl7.fhir.r4.model.RelatedPerson relative = daos.getResourceDao(org.hl7.fhir.r4.model.RelatedPerson.class)
					.read(target.toUnqualifiedVersionless(), new SystemRequestDetails());
			if (!space.equals(relative.getPatient().getReferenceElement().getIdPart())) {
				throw refused("Communication.recipient", "a message stays within its space (Patient/" + space
						+ "): its sender and recipients are professionals, organizations or the patient's side of that space");
			}
		}
	}

	/** A sender the request names must be the caller; Carnet then records the caller as its token names it. */
	private static void requireSenderIsCaller(Communication message, Actor actor) {
		if (message.hasSender() && !RecordedSender.isParticipant(actor, ActorKeys.of(message.getSender()))) {
			throw refused("Communication.sender", "the sender of a message is who sends it: leave sender out, Carnet "
					+ "records it from the token");
		}
	}

	private void placeInThread(Communication message, Actor actor, String space) {
		message.getPartOf().clear();
		if (!message.hasInResponseTo()) {
			if (!actor.role().isCareSide()) {
				throw new ForbiddenOperationException("A patient answers in a thread a professional opened and does not open "
						+ "one: name the message answered in inResponseTo");
			}
			MessageThreads.setThread(message, UUID.randomUUID().toString());
			return;
		}
		if (message.getInResponseTo().size() > 1) {
			throw refused("Communication.inResponseTo", "a message answers one message");
		}
		IIdType answeredId = message.getInResponseToFirstRep().getReferenceElement();
		if (!"Communication".equals(answeredId.getResourceType()) || !answeredId.hasIdPart()) {
			throw refused("Communication.inResponseTo", "inResponseTo names the message answered: Communication/[id]");
		}
		// The write policy already refused a reference to a message the caller may not see, as if absent.
		Communication answered = daos.getResourceDao(Communication.class).read(
				answeredId.toUnqualifiedVersionless(), new SystemRequestDetails());
		if (!space.equals(answered.getSubject().getReferenceElement().getIdPart())) {
			throw refused("Communication.inResponseTo", "a reply stays in the space of the message it answers");
		}
		if (actor.role().isPatientSide()) {
			requireRepliesToTheThreadsProfessionals(message, answered);
		}
		String thread = MessageThreads.threadOf(answered).orElseGet(() -> "Communication/" + answered.getIdElement().getIdPart());
		MessageThreads.setThread(message, thread);
		Reference first = answered.hasPartOf() ? answered.getPartOfFirstRep().copy()
				: new Reference("Communication/" + answered.getIdElement().getIdPart());
		message.addPartOf(first);
	}

	/** The patient side writes to the professionals and organizations of the thread, nobody else. */
	private static void requireRepliesToTheThreadsProfessionals(Communication reply, Communication answered) {
		Set<String> threadParticipants = new HashSet<>(MessageFacts.participantKeys(answered));
		for (Reference recipient : reply.getRecipient()) {
			boolean patientSide = RecordedSender.namesThePatientSide(recipient);
			// Every way the recipient is named must be the thread's: a reference to someone else beside the
			// identifier of the thread's professional would reach them.
			Set<String> keys = ActorKeys.of(recipient);
			boolean inThread = !keys.isEmpty() && threadParticipants.containsAll(keys);
			if (patientSide || !inThread) {
				throw refused("Communication.recipient", "a patient's reply goes to the professionals of the thread it "
						+ "answers (the sender or recipients of the message answered)");
			}
		}
	}

	/**
	 * An attachment travels inline up to {@code attachmentMaxBytes}, or, larger, as a Binary pushed in the same
	 * transaction ({@code url}: the Binary's entry), checked once the transaction has stored both ({@link #onceStored}).
	 */
	private void checkAttachments(Communication message) {
		for (int i = 0; i < message.getPayload().size(); i++) {
			if (!(message.getPayload().get(i).getContent() instanceof Attachment attachment)) {
				continue;
			}
			String path = "Communication.payload[" + i + "].contentAttachment";
			if (!attachment.hasContentType()) {
				throw refused(path + ".contentType", "a message's attachment says its MIME type (contentType)");
			}
			if (attachment.getData() == null) {
				if (!attachment.hasUrl()) {
					throw refused(path + ".data", "a message's attachment travels inline (data) or, larger, as a Binary pushed "
							+ "in the same transaction (url), with its size and SHA-1 hash");
				}
				continue;
			}
			if (attachment.hasUrl()) {
				throw refused(path + ".url", "an attachment is inline (data) or a Binary (url), not both");
			}
			if (attachment.getData().length > attachmentMaxBytes) {
				throw refused(path + ".data", "a message's attachment is at most " + attachmentMaxBytes + " bytes inline; this one has "
						+ attachment.getData().length + " (push it as a Binary in the same transaction and point url at it)");
			}
			AttachmentIntegrity.check(attachment, BinaryDigest.of(attachment.getData()), path, "the message");
		}
	}

	/** A message's Binary attachments are its own (claimed) and tell the truth about their bytes. */
	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void onceStored(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
		if (!(resource instanceof Communication message) || RequestAccess.of(request) == null) {
			return;
		}
		for (int i = 0; i < message.getPayload().size(); i++) {
			if (message.getPayload().get(i).getContent() instanceof Attachment attachment && attachment.getData() == null
					&& attachment.hasUrl()) { // not one HAPI moved to the binary storage (no url)
				binaries.claim(attachment, "Communication.payload[" + i + "].contentAttachment",
						"Communication/" + message.getIdElement().getIdPart(), "the message", transaction, true);
			}
		}
	}

	static UnprocessableEntityException refused(String expression, String diagnostics) {
		return new UnprocessableEntityException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, expression, diagnostics));
	}
}
