package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

/**
 * Refuses (400) a resource holding a value that cannot be stored, indexed or sent back
 * ({@link StorableValues}): when a request brings it, whatever its format (JSON, XML, a Bundle's
 * entries, a FHIRPath Patch's Parameters), before any other hook sees it; and again just before
 * anything is stored, which also covers what a patch produces. Registered on the FHIR server, its
 * storage hooks run for every write that comes through it, transaction entries included, and a refusal
 * there rolls the whole transaction back.
 */
@Interceptor
public class StorableValueGuard {

	/** Before every other hook: the access policy, the write rules and validation see only storable values. */
	static final int HOOK_ORDER = -1000;

	private final StorableValues values;

	public StorableValueGuard(FhirContext fhirContext, ISearchParamRegistry searchParameters, DecimalBounds decimals,
			int maxSearchValues) {
		this.values = new StorableValues(decimals, Set.copyOf(fhirContext.getResourceTypes()), maxSearchValues,
				new SearchValueSyntax(fhirContext, searchParameters));
	}

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = HOOK_ORDER)
	public void checkReceived(RequestDetails request) {
		check(request.getResource());
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void checkCreated(IBaseResource created) {
		check(created);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void checkUpdated(IBaseResource previous, IBaseResource updated) {
		check(updated);
	}

	private void check(IBaseResource resource) {
		if (resource instanceof Resource fhir) {
			values.firstProblem(fhir).ifPresent(refusal -> {
				throw OperationOutcomes.invalid(
						OperationOutcome.IssueType.INVALID, refusal.expression(), refusal.diagnostics());
			});
		}
	}
}
