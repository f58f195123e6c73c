package org.carnetsante.access;

import java.util.List;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;

/**
 * HAPI's consent interceptor, carrying Carnet's access policy ({@link AccessPolicyService}): its
 * storage pointcuts judge every resource read, searched, included or paged (a search's matches before
 * they are paged, so that what is withheld leaves no trace in pages, links or totals); on the way out,
 * this judges what was not judged yet by walking the response's resources (Bundle entries, Parameters)
 * rather than every element of them as HAPI does; and the totals are honest. HAPI's interceptor cannot
 * tell how many matches its consent service will withhold, so it refuses {@code _summary=count} and
 * {@code _total=accurate} and strips every {@code Bundle.total}. Here the totals are the caller's own:
 * <ul>
 *   <li>asked for ({@code _summary=count}, {@code _total=accurate}): counted over the matches the
 *       policy lets through ({@link VisibleTotals});
 *   <li>not asked, and the first page holds every match: the matches shown on it;
 *   <li>otherwise (later pages, histories, longer searches): left out, as FHIR allows.
 * </ul>
 */
public class AccessPolicyInterceptor extends ConsentInterceptor {

	private final AccessPolicyService policy;
	private final VisibleTotals totals;

	public AccessPolicyInterceptor(AccessPolicyService policy, VisibleTotals totals) {
		super(policy);
		this.policy = policy;
		this.totals = totals;
	}

	/** As HAPI's, without refusing the total parameters, which this interceptor answers truthfully. */
	@Override
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void interceptPreHandled(RequestDetails request) {
		if (Constants.URL_TOKEN_METADATA.equals(request.getRequestPath())
				|| request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
			return; // the capability statement (also as the OpenAPI description's source) holds no data
		}
		ConsentOutcome outcome = policy.startOperation(request, IConsentContextServices.NULL_IMPL);
		if (outcome.getStatus() == ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum.AUTHORIZED) {
			authorizeRequest(request);
		}
	}

	/**
	 * A page about to be shown (search matches and includes, history entries, $everything): its matches
	 * were filtered before paging; here what is shown is journaled for the access log, and a page served
	 * again (a later page) is judged for its caller once more. What HAPI loads while it writes is not
	 * shown yet: the response is judged on the way out.
	 */
	@Override
	@Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
	public void interceptPreShow(RequestDetails request, IPreResourceShowDetails resources) {
		if (AccessPolicyService.WRITES.contains(request.getRestOperationType())) {
			return;
		}
		for (int i = 0; i < resources.size(); i++) {
			IBaseResource resource = resources.getResource(i);
			if (resource != null && !policy.wasJudged(request, resource)
					&& !policy.decideAndRecord(request, resource).allowed()) {
				resources.setResource(i, null);
			}
		}
	}

	@Override
	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void interceptOutgoingResponse(RequestDetails request, ResponseDetails response) {
		if (response.getResponseResource() == null || Constants.URL_TOKEN_METADATA.equals(request.getRequestPath())
				|| request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
			return;
		}
		RestOperationTypeEnum operation = request.getRestOperationType();
		boolean search = operation == RestOperationTypeEnum.SEARCH_TYPE && response.getResponseResource() instanceof Bundle;
		Integer providersTotal = search && ((Bundle) response.getResponseResource()).hasTotal()
				? ((Bundle) response.getResponseResource()).getTotal() : null;
		judgeTheResponse(request, response);
		if (!(response.getResponseResource() instanceof Bundle bundle)) {
			return;
		}
		clearTotals(bundle);
		if (operation == RestOperationTypeEnum.HISTORY_INSTANCE && bundle.getEntry().isEmpty() && wasRefused(request)) {
			// Every version withheld: answer as for a resource that does not exist.
			throw new ResourceNotFoundException(UniformNotFound.message(request.getId().toUnqualifiedVersionless().getValue()));
		}
		if (search) {
			if (VisibleTotals.isCountedByProvider(request)) {
				if (providersTotal != null) {
					bundle.setTotal(providersTotal);
				}
			} else if (VisibleTotals.isAsked(request)) {
				bundle.setTotal(totals.count(request));
			} else {
				setTotalOfACompleteResult(bundle);
			}
		} else if (operation == RestOperationTypeEnum.BATCH || operation == RestOperationTypeEnum.TRANSACTION) {
			restoreTotalsOfEntrySearches(request, bundle);
		}
	}

