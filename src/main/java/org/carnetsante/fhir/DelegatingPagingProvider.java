package org.carnetsante.fhir;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;

/**
 * The FHIR server's paging with something added (a check, pages of another kind): everything not
 * overridden is the paging provider it wraps.
 */
public abstract class DelegatingPagingProvider implements IPagingProvider {

	protected final IPagingProvider paging;

	protected DelegatingPagingProvider(IPagingProvider paging) {
		this.paging = paging;
	}

	@Override
	public int getDefaultPageSize() {
		return paging.getDefaultPageSize();
	}

	@Override
	public int getMaximumPageSize() {
		return paging.getMaximumPageSize();
	}

	@Override
	public boolean canStoreSearchResults() {
		return paging.canStoreSearchResults();
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
		return paging.retrieveResultList(request, searchId);
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId, String pageId) {
		return paging.retrieveResultList(request, searchId, pageId);
	}

	@Override
	public String storeResultList(RequestDetails request, IBundleProvider results) {
		return paging.storeResultList(request, results);
	}
}
