package org.carnetsante.fhir;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;
import ca.uhn.fhir.context.FhirContext;

/**
 * Writes a FHIR OperationOutcome as the whole HTTP response, for the few refusals made before a
 * request reaches HAPI (HAPI answers everything else itself).
 */
public final class OperationOutcomes {

	private static final FhirContext FHIR = FhirContext.forR4Cached();

	private OperationOutcomes() {}

	public static void write(HttpServletResponse response, int status, String issueCode, String diagnostics)
			throws IOException {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.fromCode(issueCode))
				.setDiagnostics(diagnostics);
		byte[] body = FHIR.newJsonParser().encodeResourceToString(outcome).getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType("application/fhir+json;charset=UTF-8");
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
	}
}
