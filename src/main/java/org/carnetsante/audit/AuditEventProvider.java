package org.carnetsante.audit;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Instant;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.VisibleTotals;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;

/**
 * {@code /fhir/AuditEvent}: the access log, read and searched from {@link AuditEventStore}, newest
 * first. It has no create, update or delete: AuditEvents are recorded by Carnet only and never
 * changed (HAPI answers 405). Who may see which entries is the access policy's business, as for any
 * resource: a patient sees the entries of their own space.
 */
public class AuditEventProvider implements IResourceProvider {

	private final AuditEventFactory events;
	private final AuditEventStore store;

	public AuditEventProvider(AuditEventFactory events, AuditEventStore store) {
		this.events = events;
		this.store = store;
	}

	@Override
	public Class<AuditEvent> getResourceType() {
		return AuditEvent.class;
	}

	@Read
	public AuditEvent read(@IdParam IdType id) {
		return store.find(id.getIdPart())
				.map(events::toAuditEvent)
				.orElseThrow(() -> new ResourceNotFoundException(id));
	}

	/**
	 * @param patient the space whose log is searched ({@code Patient/[id]}); for a patient's token the
	 *     server adds it
	 * @param date when the access was recorded (ge, gt, le, lt)
	 */
	@Search
	public IBundleProvider search(
			RequestDetails request,
			@OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceParam patient,
			@OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date) {
		Instant from = date == null || date.getLowerBoundAsInstant() == null ? null : date.getLowerBoundAsInstant().toInstant();
		// Without an upper bound, the log as it stands now: later pages do not shift as accesses are recorded.
		Instant to = date == null || date.getUpperBoundAsInstant() == null ? Instant.now() : date.getUpperBoundAsInstant().toInstant();
		String patientId = patient == null ? null : patient.getIdPart();
		RequestAccess access = RequestAccess.of(request);
		if (patientId != null && access != null && patientId.equals(access.actor().patient())) {
			// Confined to the caller's own space, whose entries it may all see: the count is its total.
			VisibleTotals.markCountedByProvider(request);
		}
		return new AuditLogBundle(events, store, new AuditLogQuery(patientId, from, to));
	}
}