	/**
	 * What leaves: every resource of the response, through Bundle entries (nested too) and Parameters,
	 * judged unless it already was on its way out of storage; one the caller may not see is replaced by
	 * the OperationOutcome saying so. HAPI's own interceptor walks every element of every resource for
	 * this; resources are only ever found at these places (contained ones belong to their container).
	 */
	private void judgeTheResponse(RequestDetails request, ResponseDetails response) {
		IBaseResource outer = response.getResponseResource();
		if (outer instanceof Bundle || outer instanceof Parameters) {
			judgeWithin(request, outer);
			return;
		}
		IBaseResource shown = judged(request, outer);
		if (shown != outer) {
			response.setResponseResource(shown);
		}
	}

	private void judgeWithin(RequestDetails request, IBaseResource container) {
		if (container instanceof Bundle bundle) {
			for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
				if (entry.getResource() != null) {
					entry.setResource((org.hl7.fhir.r4.model.Resource) judged(request, entry.getResource()));
				}
			}
		} else if (container instanceof Parameters parameters) {
			judgeParameters(request, parameters.getParameter());
		}
	}

	private void judgeParameters(RequestDetails request, List<Parameters.ParametersParameterComponent> parameters) {
		for (Parameters.ParametersParameterComponent parameter : parameters) {
			if (parameter.getResource() != null) {
				parameter.setResource((org.hl7.fhir.r4.model.Resource) judged(request, parameter.getResource()));
			}
			judgeParameters(request, parameter.getPart());
		}
	}

	/** The resource as the caller may get it: itself, or an OperationOutcome saying it is withheld. */
	private IBaseResource judged(RequestDetails request, IBaseResource resource) {
		if (resource instanceof Bundle || resource instanceof Parameters) {
			judgeWithin(request, resource);
			return resource;
		}
		if (resource instanceof OperationOutcome || policy.wasJudged(request, resource)) {
			return resource;
		}
		ConsentOutcome outcome = policy.willSeeResource(request, resource, IConsentContextServices.NULL_IMPL);
		return outcome.getStatus() == ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum.REJECT
				? outcome.getOperationOutcome() : resource;
	}

	/** HAPI's totals count matches before the policy: none leaves unless this interceptor sets it. */
	private static void clearTotals(Bundle bundle) {
		bundle.setTotalElement(null);
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			if (entry.getResource() instanceof Bundle nested) {
				clearTotals(nested);
			}
		}
	}

	private static boolean wasRefused(RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		String id = request.getId() == null ? null : request.getId().toUnqualifiedVersionless().getValue();
		return access != null && id != null && access.journal().stream()
				.anyMatch(decided -> id.equals(decided.resourceId()) && !decided.decision().allowed());
	}

	/**
	 * The searches of a batch or transaction: a result whose one page holds every match gets its total
	 * back; one that asked for a count, or spans pages, keeps none.
	 */
	private static void restoreTotalsOfEntrySearches(RequestDetails request, Bundle response) {
		if (!(request.getResource() instanceof Bundle asked)) {
			return;
		}
		for (int i = 0; i < response.getEntry().size() && i < asked.getEntry().size(); i++) {
			Bundle.BundleEntryRequestComponent entryRequest = asked.getEntry().get(i).getRequest();
			if (entryRequest.getMethod() == Bundle.HTTPVerb.GET && entryRequest.getUrl() != null
					&& !entryRequest.getUrl().contains(Constants.PARAM_SUMMARY + "=count")
					&& !entryRequest.getUrl().contains(Constants.PARAM_SEARCH_TOTAL_MODE + "=")
					&& response.getEntry().get(i).getResource() instanceof Bundle result
					&& result.getType() == Bundle.BundleType.SEARCHSET) {
				setTotalOfACompleteResult(result);
			}
		}
	}

	/** A first page with no next page holds every match the caller may see: they are its total. */
	private static void setTotalOfACompleteResult(Bundle page) {
		if (page.getLink(Bundle.LINK_NEXT) != null || page.getLink(Bundle.LINK_PREV) != null
				|| page.getLink("previous") != null) {
			return;
		}
		page.setTotal((int) page.getEntry().stream()
				.filter(entry -> entry.getSearch().getMode() != Bundle.SearchEntryMode.INCLUDE
						&& entry.getSearch().getMode() != Bundle.SearchEntryMode.OUTCOME)
				.count());
	}
}
