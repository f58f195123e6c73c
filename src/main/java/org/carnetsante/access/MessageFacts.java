package org.carnetsante.access;

import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Reference;

/**
 * What the access policy reads of a message (a {@code Communication} of the secure messaging, design.md §3):
 * who sent it, to whom, and whether the patient side removed its thread from their view. A message is
 * seen by its sender, its recipients and the patient side of its space, nobody else
 * ({@link AccessPolicy}); the rules of writing one are the {@code messaging} package's.
 */
public final class MessageFacts {

	/** {@code meta.tag} system of the marks Carnet puts on messages. */
	public static final String TAG_SYSTEM = "https://carnet.example/ig/CodeSystem/message-view";
	/** The thread was removed from the patient side's view (the sender's and the professionals' copies stay). */
	public static final String REMOVED_FROM_PATIENT_VIEW = "removed-by-patient";

	private MessageFacts() {}

	/** The keys naming the sender (as Carnet recorded it from the token). */
	public static Set<String> senderKeys(Communication message) {
		return ActorKeys.of(message.getSender());
	}

	/** The keys naming the sender and every recipient. */
	public static Set<String> participantKeys(Communication message) {
		Set<String> keys = new LinkedHashSet<>(senderKeys(message));
		for (Reference recipient : message.getRecipient()) {
			keys.addAll(ActorKeys.of(recipient));
		}
		return keys;
	}

	public static boolean removedFromPatientView(Communication message) {
		for (IBaseCoding tag : message.getMeta().getTag()) {
			if (TAG_SYSTEM.equals(tag.getSystem()) && REMOVED_FROM_PATIENT_VIEW.equals(tag.getCode())) {
				return true;
			}
		}
		return false;
	}
}
