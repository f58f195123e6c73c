package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleEntryRequestComponent;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

/**
 * The shape of a transaction or batch Bundle, checked before any of its entries runs (400 naming the
 * entry, e.g. {@code Bundle.entry[3].request.url}): HAPI trusts the shape, and some shapes made it
 * store something else than asked (a Basic posted to {@code Observation}, an entry without URL stored
 * by the resource's type) or fail with a server error. FHIR R4 (bundle.html, http.html#transaction):
 * <ul>
 *   <li>{@code Bundle.type} is {@code transaction} or {@code batch}; at most
 *       {@code carnet.fhir.max-bundle-entries} entries;
 *   <li>a {@code fullUrl} is an absolute URI ({@code urn:uuid:…}, {@code urn:oid:…}, {@code http…}),
 *       and no two entries share one;
 *   <li>every entry has a {@code request} with a method (GET, POST, PUT, PATCH, DELETE) and a URL
 *       relative to the server's base: {@code Type} for POST; {@code Type/id} or {@code Type?search} for
 *       PUT, PATCH and DELETE; a read, search or operation for GET; its query string well formed
 *       ({@link QueryStringInspector});
 *   <li>POST and PUT carry a resource of the URL's type, PATCH a Binary (JSON Patch) or Parameters
 *       (a FHIRPath Patch of the right shape: {@link FhirPathPatchShape}), GET and DELETE none; no entry
 *       carries a Bundle;
 *   <li>the search values of entries (searches, conditional URLs, {@code ifNoneExist}) read as their
 *       search parameters' types ({@link SearchValueSyntax}): HAPI's batch processor answered
 *       {@code value-quantity=text} with a 500 in the entry, where the same search sent alone gets a 400;
 *   <li>the conditions are well formed ({@link ConditionalHeaders}) and on the methods they apply to:
 *       {@code ifMatch} on PUT, PATCH and DELETE of {@code Type/id}, {@code ifNoneExist} on POST,
 *       {@code ifNoneMatch} and {@code ifModifiedSince} on GET.
 * </ul>
 */
@Interceptor
public class TransactionBundleShape {

	/** After the values are known storable, before any other hook reads the entries. */
	static final int HOOK_ORDER = StorableValueGuard.HOOK_ORDER + 1;

	/** FHIR's id type: [A-Za-z0-9\-\.]{1,64}. */
	private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
	private static final Pattern UUID_URN =
			Pattern.compile("urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
	private static final Pattern OID_URN = Pattern.compile("urn:oid:[0-2](\\.(0|[1-9][0-9]*))+");
	private static final Set<HTTPVerb> METHODS =
			Set.of(HTTPVerb.GET, HTTPVerb.POST, HTTPVerb.PUT, HTTPVerb.PATCH, HTTPVerb.DELETE);
	private static final Set<String> PATCH_CARRIERS = Set.of("Binary", "Parameters");

	private final SearchValueSyntax searchValues;
	private final FhirPathPatchShape fhirPathPatches;
	private final Set<String> resourceTypes;
	private final int maxEntries;
	private final int maxSearchValues;

	public TransactionBundleShape(FhirContext fhirContext, ISearchParamRegistry searchParameters, int maxEntries,
			int maxSearchValues) {
		this.searchValues = new SearchValueSyntax(fhirContext, searchParameters);
		this.fhirPathPatches = new FhirPathPatchShape(fhirContext);
		this.resourceTypes = Set.copyOf(fhirContext.getResourceTypes());
		this.maxEntries = maxEntries;
		this.maxSearchValues = maxSearchValues;
	}

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = HOOK_ORDER)
	public void checkShape(RequestDetails request) {
		RestOperationTypeEnum operation = request.getRestOperationType();
		if ((operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH)
				&& request.getResource() instanceof Bundle bundle) {
			check(bundle);
		}
	}

