package org.carnetsante.examples.quickstart;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.List;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;

/**
 * How client code reads a refusal. Carnet answers every refusal (4xx) with a FHIR OperationOutcome;
 * HAPI's generic client throws a {@link BaseServerResponseException} subclass per status
 * ({@code InvalidRequestException} 400, {@code ForbiddenOperationException} 403,
 * {@code ResourceNotFoundException} 404, {@code UnprocessableEntityException} 422…) and parses the body
 * into {@link BaseServerResponseException#getOperationOutcome()}. Each issue's {@code expression} names
 * the element to fix (FHIRPath, e.g. {@code DocumentReference.content[0].attachment.hash}); its
 * {@code diagnostics} says what is wrong in words. Show both to whoever can fix the document.
 */
final class OperationOutcomes {

	private OperationOutcomes() {}

	static OperationOutcome of(BaseServerResponseException refusal) {
		IBaseOperationOutcome outcome = refusal.getOperationOutcome();
		if (!(outcome instanceof OperationOutcome r4)) {
			throw new ExpectationFailed("HTTP " + refusal.getStatusCode() + " without an OperationOutcome: " + refusal.getMessage());
		}
		return r4;
	}

	static List<String> expressionsOf(OperationOutcome outcome) {
		return outcome.getIssue().stream()
				.flatMap(issue -> issue.getExpression().stream())
				.map(StringType::getValue)
				.toList();
	}

	/** One line for the status, one per issue. */
	static String describe(BaseServerResponseException refusal) {
		StringBuilder text = new StringBuilder("HTTP " + refusal.getStatusCode() + " " + refusal.getClass().getSimpleName());
		if (refusal.getOperationOutcome() instanceof OperationOutcome outcome) {
			for (OperationOutcome.OperationOutcomeIssueComponent issue : outcome.getIssue()) {
				text.append("\n      issue: severity=").append(issue.getSeverity() == null ? "?" : issue.getSeverity().toCode())
						.append(" code=").append(issue.getCode() == null ? "?" : issue.getCode().toCode())
						.append(" expression=").append(issue.getExpression().stream().map(StringType::getValue)
								.collect(Collectors.joining(", ", "[", "]")))
						.append("\n             diagnostics=\"").append(issue.getDiagnostics()).append('"');
			}
		} else {
			text.append(" (no OperationOutcome) ").append(refusal.getMessage());
		}
		return text.toString();
	}
}
