package org.carnetsante.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import org.carnetsante.fhir.DelegatingPagingProvider;

/**
 * The FHIR server's paging, plus pages of the access log: its page ids carry their query
 * ({@link AuditLogQuery}); every other search is paged by the provider it wraps (HAPI's database-backed
 * paging).
 */
class AuditLogPaging extends DelegatingPagingProvider {

	private final AuditEventFactory events;
	private final AuditEventStore store;

	AuditLogPaging(IPagingProvider searches, AuditEventFactory events, AuditEventStore store) {
		super(searches);
		this.events = events;
		this.store = store;
	}

	@Override
	public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
		if (AuditLogQuery.isPageId(searchId)) {
			try {
				AuditLogQuery query = AuditLogQuery.ofPageId(searchId);
				// A page of a space's log is for its holders only: a page id crafted for another space would
				// tell how many accesses it had. Anyone else is answered as for an unknown search.
				org.carnetsante.access.RequestAccess access = org.carnetsante.access.RequestAccess.of(request);
				if (query.patient() == null || access == null || !access.actor().holdsSpace(query.patient())) {
					return null;
				}
				return new AuditLogBundle(events, store, query);
			} catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
				return null; // HAPI answers that the search is unknown
			}
		}
		return super.retrieveResultList(request, searchId);
	}

	@Override
	public String storeResultList(RequestDetails request, IBundleProvider results) {
		if (results instanceof AuditLogBundle log) {
			return log.query().pageId();
		}
		return super.storeResultList(request, results);
	}
}