	void check(Bundle bundle) {
		if (bundle.getType() != Bundle.BundleType.TRANSACTION && bundle.getType() != Bundle.BundleType.BATCH) {
			throw refusal("Bundle.type", "A Bundle posted to the server's base is of type transaction or batch, not "
					+ (bundle.hasType() ? bundle.getType().toCode() : "untyped"));
		}
		List<BundleEntryComponent> entries = bundle.getEntry();
		if (entries.size() > maxEntries) {
			throw refusal("Bundle.entry", "A " + bundle.getType().toCode() + " holds at most " + maxEntries
					+ " entries, not " + entries.size());
		}
		Set<String> fullUrls = new HashSet<>();
		for (int i = 0; i < entries.size(); i++) {
			String at = "Bundle.entry[" + i + "]";
			BundleEntryComponent entry = entries.get(i);
			if (entry.hasFullUrl()) {
				checkFullUrl(entry.getFullUrl(), at + ".fullUrl");
				if (!fullUrls.add(entry.getFullUrl())) {
					throw refusal(at + ".fullUrl", "Two entries have the fullUrl " + entry.getFullUrl());
				}
			}
			checkRequest(entry, at);
		}
	}

	private void checkFullUrl(String fullUrl, String at) {
		if (fullUrl.startsWith("urn:uuid:") ? !UUID_URN.matcher(fullUrl).matches()
				: fullUrl.startsWith("urn:oid:") ? !OID_URN.matcher(fullUrl).matches() : !isAbsoluteUri(fullUrl)) {
			throw refusal(at, "fullUrl must be an absolute URI (urn:uuid:<uuid>, urn:oid:<oid> or a URL), not '"
					+ FhirText.shown(fullUrl) + "'");
		}
	}

	private void checkRequest(BundleEntryComponent entry, String at) {
		if (!entry.hasRequest()) {
			throw refusal(at + ".request", "Every entry of a transaction or batch has a request (method and url)");
		}
		BundleEntryRequestComponent request = entry.getRequest();
		HTTPVerb method = request.getMethod();
		if (method == null || !METHODS.contains(method)) {
			throw refusal(at + ".request.method", "The method is GET, POST, PUT, PATCH or DELETE"
					+ (method == null ? "" : ", not " + method.toCode()));
		}
		if (!request.hasUrl() || request.getUrl().isBlank()) {
			throw refusal(at + ".request.url", "Every entry's request has a url");
		}
		EntryUrl url = EntryUrl.parse(request.getUrl())
				.orElseThrow(() -> refusal(at + ".request.url", "The url is relative to the server's base (Patient,"
						+ " Patient/123, Patient?identifier=…), not '" + FhirText.shown(request.getUrl()) + "'"));
		if (url.query() != null) {
			QueryStringInspector.check(url.query(), at + ".request.url", maxSearchValues);
		}
		checkTarget(method, url, at + ".request.url");
		checkResource(method, url, entry.getResource(), at);
		checkConditions(method, url, request, at + ".request");
		if (url.query() != null && resourceTypes.contains(url.path().get(0))) {
			checkSearchValues(url.path().get(0), url.query(), at + ".request.url");
		}
		if (request.hasIfNoneExist() && resourceTypes.contains(url.path().get(0))) {
			String ifNoneExist = request.getIfNoneExist();
			checkSearchValues(url.path().get(0), ifNoneExist.substring(ifNoneExist.indexOf('?') + 1), at + ".request.ifNoneExist");
		}
	}

	private void checkSearchValues(String type, String query, String at) {
		searchValues.problem(type, query).ifPresent(problem -> {
			throw refusal(at, "In this search, " + problem);
		});
	}

	/** What each method may address. */
	private void checkTarget(HTTPVerb method, EntryUrl url, String at) {
		List<String> path = url.path();
		boolean typed = resourceTypes.contains(path.get(0));
		boolean instance = typed && path.size() == 2 && ID.matcher(path.get(1)).matches();
		boolean conditional = typed && path.size() == 1 && url.query() != null;
		boolean valid = switch (method) {
			case POST -> typed && path.size() == 1 && url.query() == null;
			case PUT, PATCH, DELETE -> instance || conditional;
			default -> typed || path.get(0).startsWith("$") || path.get(0).equals("_history")
					|| path.get(0).equals("metadata");
		};
		if (!valid) {
			throw refusal(at, method.toCode() + " " + FhirText.shown(url.written()) + " is not something this"
					+ " method addresses: POST Type, PUT/PATCH/DELETE Type/id or Type?search, GET a read or a search");
		}
		if (typed && path.size() > 1 && !path.get(1).startsWith("$") && !path.get(1).startsWith("_")
				&& !ID.matcher(path.get(1)).matches()) {
			throw refusal(at, "'" + FhirText.shown(path.get(1)) + "' is not a resource id ([A-Za-z0-9-.]{1,64})");
		}
	}

