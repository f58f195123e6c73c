package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * OperationOutcomes of Carnet's own refusals: one error with its diagnostics and the element it names
 * (for HAPI's exceptions to carry), or written as the whole HTTP response for the few refusals made
 * before a request reaches HAPI (HAPI answers everything else itself).
 */
public final class OperationOutcomes {

	private static final FhirContext FHIR = FhirContext.forR4Cached();

	private OperationOutcomes() {}

	/** One error; {@code expression} (the element at fault) may be null. */
	public static OperationOutcome error(OperationOutcome.IssueType type, String expression, String diagnostics) {
		OperationOutcome outcome = new OperationOutcome();
		OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(type)
				.setDiagnostics(diagnostics);
		if (expression != null) {
			issue.addExpression(expression);
		}
		return outcome;
	}

	/** A 400 refusal carrying its OperationOutcome; {@code expression} may be null. */
	public static InvalidRequestException invalid(
			OperationOutcome.IssueType type, String expression, String diagnostics) {
		return new InvalidRequestException(diagnostics, error(type, expression, diagnostics));
	}

	public static void write(HttpServletResponse response, int status, String issueCode, String diagnostics)
			throws IOException {
		byte[] body = json(issueCode, diagnostics).getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType("application/fhir+json;charset=UTF-8");
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
	}

	/** One error as FHIR JSON. */
	static String json(String issueCode, String diagnostics) {
		OperationOutcome outcome = error(OperationOutcome.IssueType.fromCode(issueCode), null, diagnostics);
		return FHIR.newJsonParser().encodeResourceToString(outcome);
	}
}
