package org.carnetsante.access;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;

/**
 * The FHIR server's paging, for the caller who made the search only ({@link SearchOwners}): a page link
 * replayed by anyone else answers as the link of a search that does not exist (HAPI's 410 "does not exist
 * and may have expired").
 */
class CallerBoundPaging implements IPagingProvider {

	private final IPagingProvider searches;
	private final SearchOwners owners;

	CallerBoundPaging(IPagingProvider searches, SearchOwners owners) {
		this.searches = searches;
		this.owners = owners;
	}

	@Override
	public int getDefaultPageSize() {
		return searches.getDefaultPageSize();
	}

	@Override
	public int getMaximumPageSize() {
		return searches.getMaximumPageSize();
	}

	@Override
	public boolean canStoreSearchResults() {
		return searches.canStoreSearchResults();
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
		return owners.madeBy(searchId, request) ? searches.retrieveResultList(request, searchId) : null;
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId, String pageId) {
		return owners.madeBy(searchId, request) ? searches.retrieveResultList(request, searchId, pageId) : null;
	}

	@Override
	public String storeResultList(RequestDetails request, IBundleProvider results) {
		String searchId = searches.storeResultList(request, results);
		owners.record(searchId, request);
		return searchId;
	}
}
