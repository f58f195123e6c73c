package org.carnetsante.audit;

import java.util.Collections;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationConstants;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.carnetsante.access.AccessDecision;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.RequestedSpace;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.AuditEvent;

/**
 * Step 5 of the request path: when a FHIR request ends, its access decisions (journaled by the access
 * policy, {@link RequestAccess}) become AuditEvents, one per interaction, space and verdict: what was
 * shown, what was refused and why, and requests refused before any resource was seen. Runs after the
 * policy and the compartment rules (higher order), so it sees their last decisions. Every entry is durable
 * before the response leaves ({@link AuditTrail}); an emergency access is written with the patient's
 * notification of it, in one transaction.
 */
@Interceptor(order = AuthorizationConstants.ORDER_AUTH_INTERCEPTOR + 100)
public class AccessAuditor {

	private static final String AUDITED = AccessAuditor.class.getName() + ".audited";

	private final AuditEventFactory events;
	private final AuditTrail trail;
	private final org.springframework.context.ApplicationEventPublisher publisher;

	public AccessAuditor(AuditEventFactory events, AuditTrail trail, org.springframework.context.ApplicationEventPublisher publisher) {
		this.events = events;
		this.trail = trail;
		this.publisher = publisher;
	}

	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void succeeded(RequestDetails request, ResponseDetails response) {
		audit(request, null);
	}

	@Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
	public boolean failed(RequestDetails request, BaseServerResponseException failure) {
		audit(request, failure);
		return true;
	}

	private void audit(RequestDetails request, BaseServerResponseException failure) {
		if (request.isSubRequest() || Constants.URL_TOKEN_METADATA.equals(request.getRequestPath())
				|| request.getUserData().putIfAbsent(AUDITED, Boolean.TRUE) != null) {
			return;
		}
		RequestAccess access = RequestAccess.of(request);
		CarnetCaller caller = access != null ? access.caller() : CallerFromToken.of(request).orElse(null);
		if (caller == null) {
			return; // refused before authentication, by the resource server
		}
		List<AuditedAccess> accesses = group(access == null ? List.of() : access.journal(), RequestedSpace.namedPatient(request));
		if (accesses.isEmpty()) {
			accesses = List.of(new AuditedAccess(request.getRestOperationType(), RequestedSpace.namedPatient(request), failure == null,
					Set.of(), failure == null ? Set.of() : Set.of(failure.getMessage()), EmergencyMode.NONE));
		}
		for (AuditedAccess audited : accesses) {
			AuditRecord record = events.record(request, caller, audited, outcomeOf(audited, failure), descriptionOf(audited, failure));
			if (audited.allowed() && audited.mode().isEmergency() && failure == null && audited.patient() != null) {
				// The patient is told of the emergency in the same transaction as its record: both or neither.
				EmergencyAccessRecorded emergency = new EmergencyAccessRecorded(audited.patient(), audited.mode().accessMode(),
						caller.idNat() != null ? caller.idNat() : caller.subject());
				trail.recordNow(record, () -> publisher.publishEvent(emergency));
			} else {
				trail.record(record);
			}
		}
	}

	/**
	 * One entry per interaction, space and verdict; a resource in two spaces appears in both. A decision
	 * on no resource in particular (a refused caller) is recorded in the space the request named.
	 */
	private static List<AuditedAccess> group(List<RequestAccess.Access> journal, String namedPatient) {
		record Key(RestOperationTypeEnum operation, String patient, boolean allowed) {}
		Map<Key, Set<String>> resources = new LinkedHashMap<>();
		Map<Key, Set<String>> reasons = new LinkedHashMap<>();
		Map<Key, EmergencyMode> modes = new LinkedHashMap<>();
		for (RequestAccess.Access access : journal) {
			AccessDecision decision = access.decision();
			List<String> patients = !access.patients().isEmpty() ? new ArrayList<>(access.patients())
					: Collections.singletonList(access.resourceId() == null ? namedPatient : null);
			for (String patient : patients) {
				Key key = new Key(access.operation(), patient, decision.allowed());
				Set<String> ids = resources.computeIfAbsent(key, k -> new LinkedHashSet<>());
				if (access.resourceId() != null) {
					ids.add(access.resourceId());
				}
				if (!decision.allowed()) {
					reasons.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(decision.reason());
				}
				if (decision.mode().isEmergency()) {
					modes.put(key, decision.mode());
				}
			}
		}
		List<AuditedAccess> grouped = new ArrayList<>();
		resources.forEach((key, ids) -> grouped.add(new AuditedAccess(key.operation(), key.patient(), key.allowed(), ids,
				reasons.getOrDefault(key, Set.of()), modes.getOrDefault(key, EmergencyMode.NONE))));
		return grouped;
	}

	/** BALP outcome: 0 served, 4 refused (or failed on the caller's side), 8 failed on the server's. */
	private static String outcomeOf(AuditedAccess access, BaseServerResponseException failure) {
		if (!access.allowed() || (failure != null && failure.getStatusCode() < 500)) {
			return AuditEvent.AuditEventOutcome._4.toCode();
		}
		return failure == null ? AuditEvent.AuditEventOutcome._0.toCode() : AuditEvent.AuditEventOutcome._8.toCode();
	}

	private static String descriptionOf(AuditedAccess access, BaseServerResponseException failure) {
		if (!access.reasons().isEmpty()) {
			return String.join("; ", access.reasons());
		}
		return failure == null ? null : failure.getMessage();
	}
}
