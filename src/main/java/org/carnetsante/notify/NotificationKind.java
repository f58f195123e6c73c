package org.carnetsante.notify;

/** What a patient is told about (design.md, "Notifications"). */
public enum NotificationKind {
	/** A document was added to the space (or became visible to the patient). */
	DOCUMENT_ADDED,
	/** A document of the space was replaced by a new version. */
	DOCUMENT_REPLACED,
	/** A professional opened the space in an emergency (break the glass, centre 15). */
	EMERGENCY_ACCESS,
	/** A message arrived for the patient (or their representative) in the secure messaging. */
	MESSAGE_RECEIVED,
	/** A professional booked an appointment in the patient's agenda. */
	APPOINTMENT_BOOKED,
	/** An appointment of the agenda is coming (carnet.agenda.reminders.appointment-lead before it). */
	APPOINTMENT_REMINDER,
	/** A vaccination of the schedule is due (its due day came). */
	VACCINATION_DUE,
	/** A round of an organized screening programme the person is invited to started. */
	SCREENING_DUE
}
