package org.carnetsante.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.util.Map;
import org.carnetsante.access.Actor;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.access.ProfessionMatrix;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;

/**
 * {@code GET /fhir/Patient/[id]/$access-log}: the patient's access log told plainly, newest first and
 * page by page: who (name, profession, organization), when, what (which action on which resources),
 * how (normal access or emergency) and whether it was allowed or refused, and why. For the patient and
 * their legal representatives only (OperationDefinition {@code ig/package/OperationDefinition-access-log.json}).
 */
public class AccessLogOperation {

	/** Plain words for the interactions, as the patient's apps show them (in French, like the space). */
	private static final Map<String, String> ACTIONS = Map.ofEntries(
			Map.entry("read", "consultation"), Map.entry("vread", "consultation"),
			Map.entry("search-type", "recherche"), Map.entry("search-system", "recherche"),
			Map.entry("history-instance", "historique"), Map.entry("history-type", "historique"),
			Map.entry("history-system", "historique"), Map.entry("create", "ajout"), Map.entry("update", "modification"),
			Map.entry("patch", "modification"), Map.entry("delete", "suppression"), Map.entry("transaction", "envoi groupé"),
			Map.entry("batch", "envoi groupé"), Map.entry("operation", "opération"));
	private static final Map<String, String> MODES = Map.of(
			"normal", "accès normal", "bris_de_glace", "bris de glace (urgence)", "centre_15", "centre 15 (SAMU)");

	private final FhirContext fhirContext;
	private final AuditEventStore store;
	private final ProfessionMatrix matrix;
	private final int defaultCount;
	private final int maxCount;

	public AccessLogOperation(FhirContext fhirContext, AuditEventStore store, ProfessionMatrix matrix, int defaultCount,
			int maxCount) {
		this.fhirContext = fhirContext;
		this.store = store;
		this.matrix = matrix;
		this.defaultCount = defaultCount;
		this.maxCount = maxCount;
	}

	@Operation(name = "$access-log", idempotent = true, typeName = "Patient")
	public Parameters accessLog(
			@IdParam IdType patient,
			RequestDetails request,
			@OperationParam(name = "start", max = 1) DateTimeType start,
			@OperationParam(name = "end", max = 1) DateTimeType end,
			@OperationParam(name = "_count", max = 1) IntegerType count,
			@OperationParam(name = "_offset", max = 1) IntegerType offset) {
		requireOwnSpace(request, patient.getIdPart());
		int pageSize = count == null || count.getValue() == null ? defaultCount : Math.min(count.getValue(), maxCount);
		int from = offset == null || offset.getValue() == null ? 0 : offset.getValue();
		if (pageSize < 1 || from < 0) {
			throw new InvalidRequestException("_count must be positive and _offset not negative");
		}
		// Without an end, the log is read as it stands now, so that later pages do not shift as new
		// accesses (this very one among them) are recorded.
		Instant until = end == null ? Instant.now() : instant(end);
		AuditEventStore.Query query = new AuditEventStore.Query(patient.getIdPart(), instant(start), until, from, pageSize);
		int total = store.count(query);
		Parameters log = new Parameters();
		log.addParameter().setName("total").setValue(new IntegerType(total));
		if (from + pageSize < total) {
			log.addParameter().setName("next").setValue(new UriType(nextPage(request, patient, query)));
		}
		for (String json : store.search(query)) {
			log.addParameter(entryOf(fhirContext.newJsonParser().parseResource(AuditEvent.class, json)));
		}
		return log;
	}

	private static void requireOwnSpace(RequestDetails request, String patient) {
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		if (actor == null || (actor.role() != Actor.Role.PATIENT && actor.role() != Actor.Role.LEGAL_REPRESENTATIVE)
				|| !patient.equals(actor.patient())) {
			throw new ForbiddenOperationException("The access log of a space is for its patient and their legal representatives");
		}
	}

	private Parameters.ParametersParameterComponent entryOf(AuditEvent event) {
		Parameters.ParametersParameterComponent entry = new Parameters.ParametersParameterComponent().setName("access");
		entry.addPart().setName("when").setValue(new DateTimeType(event.getRecorded()));
		AuditEvent.AuditEventAgentComponent who = event.getAgent().stream()
				.filter(AuditEvent.AuditEventAgentComponent::getRequestor).findFirst().orElse(null);
		if (who != null) {
			if (who.getWho().hasDisplay()) {
				entry.addPart().setName("who").setValue(new StringType(who.getWho().getDisplay()));
			}
			if (who.getWho().hasReference()) {
				entry.addPart().setName("whoReference").setValue(who.getWho().copy().setDisplay(null));
			}
			for (CodeableConcept role : who.getRole()) {
				for (Coding coding : role.getCoding()) {
					if (AuditEventFactory.PROFESSION_SYSTEM.equals(coding.getSystem())) {
						entry.addPart().setName("profession").setValue(new Coding(coding.getSystem(), coding.getCode(),
								matrix.professionLabel(coding.getCode()).orElse(null)));
					}
				}
			}
		}
		event.getAgent().stream()
				.filter(agent -> !agent.getRequestor() && agent.getWho().hasIdentifier()
						&& org.carnetsante.access.ActorKeys.ORGANIZATION_ID_SYSTEM.equals(agent.getWho().getIdentifier().getSystem()))
				.findFirst()
				.ifPresent(organization -> entry.addPart().setName("organization")
						.setValue(organization.getWho().getIdentifier().copy()));
		String interaction = event.getSubtypeFirstRep().getCode();
		entry.addPart().setName("action").setValue(new Coding(event.getSubtypeFirstRep().getSystem(), interaction,
				ACTIONS.getOrDefault(interaction, interaction)));
		for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
			if ("4".equals(entity.getRole().getCode()) && entity.getWhat().hasReference()) {
				entry.addPart().setName("what").setValue(entity.getWhat().copy());
			}
		}
		String mode = AuditRows.accessModeOf(event);
		entry.addPart().setName("how").setValue(new Coding(EmergencyMode.ACCESS_MODE_SYSTEM, mode, MODES.getOrDefault(mode, mode)));
		boolean allowed = event.getOutcome() == AuditEvent.AuditEventOutcome._0;
		entry.addPart().setName("outcome").setValue(new Coding(null, allowed ? "allowed" : "refused",
				allowed ? "autorisé" : "refusé"));
		if (event.hasOutcomeDesc()) {
			entry.addPart().setName("reason").setValue(new StringType(event.getOutcomeDesc()));
		}
		entry.addPart().setName("auditEvent").setValue(new org.hl7.fhir.r4.model.Reference("AuditEvent/" + event.getIdElement().getIdPart()));
		return entry;
	}

	/** The next page's URL, carrying the instants this page was computed with, to the millisecond. */
	private static String nextPage(RequestDetails request, IdType patient, AuditEventStore.Query query) {
		StringBuilder next = new StringBuilder(request.getFhirServerBase()).append("/Patient/").append(patient.getIdPart())
				.append("/$access-log?_count=").append(query.count()).append("&_offset=").append(query.offset() + query.count());
		if (query.from() != null) {
			next.append("&start=").append(java.net.URLEncoder.encode(query.from().toString(), java.nio.charset.StandardCharsets.UTF_8));
		}
		if (query.to() != null) {
			next.append("&end=").append(java.net.URLEncoder.encode(query.to().toString(), java.nio.charset.StandardCharsets.UTF_8));
		}
		return next.toString();
	}

	private static Instant instant(DateTimeType value) {
		return value == null || value.getValue() == null ? null : value.getValue().toInstant();
	}
}
