package org.carnetsante.smart;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;

/**
 * Searches made with a patient-context token are narrowed to that patient's compartment before they
 * run (HAPI's {@link SearchNarrowingInterceptor} adds the compartment parameter), so results, totals
 * and paging only ever concern that patient; {@link PatientCompartmentRules} then checks what comes
 * back, includes too.
 */
public class PatientCompartmentNarrowing extends SearchNarrowingInterceptor {

	public PatientCompartmentNarrowing() {
		setNarrowConditionalUrls(true);
	}

	@Override
	protected AuthorizedList buildAuthorizedList(RequestDetails request) {
		return CallerFromToken.current()
				.filter(caller -> caller.patient() != null)
				.map(caller -> new AuthorizedList().addCompartment("Patient/" + caller.patient()))
				.orElse(null);
	}
}
