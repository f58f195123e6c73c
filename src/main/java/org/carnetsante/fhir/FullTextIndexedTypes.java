package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.jpa.searchparam.fulltext.FullTextExtractionRequest;
import ca.uhn.fhir.jpa.searchparam.fulltext.FullTextExtractionResponse;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Only the resource types whose text users search are in the full-text index
 * ({@code carnet.search.indexed-types}). HAPI otherwise gives every resource written a Lucene document —
 * a pushed document's Binary, its SubmissionSet, each Provenance — whose indexing every write pays for
 * and nobody ever searches.
 *
 * <ul>
 *   <li>On HAPI's two extraction pointcuts ({@code _content}: all the text of a resource; {@code _text}:
 *       its narrative), a resource of another type is not indexed: HAPI then leaves it out of the index
 *       entirely (no Lucene document), and removes the one an earlier version had.
 *   <li>A {@code _content} or {@code _text} search on another type answers 400 naming the types that have
 *       one, rather than an empty result that would look like "no match" ({@link FullTextSearches}).
 *   <li>Full-text searches are never answered from HAPI's stored results of an earlier identical search:
 *       the index takes a moment to see a write (it is not on the write's path), and a search made in that
 *       moment must not be replayed for a minute.
 * </ul>
 */
@Interceptor
public class FullTextIndexedTypes {

	private static final Set<String> FULL_TEXT_PARAMETERS = Set.of("_content", "_text");

	private final Set<String> indexedTypes;
	/** The refusal's wording: the indexed types, in order. */
	private final String refusal;

	public FullTextIndexedTypes(Collection<String> indexedTypes) {
		this.indexedTypes = Set.copyOf(indexedTypes);
		this.refusal = "_content and _text are searched on " + String.join(", ", new TreeSet<>(indexedTypes)) + " only";
	}

	@Hook(Pointcut.JPA_INDEX_EXTRACT_FULLTEXT_CONTENT)
	public FullTextExtractionResponse content(FullTextExtractionRequest request) {
		return decide(request);
	}

	@Hook(Pointcut.JPA_INDEX_EXTRACT_FULLTEXT_TEXT)
	public FullTextExtractionResponse narrative(FullTextExtractionRequest request) {
		return decide(request);
	}

	private FullTextExtractionResponse decide(FullTextExtractionRequest request) {
		return indexedTypes.contains(request.getResourceType())
				? FullTextExtractionResponse.indexNormally()
				: FullTextExtractionResponse.doNotIndex();
	}

	/** HAPI asks before it answers a search from the stored results of an identical one. */
	@Hook(Pointcut.STORAGE_PRECHECK_FOR_CACHED_SEARCH)
	public boolean mayReuseStoredResults(SearchParameterMap search) {
		return FULL_TEXT_PARAMETERS.stream().noneMatch(search::containsKey);
	}

	/** The searches' side, on the REST server (the extraction hooks above are on HAPI's storage, for every write). */
	public FullTextSearches searches() {
		return new FullTextSearches();
	}

	/** Refuses a full-text search on a type that is not indexed. */
	@Interceptor
	public final class FullTextSearches {

		private FullTextSearches() {
		}

		/** Requests and the searches of batch and transaction entries alike. */
		@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = StorableValueGuard.HOOK_ORDER)
		public void refuseFullTextOnOtherTypes(RequestDetails request) {
			boolean fullText = request.getParameters().keySet().stream()
					.map(name -> name.contains(":") ? name.substring(0, name.indexOf(':')) : name)
					.anyMatch(FULL_TEXT_PARAMETERS::contains);
			if (fullText && !indexedTypes.contains(String.valueOf(request.getResourceName()))) {
				throw OperationOutcomes.invalid(OperationOutcome.IssueType.NOTSUPPORTED, null, refusal);
			}
		}
	}
}
