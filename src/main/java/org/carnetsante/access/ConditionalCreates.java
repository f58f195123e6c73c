package org.carnetsante.access;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Set;
import java.util.TreeSet;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A conditional create ({@code If-None-Exist}, a transaction entry's {@code ifNoneExist}) answers with the
 * id of what it matched: on patient data, that would be the id of a resource the caller may not see, and
 * whether it exists. It is served for directory data only (practitioners, organizations, terminology…),
 * the same for everyone; patient data is created plainly, and its uniqueness rules (one INS per space,
 * one uniqueId per space) refuse duplicates. Refused with one answer, before anything is read.
 */
@Interceptor
public class ConditionalCreates {

	private final Set<String> directoryTypes;

	public ConditionalCreates(Set<String> directoryTypes) {
		this.directoryTypes = Set.copyOf(directoryTypes);
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void directoryDataOnly(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation == RestOperationTypeEnum.CREATE && request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null) {
			check(request.getResourceName(), "If-None-Exist");
		}
		if (operation == RestOperationTypeEnum.TRANSACTION && request.getResource() instanceof Bundle bundle) {
			for (int i = 0; i < bundle.getEntry().size(); i++) {
				Bundle.BundleEntryComponent entry = bundle.getEntry().get(i);
				if (entry.getRequest().hasIfNoneExist()) {
					check(entry.hasResource() ? entry.getResource().fhirType() : null,
							"Bundle.entry[" + i + "].request.ifNoneExist");
				}
			}
		}
	}

	private void check(String type, String expression) {
		if (type == null || !directoryTypes.contains(type)) {
			String diagnostics = "Conditional create is served for directory data only (" + String.join(", ",
					new TreeSet<>(directoryTypes)) + "), not for " + type + ": create it plainly (duplicates of an INS or a "
					+ "document uniqueId are refused with 409)";
			throw new InvalidRequestException(diagnostics,
					OperationOutcomes.error(OperationOutcome.IssueType.NOTSUPPORTED, expression, diagnostics));
		}
	}
}
