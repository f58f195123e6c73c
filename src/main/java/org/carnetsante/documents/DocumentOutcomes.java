package org.carnetsante.documents;

import org.hl7.fhir.r4.model.OperationOutcome;

/** OperationOutcomes of the document rules: one error, its diagnostics and the element it names. */
final class DocumentOutcomes {

	private DocumentOutcomes() {}

	static OperationOutcome issue(String expression, String diagnostics) {
		return issue(OperationOutcome.IssueType.PROCESSING, expression, diagnostics);
	}

	static OperationOutcome issue(OperationOutcome.IssueType type, String expression, String diagnostics) {
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
}
