package org.carnetsante.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.Set;
import org.carnetsante.access.EmergencyMode;

/**
 * What one AuditEvent records: during one interaction of a request, what one caller was allowed (or
 * refused) in one patient's space.
 *
 * @param operation the interaction
 * @param patient the space reached, if any
 * @param allowed allowed or refused by the access policy
 * @param resources relative ids of the resources concerned
 * @param reasons the policy's reasons (for refusals)
 * @param mode the emergency under which it was allowed, if any
 */
record AuditedAccess(
		RestOperationTypeEnum operation, String patient, boolean allowed, Set<String> resources, Set<String> reasons,
		EmergencyMode mode) {}
