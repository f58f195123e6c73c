package org.carnetsante.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Group;

/**
 * A Group's manager is whoever created it, from the token ("who sent it is who wrote it"): Carnet sets
 * {@code Group.managingEntity} on create, whatever the request said, and keeps it on every update. A
 * hospital exports only the Groups it manages ({@code Group/[id]/$export}).
 */
@Interceptor
public class GroupManagers {

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void recordTheManager(IBaseResource created, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (created instanceof Group group && access != null) {
			group.setManagingEntity(RecordedSender.referenceTo(access.caller()));
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void keepTheManager(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		if (request instanceof ServletRequestDetails && previous instanceof Group stored && updated instanceof Group group) {
			group.setManagingEntity(stored.getManagingEntity().copy());
		}
	}
}
