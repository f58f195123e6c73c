package org.carnetsante.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import ca.uhn.fhir.jpa.dao.ISearchBuilder;
import ca.uhn.fhir.jpa.dao.SearchBuilderFactory;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import java.util.LinkedHashSet;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ResourceFacts;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

/**
 * One export's work, on the node that claimed it: the spaces it covers ({@link ExportSpaces}), then, a
 * batch of spaces at a time and type by type, the resources of those spaces read from the database,
 * each judged by the access policy for the hospital that asked (the actor captured at kick-off, never
 * a system request), and written as NDJSON as a read would show it (attachment bytes stored out of the
 * resource row put back up to {@code carnet.documents.inflated-up-to}, as on a read). What the policy
 * withholds is not written and not counted.
 * Each space's access-log entry is written, durably, before the export is marked complete (its files
 * are served only then).
 */
final class ExportRun {

	/** Marks resources whose elements were cut by {@code _elements} (FHIR's SUBSETTED). */
	private static final Coding SUBSETTED = new Coding("http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
			"SUBSETTED", "subsetted");

	/** What the run found, per space: resources written by type. */
	record Outcome(Map<String, Map<String, Integer>> writtenBySpace, List<ExportJobs.ExportFile> files, long written) {}

	private final FhirContext fhirContext;
	private final DaoRegistry daos;
	private final MatchUrlService matchUrls;
	private final AccessPolicyService policy;
	private final DeletedSince deletions;
	private final SearchBuilderFactory<JpaPid> searchBuilders;
	private final IHapiTransactionService transactions;
	private final ExportProperties properties;
	private final ExportPages pages;
	private final Consumer<IBaseResource> attachmentsAsRead;
	private final ExecutorService prefetch;
	private final Clock clock;

	ExportRun(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls, AccessPolicyService policy,
			DeletedSince deletions, SearchBuilderFactory<JpaPid> searchBuilders, IHapiTransactionService transactions,
			ExportProperties properties, ExportPages pages, Consumer<IBaseResource> attachmentsAsRead, ExecutorService prefetch,
			Clock clock) {
		this.fhirContext = fhirContext;
		this.daos = daos;
		this.matchUrls = matchUrls;
		this.policy = policy;
		this.searchBuilders = searchBuilders;
		this.transactions = transactions;
		this.deletions = deletions;
		this.properties = properties;
		this.pages = pages;
		this.attachmentsAsRead = attachmentsAsRead;
		this.prefetch = prefetch;
		this.clock = clock;
	}

	/**
	 * Runs the export over these spaces (and reports the ones asked for that it may not reach);
	 * {@code progress} is called between batches with the spaces done and the resources written, and
	 * answers false when the export is no longer this node's (cancelled, taken over): the run stops.
	 */
	Outcome run(ExportRequest request, Actor actor, List<String> spaces, List<String> notAccessible, NdjsonFiles files,
			Progress progress) {
		IParser parser = fhirContext.newJsonParser().setPrettyPrint(false);
		Set<String> elements = elementsToKeep(request.elements());
		if (!elements.isEmpty()) {
			parser.setEncodeElements(elements);
		}
		Map<String, Map<String, Integer>> writtenBySpace = new LinkedHashMap<>();
		// Of a _since export: resources changed in the window that the policy now withholds (ids only).
		List<String> withheldSince = new ArrayList<>();
		long written = 0;
		int batchSize = Math.max(1, properties.spacesPerBatch());
		for (int from = 0; from < spaces.size(); from += batchSize) {
			List<String> batch = spaces.subList(from, Math.min(spaces.size(), from + batchSize));
			for (String type : request.types()) {
				long[] count = {written};
				forEachResource(type, batch, request, resource -> {
					// Read once: the policy's facts also name the spaces the resource is logged in.
					ResourceFacts facts = policy.factsOf(resource);
					if (!policy.decideFor(actor, facts).allowed()) {
						if (request.sinceMillis() != null) {
							withheldSince.add(resource.getIdElement().toUnqualifiedVersionless().getValue());
						}
						return;
					}
					attachmentsAsRead.accept(resource);
					if (!elements.isEmpty() && resource instanceof Resource subset) {
						subset.getMeta().addTag(SUBSETTED);
					}
					files.append(NdjsonFiles.OUTPUT, type, parser.encodeResourceToString(resource));
					count[0]++;
					for (String space : batch.stream().filter(facts.patients()::contains).toList()) {
						writtenBySpace.computeIfAbsent(space, key -> new TreeMap<>()).merge(type, 1, Integer::sum);
					}
				});
				written = count[0];
				// Also the node's heartbeat: reported after each type, so a batch never outlasts it.
				if (!progress.report(from, written)) {
					throw new ExportLost();
				}
			}
		}
		if (request.sinceMillis() != null) {
			writeDeletions(request, actor, spaces, withheldSince, files);
		}
		IParser errors = fhirContext.newJsonParser().setPrettyPrint(false);
		for (String space : notAccessible) {
			OperationOutcome outcome = new OperationOutcome();
			outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
					.setCode(OperationOutcome.IssueType.FORBIDDEN)
					.setDiagnostics(space + ": not accessible");
			files.append(NdjsonFiles.ERROR, "OperationOutcome", errors.encodeResourceToString(outcome));
		}
		return new Outcome(writtenBySpace, files.finish(), written);
	}

