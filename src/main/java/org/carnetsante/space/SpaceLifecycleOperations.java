package org.carnetsante.space;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.LocalDate;
import java.util.List;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * The lifecycle's FHIR operations (docs/space.md):
 * <ul>
 *   <li>{@code POST /$activate} and {@code POST /$oppose} ({@code ins}: Identifier, {@code activation-code},
 *       {@code birthdate}): the person's answer to the information notice, carried by a portal client
 *       ({@code carnet.space.lifecycle.portal-clients}); one answer (422) for every mismatch;</li>
 *   <li>{@code Patient/[id]/$close}, {@code $reopen}, {@code $space-state}: the patient or a legal
 *       representative, in their own space.</li>
 * </ul>
 */
public class SpaceLifecycleOperations {

	private final SpaceLifecycle lifecycle;
	private final SpaceHolders holders;
	private final List<String> portalClients;

	public SpaceLifecycleOperations(SpaceLifecycle lifecycle, AccessPolicyService policy, DaoRegistry daos,
			List<String> portalClients) {
		this.lifecycle = lifecycle;
		this.holders = new SpaceHolders(policy, daos);
		this.portalClients = List.copyOf(portalClients);
	}

	@Operation(name = "$activate")
	public Parameters activate(RequestDetails request, @OperationParam(name = "ins", min = 1, max = 1) Identifier ins,
			@OperationParam(name = "activation-code", min = 1, max = 1) StringType code,
			@OperationParam(name = "birthdate", min = 1, max = 1) DateType birthDate) {
		CarnetCaller portal = portal(request);
		String patientId = lifecycle.activateByCode(insKey(ins), code.getValue(), dateOf(birthDate), portal);
		Parameters answer = new Parameters();
		answer.addParameter("state", new CodeType("open"));
		answer.addParameter("patient", new Reference("Patient/" + patientId));
		return answer;
	}

	@Operation(name = "$oppose")
	public Parameters oppose(RequestDetails request, @OperationParam(name = "ins", min = 1, max = 1) Identifier ins,
			@OperationParam(name = "activation-code", min = 1, max = 1) StringType code,
			@OperationParam(name = "birthdate", min = 1, max = 1) DateType birthDate) {
		CarnetCaller portal = portal(request);
		lifecycle.opposeByCode(insKey(ins), code.getValue(), dateOf(birthDate), portal);
		Parameters answer = new Parameters();
		answer.addParameter("state", new CodeType("opposed"));
		return answer;
	}

	@Operation(name = "$space-state", typeName = "Patient", idempotent = true)
	public Parameters spaceState(@IdParam IdType patient, RequestDetails request) {
		requireHolder(request, patient.getIdPart());
		return stateOf(lifecycle.stateOf(patient.getIdPart()));
	}

	@Operation(name = "$close", typeName = "Patient")
	public Parameters close(@IdParam IdType patient, RequestDetails request,
			@OperationParam(name = "delete-content", max = 1) org.hl7.fhir.r4.model.BooleanType deleteContent) {
		CarnetCaller caller = requireHolder(request, patient.getIdPart());
		return stateOf(lifecycle.close(patient.getIdPart(), caller, deleteContent != null && deleteContent.booleanValue()));
	}

	@Operation(name = "$reopen", typeName = "Patient")
	public Parameters reopen(@IdParam IdType patient, RequestDetails request) {
		CarnetCaller caller = requireHolder(request, patient.getIdPart());
		return stateOf(lifecycle.reopen(patient.getIdPart(), caller));
	}

	private static Parameters stateOf(SpaceRegistry.Person person) {
		Parameters answer = new Parameters();
		answer.addParameter("state", new CodeType(person.state().name().toLowerCase()));
		answer.addParameter("since", new InstantType(java.util.Date.from(person.stateSince())));
		if (person.purgeAfter() != null && person.purgeAfter().isAfter(person.stateSince())) {
			answer.addParameter("content-kept-until", new InstantType(java.util.Date.from(person.purgeAfter())));
		}
		return answer;
	}

	private CarnetCaller requireHolder(RequestDetails request, String patientId) {
		return holders.require(request, patientId, "A space's state").caller();
	}

	private CarnetCaller portal(RequestDetails request) {
		CarnetCaller caller = CallerFromToken.of(request).orElseThrow(() -> new ForbiddenOperationException("A bearer token is required"));
		if (caller.kind() != CarnetCaller.Kind.SYSTEM || !portalClients.contains(caller.clientId())) {
			throw new ForbiddenOperationException("Activation and opposition by code are carried by the national portal's"
					+ " clients only (carnet.space.lifecycle.portal-clients)");
		}
		return caller;
	}

	private static String insKey(Identifier ins) {
		if (ins == null || !ins.hasSystem() || !ins.hasValue()) {
			throw new InvalidRequestException("ins is an Identifier with its system (INS OID) and value");
		}
		return ins.getSystem() + "|" + ins.getValue().trim();
	}

	private static LocalDate dateOf(DateType date) {
		if (date == null || date.getValue() == null || date.getPrecision() != ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY) {
			throw new InvalidRequestException("birthdate is a full date (YYYY-MM-DD)");
		}
		return LocalDate.parse(date.getValueAsString());
	}
}
