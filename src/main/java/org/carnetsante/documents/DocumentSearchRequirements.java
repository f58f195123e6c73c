package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Map;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * ITI-67 (Find Document References): a search of DocumentReferences names the patient ({@code patient},
 * {@code patient.identifier} or {@code subject}) and the {@code status}; without them the search is
 * refused with 400, as MHD's Document Responder does. Paging through a search already made is not
 * a new search.
 */
@Interceptor
public class DocumentSearchRequirements {

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void checkSearch(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation != RestOperationTypeEnum.SEARCH_TYPE || !"DocumentReference".equals(request.getResourceName())) {
			return;
		}
		Map<String, String[]> parameters = request.getParameters();
		boolean namesPatient = parameters.keySet().stream().anyMatch(DocumentSearchRequirements::namesPatient);
		if (!namesPatient) {
			throw missing("patient", "ITI-67: a DocumentReference search must name the patient's space (patient, patient.identifier or subject)");
		}
		if (parameters.keySet().stream().noneMatch(name -> name.equals("status") || name.startsWith("status:"))) {
			throw missing("status", "ITI-67: a DocumentReference search names the status (e.g. status=current)");
		}
	}

	private static boolean namesPatient(String parameter) {
		String name = parameter.contains(":") ? parameter.substring(0, parameter.indexOf(':')) : parameter;
		return name.equals("patient") || name.equals("subject") || name.startsWith("patient.") || name.startsWith("subject.");
	}

	private static InvalidRequestException missing(String parameter, String diagnostics) {
		return new InvalidRequestException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.REQUIRED, parameter, diagnostics));
	}
}
