package org.carnetsante.access;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import org.carnetsante.fhir.DelegatingPagingProvider;

/**
 * The FHIR server's paging, for the caller who made the search only ({@link SearchOwners}): a page link
 * replayed by anyone else answers as the link of a search that does not exist (HAPI's 410 "does not exist
 * and may have expired").
 */
class CallerBoundPaging extends DelegatingPagingProvider {

	private final SearchOwners owners;

	CallerBoundPaging(IPagingProvider searches, SearchOwners owners) {
		super(searches);
		this.owners = owners;
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
		return owners.madeBy(searchId, request) ? super.retrieveResultList(request, searchId) : null;
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId, String pageId) {
		return owners.madeBy(searchId, request) ? super.retrieveResultList(request, searchId, pageId) : null;
	}

	@Override
	public String storeResultList(RequestDetails request, IBundleProvider results) {
		String searchId = super.storeResultList(request, results);
		owners.record(searchId, request);
		return searchId;
	}
}
