package org.carnetsante.audit;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.util.Map;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.access.ProfessionMatrix;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
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

	private final AuditEventStore store;
	private final ProfessionMatrix matrix;
	private final int defaultCount;
	private final int maxCount;

	public AccessLogOperation(AuditEventStore store, ProfessionMatrix matrix, int defaultCount, int maxCount) {
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
		for (AuditRecord record : store.search(query)) {
			log.addParameter(entryOf(record));
		}
		return log;
	}

	private static void requireOwnSpace(RequestDetails request, String patient) {
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		if (actor == null || !actor.holdsSpace(patient)) {
			throw new ForbiddenOperationException("The access log of a space is for its patient and their legal representatives");
		}
	}

	private Parameters.ParametersParameterComponent entryOf(AuditRecord record) {
		Parameters.ParametersParameterComponent entry = new Parameters.ParametersParameterComponent().setName("access");
		entry.addPart().setName("when").setValue(new DateTimeType(new java.util.Date(record.recordedMillis())));
		AuditRecord.Who who = record.who();
		if (who != null) {
			if (who.name() != null) {
				entry.addPart().setName("who").setValue(new StringType(who.name()));
			}
			if (who.fhirUser() != null) {
				entry.addPart().setName("whoReference").setValue(new Reference(who.fhirUser()));
			}
			if (who.profession() != null) {
				entry.addPart().setName("profession").setValue(new Coding(AuditEventFactory.PROFESSION_SYSTEM, who.profession(),
						matrix.professionLabel(who.profession()).orElse(null)));
			}
			if (who.organization() != null) {
				entry.addPart().setName("organization").setValue(
						new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(who.organization()));
			}
		}
		String interaction = AuditEventFactory.interactionOf(
				record.operation() == null ? null : ca.uhn.fhir.rest.api.RestOperationTypeEnum.valueOf(record.operation()));
		entry.addPart().setName("action").setValue(new Coding("http://hl7.org/fhir/restful-interaction", interaction,
				ACTIONS.getOrDefault(interaction, interaction)));
		for (String resource : record.resources()) {
			entry.addPart().setName("what").setValue(new Reference(resource));
		}
		String mode = record.accessMode();
		entry.addPart().setName("how").setValue(new Coding(EmergencyMode.ACCESS_MODE_SYSTEM, mode, MODES.getOrDefault(mode, mode)));
		entry.addPart().setName("outcome").setValue(new Coding(null, record.allowed() ? "allowed" : "refused",
				record.allowed() ? "autorisé" : "refusé"));
		if (record.outcomeDescription() != null) {
			entry.addPart().setName("reason").setValue(new StringType(record.outcomeDescription()));
		}
		entry.addPart().setName("auditEvent").setValue(new Reference("AuditEvent/" + record.id()));
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
