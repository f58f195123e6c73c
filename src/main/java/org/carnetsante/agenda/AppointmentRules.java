package org.carnetsante.agenda;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.AppointmentFacts;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.WritePolicy;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The health agenda's appointments (issue 14), after the write policy ({@link WritePolicy}: the space is open
 * and does not block the writer, a delegation writes nothing, what the writer may not see answers as absent):
 * <ul>
 *   <li>professionals' booking software books appointments for a space, the patient (or a legal
 *       representative) adds their own; Carnet records who booked it from the token (extension
 *       {@code appointment-booked-by}, whatever the request carried, kept on every update): a professional or
 *       organization by national identifier, the patient's side as the space's patient;
 *   <li>an appointment is in one space: one patient among its participants (422 otherwise);
 *   <li>an appointment is changed (rescheduled, cancelled) or deleted by whoever booked it only.
 * </ul>
 * Who sees an appointment is the access policy's: the patient's side, and among professionals those who take
 * part in it or booked it. Carnet's own writes (no REST caller) are not checked here.
 */
@Interceptor
public class AppointmentRules {

	public static final int HOOK_ORDER = WritePolicy.HOOK_ORDER + 50;

	private final AccessPolicyService policy;

	public AppointmentRules(AccessPolicyService policy) {
		this.policy = policy;
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeBooking(IBaseResource resource, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (resource instanceof Appointment appointment && access != null) {
			requireOneSpace(appointment);
			AppointmentFacts.recordBooker(appointment, RecordedSender.participantReference(access.caller(), access.actor()));
		}
	}

	/** One patient per appointment: two patients named in one would each see the other. */
	private void requireOneSpace(Appointment appointment) {
		if (policy.factsOf(appointment).patients().size() > 1) {
			String diagnostics = "an appointment is in one space: one patient among its participants";
			throw new UnprocessableEntityException(diagnostics,
					OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, "Appointment.participant", diagnostics));
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void beforeChange(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (updated instanceof Appointment appointment && previous instanceof Appointment stored && access != null) {
			requireBooker(access, stored, "changed (rescheduled, cancelled)");
			requireOneSpace(appointment);
			AppointmentFacts.keepBooker(stored, appointment);
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void beforeDelete(IBaseResource deleted, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (deleted instanceof Appointment stored && access != null) {
			requireBooker(access, stored, "deleted");
		}
	}

	private static void requireBooker(RequestAccess access, Appointment stored, String what) {
		if (!RecordedSender.isParticipant(access.actor(), AppointmentFacts.bookerKeys(stored))) {
			throw new ForbiddenOperationException("An appointment is " + what + " by whoever booked it only");
		}
	}
}
