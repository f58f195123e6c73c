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
 * The access log's entries: recorded as {@link AuditRecord}s when an access happens, served as
 * AuditEvents in the shape of IHE's Basic Audit Log Patterns (BALP profiles and codes as HAPI's BALP
 * support defines them), with what Carnet's patients are told besides: who (name, profession,
 * organization), how (normal or emergency: TRE_R248 access mode and the purpose of use) and, for
 * refusals, why.
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

	/** What to record of one access: plain values, cheap to make on the request's thread. */
	public AuditRecord record(RequestDetails request, CarnetCaller caller, AuditedAccess access, String outcome,
			String outcomeDescription) {
		AuditRecord.Who who = caller == null ? null : new AuditRecord.Who(caller.subject(), caller.fhirUser(), caller.name(),
				caller.kind() == CarnetCaller.Kind.PROFESSIONAL ? caller.idNat() : null, caller.profession(),
				caller.specialty(), caller.relationship() == null ? null : caller.relationship().name(),
				caller.organization(), caller.organizationSector());
		String address = request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null
				? servlet.getServletRequest().getRemoteAddr() : null;
		boolean query = profileOf(access.operation(), access.patient() != null).getAction() == AuditEvent.AuditEventAction.E;
		return new AuditRecord(UUID.randomUUID().toString(), clock.millis(),
				access.operation() == null ? null : access.operation().name(), access.patient(), access.resources().stream().toList(),
				outcome, outcomeDescription, access.mode().accessMode(), access.mode().purposeOfUse().orElse(null), who,
				caller == null ? null : caller.clientId(), address, request.getFhirServerBase(), request.getRequestId(),
				query ? request.getCompleteUrl() : null);
	}

	/** The BALP AuditEvent of a recorded access. */
	public AuditEvent toAuditEvent(AuditRecord record) {
		RestOperationTypeEnum operation = record.operation() == null ? null : RestOperationTypeEnum.valueOf(record.operation());
		BalpProfileEnum profile = profileOf(operation, record.patient() != null);
		AuditEvent event = new AuditEvent();
		event.setId(record.id());
		event.getMeta().addProfile(profile.getProfileUrl());
		event.setType(new Coding(BalpConstants.CS_AUDIT_EVENT_TYPE, "rest", "Restful Operation"));
		event.addSubtype(new Coding(BalpConstants.CS_RESTFUL_INTERACTION, interactionOf(operation), null));
		event.setAction(profile.getAction());
		event.setRecorded(new Date(record.recordedMillis()));
		event.setOutcome(AuditEvent.AuditEventOutcome.fromCode(record.outcome()));
		event.setOutcomeDesc(record.outcomeDescription());
		event.addPurposeOfEvent(new CodeableConcept(new Coding(EmergencyMode.ACCESS_MODE_SYSTEM, record.accessMode(), null)));
		if (record.purposeOfUse() != null) {
			event.addPurposeOfEvent(new CodeableConcept(new Coding(EmergencyMode.PURPOSE_SYSTEM, record.purposeOfUse(), null)));
		}

		AuditEvent.AuditEventAgentComponent client = event.addAgent()
				.setType(new CodeableConcept(profile.getAgentClientTypeCoding()))
				.setRequestor(false);
		if (record.clientId() != null) {
			client.setWho(new Reference().setIdentifier(new Identifier().setSystem(CLIENT_ID_SYSTEM).setValue(record.clientId())));
		}
		if (record.clientAddress() != null) {
			client.getNetwork().setAddress(record.clientAddress()).setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_IP_ADDRESS);
		}
		AuditEvent.AuditEventAgentComponent server = event.addAgent()
				.setType(new CodeableConcept(profile.getAgentServerTypeCoding()))
				.setRequestor(false);
		server.getNetwork().setAddress(record.server()).setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_URI);
		addUser(event, record);
		addOrganization(event, record.who());
		event.getSource().setSite(record.server())
				.setObserver(new Reference().setDisplay(source))
				.addType(new Coding(SOURCE_TYPE, "4", "Application Server"));

		if (record.patient() != null) {
			event.addEntity()
					.setWhat(new Reference("Patient/" + record.patient()))
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON,
							BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON_DISPLAY))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_1_PATIENT,
							BalpConstants.CS_OBJECT_ROLE_1_PATIENT_DISPLAY));
		}
		for (String resource : record.resources()) {
			event.addEntity()
					.setWhat(new Reference(resource))
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT,
							BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE,
							BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE_DISPLAY));
		}
		if (record.query() != null) {
			event.addEntity()
					.setType(new Coding(BalpConstants.CS_AUDIT_ENTITY_TYPE, BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT,
							BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY))
					.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_24_QUERY, "Query"))
					.setDescription(record.query())
					.setQuery(record.query().getBytes(StandardCharsets.UTF_8));
		}
		if (record.requestId() != null) {
			event.addEntity()
					.setType(new Coding("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType", "XrequestId", null))
					.setWhat(new Reference().setIdentifier(new Identifier().setValue(record.requestId())));
		}
		return event;
	}

	/** The person (or system) who asked: the requestor, with what the patient's access log shows of them. */
	private static void addUser(AuditEvent event, AuditRecord record) {
		AuditEvent.AuditEventAgentComponent user = event.addAgent()
				.setType(new CodeableConcept(new Coding(PARTICIPATION_TYPE, "IRCP", "information recipient")))
				.setRequestor(true);
		AuditRecord.Who who = record.who();
		if (who == null) {
			return;
		}
		Reference reference = new Reference().setDisplay(who.name());
		if (who.fhirUser() != null) {
			reference.setReference(who.fhirUser());
		}
		if (who.idNat() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(who.idNat()));
		} else if (who.fhirUser() == null && who.organization() != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(who.organization()));
		}
		user.setWho(reference);
		user.setAltId(who.subject());
		if (who.profession() != null) {
			user.addRole(new CodeableConcept(new Coding(PROFESSION_SYSTEM, who.profession(), null)));
		}
		if (who.specialty() != null) {
			user.addRole(new CodeableConcept(new Coding(SPECIALTY_SYSTEM, who.specialty(), null)));
		}
		if (who.relationship() != null) {
			user.addRole(new CodeableConcept(new Coding(RELATIONSHIP_SYSTEM, who.relationship(), null)));
		}
		if (record.purposeOfUse() != null) {
			user.addPurposeOfUse(new CodeableConcept(new Coding(EmergencyMode.PURPOSE_SYSTEM, record.purposeOfUse(), null)));
		}
	}

	private static void addOrganization(AuditEvent event, AuditRecord.Who who) {
		if (who == null || who.organization() == null) {
			return;
		}
		AuditEvent.AuditEventAgentComponent organization = event.addAgent()
				.setType(new CodeableConcept(new Coding(ROLE_CLASS, "PROV", "healthcare provider")))
				.setRequestor(false)
				.setWho(new Reference().setIdentifier(
						new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(who.organization())));
		if (who.sector() != null) {
			organization.addRole(new CodeableConcept(new Coding(SECTOR_SYSTEM, who.sector(), null)));
		}
	}

	static BalpProfileEnum profileOf(RestOperationTypeEnum operation, boolean patient) {
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