	private void checkResource(HTTPVerb method, EntryUrl url, Resource resource, String at) {
		String type = url.path().get(0);
		switch (method) {
			case POST, PUT -> {
				if (resource == null) {
					throw refusal(at + ".resource", method.toCode() + " " + type + " carries the resource to store");
				}
				if (!resource.fhirType().equals(type)) {
					throw refusal(at + ".resource", "The resource is a " + resource.fhirType() + ", but the url names "
							+ type);
				}
			}
			case PATCH -> {
				if (resource == null || !PATCH_CARRIERS.contains(resource.fhirType())) {
					throw refusal(at + ".resource", "A PATCH entry carries its patch: a Binary (JSON Patch) or"
							+ " Parameters (FHIRPath Patch)");
				}
				if (resource instanceof org.hl7.fhir.r4.model.Parameters fhirPathPatch) {
					fhirPathPatches.check(fhirPathPatch, at + ".resource");
				}
			}
			default -> {
				if (resource != null) {
					throw refusal(at + ".resource", "A " + method.toCode() + " entry carries no resource");
				}
			}
		}
		if (resource instanceof Bundle) {
			throw refusal(at + ".resource", "An entry of a transaction or batch does not carry a Bundle");
		}
	}

	private void checkConditions(HTTPVerb method, EntryUrl url, BundleEntryRequestComponent request, String at) {
		if (request.hasIfMatch()) {
			refuseIfPresent(at + ".ifMatch", ConditionalHeaders.ifMatchProblem(request.getIfMatch()));
			boolean versionedWrite = method == HTTPVerb.PUT || method == HTTPVerb.PATCH || method == HTTPVerb.DELETE;
			if (!versionedWrite || url.path().size() != 2) {
				throw refusal(at + ".ifMatch", "ifMatch applies to PUT, PATCH or DELETE of Type/id");
			}
		}
		if (request.hasIfNoneExist()) {
			refuseIfPresent(at + ".ifNoneExist",
					ConditionalHeaders.ifNoneExistProblem(request.getIfNoneExist(), at + ".ifNoneExist", maxSearchValues));
			if (method != HTTPVerb.POST) {
				throw refusal(at + ".ifNoneExist", "ifNoneExist applies to POST");
			}
		}
		if (request.hasIfNoneMatch()) {
			refuseIfPresent(at + ".ifNoneMatch", ConditionalHeaders.ifNoneMatchProblem(request.getIfNoneMatch()));
		}
		if ((request.hasIfNoneMatch() || request.hasIfModifiedSince()) && method != HTTPVerb.GET) {
			throw refusal(at, "ifNoneMatch and ifModifiedSince apply to GET");
		}
	}

	private static boolean isAbsoluteUri(String value) {
		try {
			URI uri = new URI(value);
			return uri.isAbsolute() && uri.getScheme() != null;
		} catch (URISyntaxException e) {
			return false;
		}
	}

	private static void refuseIfPresent(String at, Optional<String> problem) {
		problem.ifPresent(why -> {
			throw refusal(at, why);
		});
	}

	private static ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refusal(String at, String problem) {
		return OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, at, at + ": " + problem);
	}

	/** An entry's url: its path segments and its query string (null if none). */
	record EntryUrl(String written, List<String> path, String query) {

		/** Empty when the url is absolute, starts with '/', or has an empty segment. */
		static Optional<EntryUrl> parse(String written) {
			String url = written.trim();
			if (url.contains("://") || url.startsWith("/") || url.startsWith("?")) {
				return Optional.empty();
			}
			int questionMark = url.indexOf('?');
			String path = questionMark < 0 ? url : url.substring(0, questionMark);
			String query = questionMark < 0 ? null : url.substring(questionMark + 1);
			if (path.isEmpty() || path.endsWith("/") || path.contains("//")) {
				return Optional.empty();
			}
			return Optional.of(new EntryUrl(written, List.of(path.split("/")), query == null || query.isEmpty() ? null : query));
		}
	}
}
