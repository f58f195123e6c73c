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
	SCREENING_DUE,
	/**
	 * The information notice: a space will be opened for the person unless they oppose before the deadline;
	 * carries the activation code (sent to a registry person, {@link NotificationOutbox#REGISTRY_RECIPIENT}).
	 */
	SPACE_NOTICE,
	/** The space was opened (activated by the person, or at the end of the opposition period). */
	SPACE_OPENED,
	/** The person opposed the opening of their space. */
	SPACE_OPPOSED,
	/** The space was closed (its content kept, or deleted when the person asked). */
	SPACE_CLOSED,
	/** A closed space was reopened. */
	SPACE_REOPENED,
	/**
	 * An invitation to a space (a delegate, a second legal representative), with its code; sent to an e-mail
	 * address ({@link NotificationOutbox#ADDRESS_RECIPIENT}).
	 */
	SPACE_INVITATION,
	/** The person came of age: their legal representatives no longer reach the space, which is now theirs. */
	SPACE_COMING_OF_AGE
}
