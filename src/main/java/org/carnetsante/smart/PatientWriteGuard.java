package org.carnetsante.smart;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * What a patient-context token writes may concern that patient only. HAPI's compartment rule accepts a
 * resource as soon as one of its patient references is the caller's; this guard requires all of them
 * to be (an Observation about someone else, merely "performed" by the caller, is refused), and keeps
 * identities out of patients' hands: a patient token never creates, changes or deletes a Patient.
 *
 * <p>Runs on the pre-storage pointcuts, so transaction and batch entries are covered too.
 */
@Interceptor
public class PatientWriteGuard {

	private final FhirContext fhirContext;

	public PatientWriteGuard(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource created, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		check(created, request);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource updated, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		check(updated, request);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
	public void beforeDelete(IBaseResource deleted, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		check(deleted, request);
	}

	private void check(IBaseResource resource, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		if (request instanceof ca.uhn.fhir.rest.api.server.SystemRequestDetails) {
			return; // Carnet's own write on the patient's behalf (closing their space): judged by the code that makes it
		}
		String patient = CallerFromToken.current().map(CarnetCaller::patient).orElse(null);
		if (patient == null) {
			return;
		}
		if ("Patient".equals(fhirContext.getResourceType(resource))) {
			throw new ForbiddenOperationException("A patient token cannot create, change or delete a Patient");
		}
		String own = "Patient/" + patient;
		fhirContext.newTerser().getAllResourceReferences(resource).forEach(reference -> {
			var target = reference.getResourceReference().getReferenceElement();
			if ("Patient".equals(target.getResourceType()) && !own.equals(target.toUnqualifiedVersionless().getValue())) {
				throw new ForbiddenOperationException("A patient token may only write about its own patient");
			}
		});
	}
}
