package org.carnetsante.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.carnetsante.access.AppointmentFacts;
import org.carnetsante.access.RecordedSender;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Reference;

/**
 * The patient is told when a message arrives for their side of the space (the patient, or a relative of the
 * space, among its recipients), and when a professional books an appointment with them, in the transaction
 * that stores it; what the patient's side writes itself tells nobody. Apps learn of both through their
 * Subscriptions on Communication and Appointment, judged by the access policy like a read.
 */
@Interceptor
public class MessageAndAppointmentNotifications {

	private final NotificationOutbox outbox;

	public MessageAndAppointmentNotifications(NotificationOutbox outbox) {
		this.outbox = outbox;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		if (resource instanceof Appointment appointment) {
			appointmentBooked(appointment);
			return;
		}
		if (!(resource instanceof Communication message)) {
			return;
		}
		IIdType subject = message.getSubject().getReferenceElement();
		if (!"Patient".equals(subject.getResourceType()) || !subject.hasIdPart()
				|| RecordedSender.namesThePatientSide(message.getSender())) {
			return;
		}
		boolean forThePatientSide = message.getRecipient().stream().map(Reference::getReferenceElement)
				.anyMatch(recipient -> "RelatedPerson".equals(recipient.getResourceType())
						|| ("Patient".equals(recipient.getResourceType()) && subject.getIdPart().equals(recipient.getIdPart())));
		if (forThePatientSide) {
			outbox.add(subject.getIdPart(), NotificationKind.MESSAGE_RECEIVED, "Communication/" + message.getIdElement().getIdPart());
		}
	}

	private void appointmentBooked(Appointment appointment) {
		Extension booker = appointment.getExtensionByUrl(AppointmentFacts.BOOKED_BY);
		if (booker == null || !(booker.getValue() instanceof Reference by) || RecordedSender.namesThePatientSide(by)) {
			return; // the patient's own, or Carnet's
		}
		appointment.getParticipant().stream().map(participant -> participant.getActor().getReferenceElement())
				.filter(actor -> "Patient".equals(actor.getResourceType()) && actor.hasIdPart())
				.map(IIdType::getIdPart).distinct()
				.forEach(patient -> outbox.add(patient, NotificationKind.APPOINTMENT_BOOKED,
						"Appointment/" + appointment.getIdElement().getIdPart()));
	}
}
