package org.carnetsante.space;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.UniformNotFound;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * Who may act on a space as a whole (its state, its invitations): the patient or a legal representative in
 * their own space, as the access policy sees them now (a representative of someone who came of age no longer
 * is). Anyone the policy keeps out of the space gets the answer of a space that does not exist; a delegate or
 * a professional who may read it, 403.
 */
final class SpaceHolders {

	private final AccessPolicyService policy;
	private final DaoRegistry daos;

	SpaceHolders(AccessPolicyService policy, DaoRegistry daos) {
		this.policy = policy;
		this.daos = daos;
	}

	/** The holder acting in this request, with the space's Patient. */
	record Holder(CarnetCaller caller, Actor actor, Patient patient) {}

	Holder require(RequestDetails request, String patientId, String what) {
		Patient patient;
		try {
			patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
		} catch (ResourceNotFoundException | ResourceGoneException absent) {
			throw UniformNotFound.notKnown("Patient/" + patientId);
		}
		if (!policy.decideAndRecord(request, patient).allowed()) {
			throw UniformNotFound.notKnown("Patient/" + patientId);
		}
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		if (actor == null || !actor.holdsSpace(patientId)) {
			throw new ForbiddenOperationException(what + " is for the patient and their legal representatives only");
		}
		return new Holder(access.caller(), actor, patient);
	}
}
