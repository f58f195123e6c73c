package org.carnetsante.access;

import java.util.Arrays;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The total of a search as the caller sees it ({@code _summary=count}, {@code _total=accurate}): HAPI's
 * count query counts every match, including what the access policy withholds, so this runs the same
 * search and counts the matches the policy lets through. Searches by professionals and organizations
 * are confined to one space ({@link SearchConfinement}) and patients' to their own, which keeps the
 * work to one space's worth of resources; beyond {@code carnet.access.max-counted-matches} the count
 * is refused rather than guessed.
 */
public class VisibleTotals {

	/** Parameters that shape the answer, not the set of matches. */
	private static final Set<String> NOT_FILTERS = Set.of(Constants.PARAM_COUNT, Constants.PARAM_OFFSET,
			Constants.PARAM_SUMMARY, Constants.PARAM_SEARCH_TOTAL_MODE, Constants.PARAM_SORT, Constants.PARAM_ELEMENTS,
			Constants.PARAM_FORMAT, Constants.PARAM_PRETTY, Constants.PARAM_INCLUDE, Constants.PARAM_REVINCLUDE);
	/** Full-text parameters, which a match URL does not carry. */
	private static final Set<String> FULL_TEXT = Set.of(Constants.PARAM_CONTENT, Constants.PARAM_TEXT);

	private final FhirContext fhirContext;
	private final DaoRegistry daos;
	private final MatchUrlService matchUrls;
	private final AccessPolicyService policy;
	private final int maxCountedMatches;

	public VisibleTotals(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
			AccessPolicyService policy, int maxCountedMatches) {
		this.fhirContext = fhirContext;
		this.daos = daos;
		this.matchUrls = matchUrls;
		this.policy = policy;
		this.maxCountedMatches = maxCountedMatches;
	}

	private static final String COUNTED_BY_PROVIDER = VisibleTotals.class.getName() + ".countedByProvider";

	/**
	 * Called by a resource provider whose searches only ever match what the caller may see (the access
	 * log, confined to the caller's space): its own total is the caller's.
	 */
	public static void markCountedByProvider(RequestDetails request) {
		request.getUserData().put(COUNTED_BY_PROVIDER, Boolean.TRUE);
	}

	static boolean isCountedByProvider(RequestDetails request) {
		return Boolean.TRUE.equals(request.getUserData().get(COUNTED_BY_PROVIDER));
	}

	/** Whether the client asked for a total it must get exactly. */
	public static boolean isAsked(RequestDetails request) {
		return has(request, Constants.PARAM_SUMMARY, "count") || has(request, Constants.PARAM_SEARCH_TOTAL_MODE, "accurate");
	}

	public int count(RequestDetails request) {
		String type = request.getResourceName();
		if (request.getId() != null && request.getId().hasIdPart()) {
			throw new InvalidRequestException("Totals of compartment searches are not counted: search " + type
					+ " with the patient parameter instead");
		}
		StringBuilder query = new StringBuilder(type).append('?');
		SearchParameterMap search;
		for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
			String name = parameter.getKey();
			if (NOT_FILTERS.contains(name.split(":")[0]) || FULL_TEXT.contains(name)) {
				continue;
			}
			for (String value : parameter.getValue()) {
				query.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
						.append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&');
			}
		}
		search = matchUrls.translateMatchUrl(query.toString(), fhirContext.getResourceDefinition(type));
		for (String fullText : FULL_TEXT) {
			for (String value : request.getParameters().getOrDefault(fullText, new String[0])) {
				search.add(fullText, new StringParam(value));
			}
		}
		search.setLoadSynchronousUpTo(maxCountedMatches + 1);
		IBundleProvider matches = daos.getResourceDao(type).search(search, new SystemRequestDetails());
		List<IBaseResource> resources = matches.getAllResources();
		if (resources.size() > maxCountedMatches) {
			throw new InvalidRequestException("This search matches more than " + maxCountedMatches
					+ " resources: its visible total is not counted; narrow it (by patient, date, type…)");
		}
		int visible = 0;
		for (IBaseResource resource : resources) {
			if (policy.decide(request, resource).allowed()) {
				visible++;
			}
		}
		return visible;
	}

	private static boolean has(RequestDetails request, String parameter, String value) {
		String[] values = request.getParameters().get(parameter);
		return values != null && Arrays.asList(values).contains(value);
	}
}
