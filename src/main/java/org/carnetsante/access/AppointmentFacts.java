package org.carnetsante.access;

import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Reference;

/**
 * What the access policy reads of an appointment of the health agenda (design.md §3): who booked it (recorded
 * by Carnet from the token, extension {@link #BOOKED_BY}, like a document's sender) and who takes part in
 * it. An appointment is seen by the patient's side of its space, and among professionals and organizations
 * by those who take part in it or booked it ({@link AccessPolicy}); it is changed by whoever booked it
 * ({@code agenda.AppointmentRules}).
 */
public final class AppointmentFacts {

	public static final String BOOKED_BY = "https://carnet.example/ig/StructureDefinition/appointment-booked-by";

	private AppointmentFacts() {}

	/** The keys naming who booked it (none for an appointment Carnet stored without one). */
	public static Set<String> bookerKeys(Appointment appointment) {
		Extension booker = appointment.getExtensionByUrl(BOOKED_BY);
		return booker != null && booker.getValue() instanceof Reference reference ? ActorKeys.of(reference) : Set.of();
	}

	/** The keys naming every participant and the booker. */
	public static Set<String> participantKeys(Appointment appointment) {
		Set<String> keys = new LinkedHashSet<>(bookerKeys(appointment));
		for (Appointment.AppointmentParticipantComponent participant : appointment.getParticipant()) {
			keys.addAll(ActorKeys.of(participant.getActor()));
		}
		return keys;
	}

	/** Records who booked it, replacing whatever the request carried. */
	public static void recordBooker(Appointment appointment, Reference booker) {
		appointment.getExtension().removeIf(extension -> BOOKED_BY.equals(extension.getUrl()));
		appointment.addExtension(BOOKED_BY, booker);
	}

	/** Keeps the booker recorded on the stored version, whatever the update carries. */
	public static void keepBooker(Appointment stored, Appointment updated) {
		updated.getExtension().removeIf(extension -> BOOKED_BY.equals(extension.getUrl()));
		Extension booker = stored.getExtensionByUrl(BOOKED_BY);
		if (booker != null) {
			updated.addExtension(booker.copy());
		}
	}
}
