package org.carnetsante.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.storage.interceptor.balp.BalpConstants;
import org.carnetsante.access.EmergencyMode;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;

/** The row of {@link AuditEventStore} an AuditEvent becomes: its searchable columns and its JSON. */
final class AuditRows {

	private AuditRows() {}

	static AuditEventStore.Row of(FhirContext fhirContext, AuditEvent event) {
		return new AuditEventStore.Row(
				event.getIdElement().getIdPart(),
				event.getRecorded().toInstant(),
				patientOf(event),
				agentOf(event),
				event.getAction().toCode(),
				event.getOutcome().toCode(),
				accessModeOf(event),
				fhirContext.newJsonParser().encodeResourceToString(event));
	}

	/** The patient whose data was reached: the entity in the patient role. */
	static String patientOf(AuditEvent event) {
		for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
			if (BalpConstants.CS_OBJECT_ROLE_1_PATIENT.equals(entity.getRole().getCode())
					&& entity.getWhat().getReferenceElement().hasIdPart()) {
				return entity.getWhat().getReferenceElement().getIdPart();
			}
		}
		return null;
	}

	private static String agentOf(AuditEvent event) {
		for (AuditEvent.AuditEventAgentComponent agent : event.getAgent()) {
			if (agent.getRequestor()) {
				return agent.getWho().hasReference() ? agent.getWho().getReference() : agent.getWho().getIdentifier().getValue();
			}
		}
		return null;
	}

	static String accessModeOf(AuditEvent event) {
		for (CodeableConcept purpose : event.getPurposeOfEvent()) {
			for (Coding coding : purpose.getCoding()) {
				if (EmergencyMode.ACCESS_MODE_SYSTEM.equals(coding.getSystem())) {
					return coding.getCode();
				}
			}
		}
		return EmergencyMode.NONE.accessMode();
	}
}