	/**
	 * What a {@code _since} export must also tell, each as a transaction Bundle with one DELETE entry
	 * (Bulk Data's {@code deleted} files): the resources of its spaces and types deleted since, that the
	 * hospital could see before they were deleted; and those changed since that it no longer may see
	 * (masked, relabelled) but could see as they were at {@code _since} — nothing the hospital could never
	 * see is named.
	 */
	private void writeDeletions(ExportRequest request, Actor actor, List<String> spaces, List<String> withheldSince,
			NdjsonFiles files) {
		Set<String> covered = new HashSet<>(spaces);
		IParser parser = fhirContext.newJsonParser().setPrettyPrint(false);
		Instant since = Instant.ofEpochMilli(request.sinceMillis());
		Instant until = request.untilMillis() == null ? clock.instant() : Instant.ofEpochMilli(request.untilMillis());
		Consumer<IBaseResource> tellIfSeen = before -> {
			ResourceFacts facts = policy.factsOf(before);
			if (facts.patients().stream().noneMatch(covered::contains) || !policy.decideFor(actor, facts).allowed()) {
				return;
			}
			org.hl7.fhir.r4.model.Bundle deletion = new org.hl7.fhir.r4.model.Bundle()
					.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
			deletion.addEntry().getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.DELETE)
					.setUrl(before.getIdElement().toUnqualifiedVersionless().getValue());
			files.append(NdjsonFiles.DELETED, "Bundle", parser.encodeResourceToString(deletion));
		};
		deletions.forEach(request.types(), since, until, tellIfSeen);
		deletions.forEachAsOf(withheldSince, since, tellIfSeen);
	}

	/** Reports progress; false when the run must stop. */
	interface Progress {
		boolean report(int spacesDone, long written);
	}

	/** The export is no longer this node's (cancelled, or taken over by another node). */
	static final class ExportLost extends RuntimeException {
		ExportLost() {
			super("the export is no longer this node's", null, false, false);
		}
	}

	/**
	 * Each resource of one type in these spaces, changed within the request's window, matching one of
	 * its {@code _typeFilter} searches if it has any (each resource once). The matches are found as row
	 * keys, then loaded a page at a time ({@link ExportPages}: bounded by count and by bytes), the next
	 * while this one is handed over: the heap holds two pages of resources, whatever the spaces hold.
	 */
	private void forEachResource(String type, List<String> spaces, ExportRequest request, Consumer<IBaseResource> each) {
		List<String> filters = request.typeFilters().getOrDefault(type, List.of());
		RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
		Set<JpaPid> matches = new LinkedHashSet<>();
		for (String filter : filters.isEmpty() ? java.util.Collections.<String>singletonList(null) : filters) {
			SearchParameterMap search = filter == null ? new SearchParameterMap()
					: matchUrls.translateMatchUrl(type + "?" + filter, definition);
			confineToSpaces(search, type, definition, spaces);
			search.setLastUpdated(window(request));
			search.setLoadSynchronous(true);
			List<JpaPid> keys = daos.getResourceDao(type).searchForIds(search, new SystemRequestDetails());
			matches.addAll(keys);
		}
		@SuppressWarnings("unchecked")
		ISearchBuilder<JpaPid> loader = (ISearchBuilder<JpaPid>) searchBuilders.newSearchBuilder(type, definition.getImplementingClass());
		List<List<JpaPid>> keyPages = pages.pagesOf(new ArrayList<>(matches));
		// The next page is read from the database and parsed on another thread while this one is judged
		// and written: the two halves of the work use both cores. At most two pages are in memory.
		Future<List<IBaseResource>> next = keyPages.isEmpty() ? null : prefetch.submit(() -> load(loader, keyPages.get(0)));
		try {
			for (int page = 0; page < keyPages.size(); page++) {
				java.util.ArrayDeque<IBaseResource> resources = new java.util.ArrayDeque<>(await(next));
				List<JpaPid> following = page + 1 < keyPages.size() ? keyPages.get(page + 1) : null;
				next = following == null ? null : prefetch.submit(() -> load(loader, following));
				// Handed over one by one and let go: what a resource gains once allowed (its attachments'
				// bytes) is garbage before the next one is looked at.
				for (IBaseResource resource = resources.poll(); resource != null; resource = resources.poll()) {
					each.accept(resource);
				}
			}
		} finally {
			if (next != null) {
				next.cancel(true); // the run stopped early (cancelled, taken over, failed)
			}
		}
	}

	private List<IBaseResource> load(ISearchBuilder<JpaPid> loader, List<JpaPid> page) {
		return transactions.withSystemRequest().execute(() -> loader.loadResourcesByPid(page, new SystemRequestDetails()));
	}

	private static List<IBaseResource> await(Future<List<IBaseResource>> page) {
		try {
			return page.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new ExportLost();
		} catch (ExecutionException e) {
			if (e.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			if (e.getCause() instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException(e.getCause());
		}
	}

	private static void confineToSpaces(SearchParameterMap search, String type, RuntimeResourceDefinition definition,
			List<String> spaces) {
		if ("Patient".equals(type)) {
			TokenOrListParam ids = new TokenOrListParam();
			spaces.forEach(space -> ids.addOr(new TokenParam(space)));
			search.add("_id", ids);
			return;
		}
		ReferenceOrListParam patients = new ReferenceOrListParam();
		spaces.forEach(space -> patients.addOr(new ReferenceParam("Patient/" + space)));
		search.add(patientParameter(definition), patients);
	}

	/** The search parameter tying a type to the patient whose space holds it: {@code patient}, else the compartment's first. */
	static String patientParameter(RuntimeResourceDefinition definition) {
		if (definition.getSearchParam("patient") != null) {
			return "patient";
		}
		List<RuntimeSearchParam> compartment = definition.getSearchParamsForCompartmentName("Patient");
		if (compartment == null || compartment.isEmpty()) {
			throw new IllegalArgumentException(definition.getName() + " is in no patient's space");
		}
		return compartment.get(0).getName();
	}

	private static DateRangeParam window(ExportRequest request) {
		if (request.sinceMillis() == null && request.untilMillis() == null) {
			return null;
		}
		return new DateRangeParam(
				request.sinceMillis() == null ? null : new DateParam(ParamPrefixEnum.GREATERTHAN, new Date(request.sinceMillis())),
				request.untilMillis() == null ? null
						: new DateParam(ParamPrefixEnum.LESSTHAN_OR_EQUALS, new Date(request.untilMillis())));
	}

	/** HAPI's form of {@code _elements}: {@code Type.element}; a bare {@code element} applies to every type. */
	private static Set<String> elementsToKeep(List<String> elements) {
		Set<String> keep = new HashSet<>();
		for (String element : elements) {
			keep.add(element.contains(".") ? element : "*." + element);
		}
		return keep;
	}
}
