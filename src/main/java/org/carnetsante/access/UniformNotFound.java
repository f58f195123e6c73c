package org.carnetsante.access;

import java.util.EnumSet;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A read refused by the access policy answers exactly as a read of nothing: 404 with the same
 * OperationOutcome, so that a caller cannot tell a hidden resource from an absent one. HAPI words the
 * two differently (its message codes tell which check failed); this rewrites both, for reads and for
 * the reads of batch and transaction entries.
 */
@Interceptor
public class UniformNotFound {

	private static final Set<RestOperationTypeEnum> READS =
			EnumSet.of(RestOperationTypeEnum.READ, RestOperationTypeEnum.VREAD, RestOperationTypeEnum.HISTORY_INSTANCE);

	static String message(String id) {
		return "Resource " + id + " is not known";
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException uniformRead(RequestDetails request, Throwable failure) {
		if (failure instanceof ResourceNotFoundException && READS.contains(request.getRestOperationType())
				&& request.getId() != null) {
			return new ResourceNotFoundException(message(request.getId().toUnqualified().getValue()));
		}
		return null;
	}

	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void uniformEntryReads(RequestDetails request, ResponseDetails response) {
		if (!(response.getResponseResource() instanceof Bundle answers) || !(request.getResource() instanceof Bundle asked)
				|| (request.getRestOperationType() != RestOperationTypeEnum.BATCH
						&& request.getRestOperationType() != RestOperationTypeEnum.TRANSACTION)) {
			return;
		}
		for (int i = 0; i < answers.getEntry().size() && i < asked.getEntry().size(); i++) {
			Bundle.BundleEntryComponent answer = answers.getEntry().get(i);
			Bundle.BundleEntryRequestComponent question = asked.getEntry().get(i).getRequest();
			if (question.getMethod() == Bundle.HTTPVerb.GET && answer.getResponse().getStatus() != null
					&& answer.getResponse().getStatus().startsWith("404")) {
				OperationOutcome outcome = new OperationOutcome();
				outcome.addIssue()
						.setSeverity(OperationOutcome.IssueSeverity.ERROR)
						.setCode(OperationOutcome.IssueType.PROCESSING)
						.setDiagnostics(message(question.getUrl().split("\\?")[0]));
				answer.getResponse().setOutcome(outcome);
			}
		}
	}
}
