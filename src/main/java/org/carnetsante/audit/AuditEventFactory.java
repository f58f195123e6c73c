package org.carnetsante.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.BalpConstants;
import ca.uhn.fhir.storage.interceptor.balp.BalpProfileEnum;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Date;
import java.util.UUID;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * Builds the AuditEvent of one {@link AuditedAccess}, in the shape of IHE's Basic Audit Log Patterns
 * (BALP profiles and codes as HAPI's BALP support defines them) plus what Carnet's patients are told:
 * who (name, profession, organization), how (normal or emergency, TRE_R248 access mode and the purpose
 * of use) and, for refusals, why.
 */
public class AuditEventFactory {

	static final String PROFESSION_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";
	static final String SPECIALTY_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";
	static final String SECTOR_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite";
	static final String RELATIONSHIP_SYSTEM = "https://carnet.example/ig/CodeSystem/space-relationship";
	static final String CLIENT_ID_SYSTEM = "https://carnet.example/ig/NamingSystem/client-id";
	private static final String PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
	private static final String ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass";
	private static final String SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";

	private final String source;
	private final Clock clock;

	public AuditEventFactory(String source, Clock clock) {
		this.source = source;
		this.clock = clock;
	}

	public AuditEvent build(RequestDetails request, CarnetCaller caller, AuditedAccess access,
			AuditEvent.AuditEventOutcome outcome, String outcomeDescription) {
		BalpProfileEnum profile = profileOf(access.operation(), access.patient() != null);
		AuditEvent event = new AuditEvent();
		event.setId(UUID.randomUUID().toString());
		event.getMeta().addProfile(profile.getProfileUrl());
		event.setType(new Coding(BalpConstants.CS_AUDIT_EVENT_TYPE, "rest", "Restful Operation"));
		event.addSubtype(new Coding(BalpConstants.CS_RESTFUL_INTERACTION, interactionOf(access.operation()), null));
		event.setAction(profile.getAction());
		event.setRecorded(Date.from(clock.instant()));
		event.setOutcome(outcome);
		if (outcomeDescription != null) {
			event.setOutcomeDesc(outcomeDescription);
		}
		event.addPurposeOfEvent(new CodeableConcept(
				new Coding(EmergencyMode.ACCESS_MODE_SYSTEM, access.mode().accessMode(), null)));
		access.mode().purposeOfUse().ifPresent(purpose ->
				event.addPurposeOfEvent(new CodeableConcept(new Coding(EmergencyMode.PURPOSE_SYSTEM, purpose, null))));

		addClient(event, request, caller, profile);
		addServer(event, request, profile);
		addUser(event, caller, access.mode());
		addOrganization(event, caller);
		event.getSource().setSite(request.getFhirServerBase())
				.setObserver(new Reference().setDisplay(source))
				.addType(new Coding(SOURCE_TYPE, "4", "Application Server"));

		if (access.patient() != null) {
			event.addEntity()
					.setWhat(new Reference("Patient/" + access.patient()))
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON, null))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_1_PATIENT, null));
		}
		// Codes without their displays: one entity per resource returned, and the log keeps them all.
		for (String resource : access.resources()) {
			event.addEntity()
					.setWhat(new Reference(resource))
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT, null))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE, null));
		}
		if (profile.getAction() == AuditEvent.AuditEventAction.E && request.getCompleteUrl() != null) {
			event.addEntity()
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT, null))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_24_QUERY, null))
					.setQuery(request.getCompleteUrl().getBytes(StandardCharsets.UTF_8));
		}
		if (request.getRequestId() != null) {
			event.addEntity()
					.setType(new Coding("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType", "XrequestId", null))
					.setWhat(new Reference().setIdentifier(new Identifier().setValue(request.getRequestId())));
		}
		return event;
	}

	private static void addClient(AuditEvent event, RequestDetails request, CarnetCaller caller, BalpProfileEnum profile) {
		AuditEvent.AuditEventAgentComponent client = event.addAgent()
				.setType(new CodeableConcept(profile.getAgentClientTypeCoding()))
				.setRequestor(false);
		if (caller != null) {
			client.setWho(new Reference().setIdentifier(new Identifier().setSystem(CLIENT_ID_SYSTEM).setValue(caller.clientId())));
		}
		if (request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null) {
			client.getNetwork().setAddress(servlet.getServletRequest().getRemoteAddr())
					.setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_IP_ADDRESS);
		}
	}

	private static void addServer(AuditEvent event, RequestDetails request, BalpProfileEnum profile) {
		AuditEvent.AuditEventAgentComponent server = event.addAgent()
				.setType(new CodeableConcept(profile.getAgentServerTypeCoding()))
				.setRequestor(false);
		server.getWho().setDisplay(request.getFhirServerBase());
		server.getNetwork().setAddress(request.getFhirServerBase()).setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_URI);
	}

	/** The person (or system) who asked: the requestor, with what the patient's access log shows of them. */
	private static void addUser(AuditEvent event, CarnetCaller caller, EmergencyMode mode) {
		AuditEvent.AuditEventAgentComponent user = event.addAgent()
				.setType(new CodeableConcept(new Coding(PARTICIPATION_TYPE, "IRCP", "information recipient")))
				.setRequestor(true);
		if (caller == null) {
			return;
		}
		Reference who = new Reference().setDisplay(caller.name());
		if (caller.fhirUser() != null) {
			who.setReference(caller.fhirUser());
		}
		if (caller.idNat() != null && caller.kind() == CarnetCaller.Kind.PROFESSIONAL) {
			who.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(caller.idNat()));
		} else if (caller.fhirUser() == null && caller.organization() != null) {
			who.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(caller.organization()));
		}
		user.setWho(who);
		user.setAltId(caller.subject());
		if (caller.profession() != null) {
			user.addRole(new CodeableConcept(new Coding(PROFESSION_SYSTEM, caller.profession(), null)));
		}
		if (caller.specialty() != null) {
			user.addRole(new CodeableConcept(new Coding(SPECIALTY_SYSTEM, caller.specialty(), null)));
		}
		if (caller.relationship() != null) {
			user.addRole(new CodeableConcept(new Coding(RELATIONSHIP_SYSTEM, caller.relationship().name(), null)));
		}
		mode.purposeOfUse().ifPresent(purpose ->
				user.addPurposeOfUse(new CodeableConcept(new Coding(EmergencyMode.PURPOSE_SYSTEM, purpose, null))));
	}

	private static void addOrganization(AuditEvent event, CarnetCaller caller) {
		if (caller == null || caller.organization() == null) {
			return;
		}
		AuditEvent.AuditEventAgentComponent organization = event.addAgent()
				.setType(new CodeableConcept(new Coding(ROLE_CLASS, "PROV", "healthcare provider")))
				.setRequestor(false)
				.setWho(new Reference().setIdentifier(
						new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(caller.organization())));
		if (caller.organizationSector() != null) {
			organization.addRole(new CodeableConcept(new Coding(SECTOR_SYSTEM, caller.organizationSector(), null)));
		}
	}

	private static BalpProfileEnum profileOf(RestOperationTypeEnum operation, boolean patient) {
		return switch (operation == null ? RestOperationTypeEnum.SEARCH_TYPE : operation) {
			case CREATE -> patient ? BalpProfileEnum.PATIENT_CREATE : BalpProfileEnum.BASIC_CREATE;
			case UPDATE, PATCH, META_ADD, META_DELETE -> patient ? BalpProfileEnum.PATIENT_UPDATE : BalpProfileEnum.BASIC_UPDATE;
			case DELETE -> patient ? BalpProfileEnum.PATIENT_DELETE : BalpProfileEnum.BASIC_DELETE;
			case READ, VREAD, HISTORY_INSTANCE -> patient ? BalpProfileEnum.PATIENT_READ : BalpProfileEnum.BASIC_READ;
			default -> patient ? BalpProfileEnum.PATIENT_QUERY : BalpProfileEnum.BASIC_QUERY;
		};
	}

	/** The FHIR restful-interaction code of an interaction. */
	static String interactionOf(RestOperationTypeEnum operation) {
		if (operation == null) {
			return "operation";
		}
		return switch (operation) {
			case GET_PAGE, SEARCH_TYPE -> "search-type";
			case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_SERVER -> "operation";
			default -> operation.getCode();
		};
	}
}
