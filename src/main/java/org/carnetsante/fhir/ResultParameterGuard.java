package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.InterceptorOrders;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The parameters that shape a response (FHIR R4 search.html, "Modifying Search Results") take the
 * values FHIR gives them, else 400: HAPI silently ignores unknown ones ({@code _summary=bogus} answered
 * the full resource), and passed a negative {@code _offset} to the database (a server error).
 * <ul>
 *   <li>{@code _count}, {@code _offset}: non-negative integers;
 *   <li>{@code _summary}: true, false, text, data or count; {@code _total}: none, estimate or accurate;
 *       {@code _pretty}: true or false; HAPI's {@code _narrative}: normal, only or suppress;
 *   <li>{@code _summary=text} alone, and {@code _elements} not with a {@code _summary} other than false
 *       (HAPI finds out only while writing the answer).
 * </ul>
 * It runs before the request is handled, for requests and for the reads and searches of batch and
 * transaction entries alike.
 *
 * <p>An error's OperationOutcome is written whole: these parameters are dropped from a request that
 * failed, before the error is written. HAPI's response highlighter (a browser's answer) configured its
 * writer from them again and, on the very combination refused, failed with a server error in place of
 * the 400.
 */
@Interceptor
public class ResultParameterGuard {

	private static final Pattern NON_NEGATIVE_INT = Pattern.compile("\\d{1,9}");

	/** What shapes a successful answer, never an error's. */
	private static final Set<String> RESPONSE_SHAPING = Set.of("_summary", "_elements", "_elements:exclude", "_narrative");

	private static final Map<String, Set<String>> CHOICES = Map.of(
			"_summary", Set.of("true", "false", "text", "data", "count"),
			"_total", Set.of("none", "estimate", "accurate"),
			"_pretty", Set.of("true", "false"),
			"_narrative", Set.of("normal", "only", "suppress"));

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = StorableValueGuard.HOOK_ORDER)
	public void checkResultParameters(RequestDetails request) {
		Map<String, String[]> parameters = request.getParameters();
		for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
			String name = parameter.getKey();
			for (String value : parameter.getValue()) {
				check(name, value);
			}
		}
		String[] summary = parameters.get("_summary");
		if (summary != null && (summary.length > 1 || summary[0].contains(","))
				&& String.join(",", summary).toLowerCase(Locale.ROOT).contains("text")) {
			refuse("_summary=text cannot be combined with other _summary values");
		}
		if (parameters.containsKey("_elements") && summary != null
				&& !(summary.length == 1 && summary[0].trim().equalsIgnoreCase("false"))) {
			refuse("Cannot combine the _summary and _elements parameters");
		}
	}

	/** Just before the highlighter writes a browser's error; the access log has recorded the request as sent. */
	@Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR - 1)
	public boolean writeErrorsWhole(RequestDetails request) {
		RESPONSE_SHAPING.forEach(request::removeParameter);
		return true;
	}

	private static void check(String name, String value) {
		if ((name.equals("_count") || name.equals("_offset")) && !NON_NEGATIVE_INT.matcher(value).matches()) {
			refuse("Parameter " + name + " must be a non-negative integer, not '" + FhirText.shown(value) + "'");
		}
		Set<String> choices = CHOICES.get(name);
		if (choices == null) {
			return;
		}
		for (String choice : value.split(",", -1)) {
			if (!choices.contains(choice.trim().toLowerCase(Locale.ROOT))) {
				refuse("Parameter " + name + " is one of " + String.join(", ", choices.stream().sorted().toList())
						+ ", not '" + FhirText.shown(choice) + "'");
			}
		}
	}

	private static void refuse(String diagnostics) {
		throw OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, null, diagnostics);
	}
}
