package org.carnetsante.agenda;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.carnetsante.notify.NotificationKind;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.Patient;

/**
 * What changes a space's reminders, caught in the transaction of the change (a rolled-back write changes
 * nothing): a Patient's birth date, sex, activity or death and any Immunization queue the space for computation;
 * an appointment's start or status sets its reminder ({@code lead} before it starts; none once cancelled, deleted
 * or past).
 */
@Interceptor
public class ReminderInputs {

	private static final Set<Appointment.AppointmentStatus> REMINDED =
			Set.of(Appointment.AppointmentStatus.BOOKED, Appointment.AppointmentStatus.PENDING);

	private final ReminderStore store;
	private final Clock clock;
	private final Duration lead;

	public ReminderInputs(ReminderStore store, Clock clock, Duration lead) {
		this.store = store;
		this.clock = clock;
		this.lead = lead;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			// A new space waits its turn (a national provisioning creates millions); a change does not.
			store.queue(patient.getIdElement().getIdPart(), clock.instant());
		}
		changed(null, resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource updated) {
		if (updated instanceof Patient patient && previous instanceof Patient before && !sameForecastInputs(before, patient)) {
			store.queueChange(patient.getIdElement().getIdPart());
		}
		changed(previous, updated);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			store.queueChange(patient.getIdElement().getIdPart());
		}
		if (resource instanceof Immunization immunization) {
			queueSpaceOf(immunization);
		}
		if (resource instanceof Appointment appointment) {
			patientOf(appointment).ifPresent(patient -> store.replaceAppointmentReminder(patient, reference(appointment), Optional.empty()));
		}
	}

	private void changed(IBaseResource previous, IBaseResource resource) {
		if (resource instanceof Immunization immunization) {
			queueSpaceOf(immunization);
			if (previous instanceof Immunization before && !Objects.equals(spaceOf(before), spaceOf(immunization))) {
				queueSpaceOf(before);
			}
		}
		if (resource instanceof Appointment appointment) {
			patientOf(appointment).ifPresent(patient ->
					store.replaceAppointmentReminder(patient, reference(appointment), reminderOf(appointment)));
		}
	}

	private static boolean sameForecastInputs(Patient before, Patient after) {
		return Objects.equals(before.getBirthDateElement().getValueAsString(), after.getBirthDateElement().getValueAsString())
				&& before.getGender() == after.getGender()
				&& Objects.equals(before.getActiveElement().getValueAsString(), after.getActiveElement().getValueAsString())
				&& Objects.equals(before.getDeceased() == null ? null : before.getDeceased().primitiveValue(),
						after.getDeceased() == null ? null : after.getDeceased().primitiveValue());
	}

	private void queueSpaceOf(Immunization immunization) {
		String patient = spaceOf(immunization);
		if (patient != null) {
			store.queueChange(patient);
		}
	}

	private static String spaceOf(Immunization immunization) {
		IIdType patient = immunization.getPatient().getReferenceElement();
		return "Patient".equals(patient.getResourceType()) && patient.hasIdPart() ? patient.getIdPart() : null;
	}

	/** The reminder an appointment wants: {@code lead} before its start (at once if that is past), while it is to come. */
	private Optional<ReminderStore.Wanted> reminderOf(Appointment appointment) {
		Instant now = clock.instant();
		if (!REMINDED.contains(appointment.getStatus()) || !appointment.hasStart() || !appointment.getStart().toInstant().isAfter(now)) {
			return Optional.empty();
		}
		Instant start = appointment.getStart().toInstant();
		Instant due = start.minus(lead).isBefore(now) ? now : start.minus(lead);
		return Optional.of(new ReminderStore.Wanted(NotificationKind.APPOINTMENT_REMINDER,
				"appointment/" + appointment.getIdElement().getIdPart() + "/" + start, reference(appointment), due));
	}

	private static Optional<String> patientOf(Appointment appointment) {
		return appointment.getParticipant().stream().map(participant -> participant.getActor().getReferenceElement())
				.filter(actor -> "Patient".equals(actor.getResourceType()) && actor.hasIdPart())
				.map(IIdType::getIdPart).findFirst();
	}

	private static String reference(Appointment appointment) {
		return "Appointment/" + appointment.getIdElement().getIdPart();
	}
}
