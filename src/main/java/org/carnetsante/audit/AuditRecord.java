package org.carnetsante.audit;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * One entry of the access log as it is stored: the facts an IHE BALP AuditEvent is built from when it
 * is read ({@link AuditEventFactory#toAuditEvent}). Recording an access is thus a small JSON document
 * and a row, not a FHIR resource encoded on every read of patient data.
 *
 * @param id the AuditEvent's id
 * @param recordedMillis when the access happened (epoch milliseconds)
 * @param operation the FHIR interaction ({@code RestOperationTypeEnum} name)
 * @param patient the space reached, if any
 * @param resources relative ids of the resources concerned
 * @param outcome BALP outcome code: 0 allowed and served, 4 refused or failed on the caller's side, 8 failed
 * @param outcomeDescription the access policy's reasons, or the failure
 * @param accessMode TRE_R248 code: normal, bris_de_glace, centre_15
 * @param purposeOfUse v3-ActReason code of an emergency (BTG, ETREAT)
 * @param who who asked
 * @param clientId the OAuth client
 * @param clientAddress the client's network address
 * @param server the FHIR base URL that answered
 * @param requestId the request's {@code X-Request-ID}
 * @param query the complete URL of a search, for BALP's query entity
 */
@JsonIgnoreProperties(ignoreUnknown = true) // entries written by a later version stay readable
public record AuditRecord(
		String id,
		long recordedMillis,
		String operation,
		String patient,
		List<String> resources,
		String outcome,
		String outcomeDescription,
		String accessMode,
		String purposeOfUse,
		Who who,
		String clientId,
		String clientAddress,
		String server,
		String requestId,
		String query) {

	public AuditRecord {
		resources = resources == null ? List.of() : List.copyOf(resources);
	}

	/**
	 * The person or system who asked, as the patient's access log names them.
	 *
	 * @param subject the token's subject
	 * @param fhirUser {@code Practitioner/…}, {@code Patient/…}, {@code RelatedPerson/…}
	 * @param name display name
	 * @param idNat a professional's national id
	 * @param profession TRE_G15 code
	 * @param specialty TRE_R38 code
	 * @param relationship to the space, for a patient-side caller
	 * @param organization national id of the organization acted for
	 * @param sector TRE_R02 sector of that organization
	 */
	public record Who(
			String subject, String fhirUser, String name, String idNat, String profession, String specialty,
			String relationship, String organization, String sector) {}

	@JsonIgnore
	public boolean allowed() {
		return "0".equals(outcome);
	}

	@JsonIgnore
	public boolean isEmergency() {
		return purposeOfUse != null;
	}
}
