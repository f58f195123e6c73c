package org.carnetsante.agenda;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.delete.DeleteConflictOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.WritePolicy;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImmunizationRecommendation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * The reminders Carnet computes are Carnet's: a client (any REST caller, after the write policy has answered as
 * absent what it may not see) never creates a resource claiming to be one, nor changes or deletes one. A
 * recommendation changes when its inputs do: the immunizations recorded, the birth date.
 */
@Interceptor
public class ComputedReminderGuard {

	public static final int HOOK_ORDER = WritePolicy.HOOK_ORDER + 50;

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeCreate(IBaseResource resource, RequestDetails request) {
		if (RequestAccess.of(request) != null && claimsToBeComputed(resource)) {
			String diagnostics = "the tag " + ComputedReminders.TAG_SYSTEM + "|" + ComputedReminders.TAG_CODE + " and the identifier system "
					+ ComputedReminders.IDENTIFIER_SYSTEM + " are Carnet's, for the reminders it computes";
			throw new UnprocessableEntityException(diagnostics,
					OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, null, diagnostics));
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void beforeChange(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		if (RequestAccess.of(request) != null) {
			if (isComputed(previous)) {
				throw refused("changed");
			}
			beforeCreate(updated, request);
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void beforeDelete(IBaseResource deleted, RequestDetails request) {
		if (RequestAccess.of(request) != null && isComputed(deleted)) {
			throw refused("deleted");
		}
	}

	/**
	 * A computed recommendation names the immunizations it counted: deleting one of them (recorded by mistake) is not
	 * refused for that reference; the deletion queues the recomputation that drops it ({@link ReminderInputs}).
	 */
	@Hook(Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS)
	public DeleteConflictOutcome computedReferencesDoNotHold(
			DeleteConflictList conflicts) {
		conflicts.removeIf(conflict -> SUPPORTING_IMMUNIZATION.equals(conflict.getSourcePath()));
		return null;
	}

	private static final String SUPPORTING_IMMUNIZATION = "ImmunizationRecommendation.recommendation.supportingImmunization";

	private static ForbiddenOperationException refused(String what) {
		return new ForbiddenOperationException("A reminder Carnet computed is not " + what + " by clients: it follows the"
				+ " immunizations recorded and the person's birth date");
	}

	static boolean isComputed(IBaseResource resource) {
		return resource != null && resource.getMeta().getTag(ComputedReminders.TAG_SYSTEM, ComputedReminders.TAG_CODE) != null;
	}

	private static boolean claimsToBeComputed(IBaseResource resource) {
		if (isComputed(resource)) {
			return true;
		}
		List<Identifier> identifiers =
				resource instanceof ImmunizationRecommendation recommendation ? recommendation.getIdentifier()
						: resource instanceof ServiceRequest request ? request.getIdentifier() : List.of();
		return identifiers.stream().anyMatch(identifier -> ComputedReminders.IDENTIFIER_SYSTEM.equals(identifier.getSystem()));
	}
}
