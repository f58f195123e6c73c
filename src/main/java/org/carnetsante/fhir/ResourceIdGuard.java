package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The id and version a request's URL names are a FHIR id ({@code [A-Za-z0-9\-.]{1,64}}) and a version
 * number, else 400: HAPI parses versions as longs, and {@code _history/99999999999999999999} was a
 * server error. Checked for requests and for batch and transaction entries alike.
 */
@Interceptor
public class ResourceIdGuard {

	private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
	/** Versions are positive longs: 18 digits always fit. */
	private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = StorableValueGuard.HOOK_ORDER)
	public void checkIds(RequestDetails request) {
		IIdType id = request.getId();
		if (id == null) {
			return;
		}
		if (id.hasIdPart() && !ID.matcher(id.getIdPart()).matches()) {
			refuse("'" + FhirText.shown(id.getIdPart()) + "' is not a resource id ([A-Za-z0-9-.], 1 to 64 characters)");
		}
		if (id.hasVersionIdPart() && !VERSION.matcher(id.getVersionIdPart()).matches()) {
			refuse("'" + FhirText.shown(id.getVersionIdPart()) + "' is not a version number");
		}
	}

	private static void refuse(String diagnostics) {
		throw OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, null, diagnostics);
	}
}
