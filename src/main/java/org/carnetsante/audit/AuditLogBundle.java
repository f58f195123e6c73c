package org.carnetsante.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import jakarta.annotation.Nonnull;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;

/** A search of the access log, newest first, read page by page from {@link AuditEventStore}. */
class AuditLogBundle implements IBundleProvider {

	private final AuditEventFactory events;
	private final AuditEventStore store;
	private final AuditLogQuery query;
	private final InstantType published = InstantType.now();
	private Integer size;

	AuditLogBundle(AuditEventFactory events, AuditEventStore store, AuditLogQuery query) {
		this.events = events;
		this.store = store;
		this.query = query;
	}

	AuditLogQuery query() {
		return query;
	}

	@Override
	public IPrimitiveType<Date> getPublished() {
		return published;
	}

	@Nonnull
	@Override
	public List<IBaseResource> getResources(int fromIndex, int toIndex) {
		List<IBaseResource> page = new ArrayList<>();
		if (toIndex <= fromIndex) {
			return page;
		}
		for (AuditRecord record : store.search(query.page(fromIndex, toIndex - fromIndex))) {
			page.add(this.events.toAuditEvent(record));
		}
		return page;
	}

	@Override
	public String getUuid() {
		return null;
	}

	@Override
	public Integer preferredPageSize() {
		return null;
	}

	@Override
	public Integer size() {
		if (size == null) {
			size = store.count(query.page(0, 0));
		}
		return size;
	}
}
