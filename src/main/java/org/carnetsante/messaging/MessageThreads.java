package org.carnetsante.messaging;

import java.util.Optional;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * How a message says which conversation it belongs to and who read it (profiles {@code carnet-message} and
 * {@code message-read-receipt} of the implementation guide). Carnet sets both; clients read them.
 * <ul>
 *   <li>Every message of a thread carries the same identifier of system {@link #THREAD_SYSTEM}, given
 *       when a professional opens the thread; a reply also points at the thread's first message with
 *       {@code partOf} and at the message it answers with {@code inResponseTo}.
 *   <li>Each recipient who marks the message read adds one {@link #READ_RECEIPT} (who, when); the first
 *       one sets {@code received}.
 * </ul>
 */
public final class MessageThreads {

	public static final String THREAD_SYSTEM = "https://carnet.example/ig/message-thread";
	public static final String READ_RECEIPT = "https://carnet.example/ig/StructureDefinition/message-read-receipt";
	static final String RECEIPT_READER = "reader";
	static final String RECEIPT_TIME = "time";

	private MessageThreads() {}

	/** The thread identifier's value, if the message has one. */
	public static Optional<String> threadOf(Communication message) {
		return message.getIdentifier().stream()
				.filter(identifier -> THREAD_SYSTEM.equals(identifier.getSystem()) && identifier.hasValue())
				.map(Identifier::getValue)
				.findFirst();
	}

	/** Puts the message in a thread, replacing any thread identifier a client sent. */
	static void setThread(Communication message, String thread) {
		message.getIdentifier().removeIf(identifier -> THREAD_SYSTEM.equals(identifier.getSystem()));
		message.addIdentifier().setSystem(THREAD_SYSTEM).setValue(thread);
	}

	/** The read receipts of a message, as (reader, time) extensions. */
	static java.util.List<Extension> receiptsOf(Communication message) {
		return message.getExtensionsByUrl(READ_RECEIPT);
	}

	static Reference readerOf(Extension receipt) {
		Extension reader = receipt.getExtensionByUrl(RECEIPT_READER);
		return reader != null && reader.getValue() instanceof Reference reference ? reference : new Reference();
	}
}
