package org.carnetsante.smart;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Searches made with a patient-context token are narrowed to that patient's compartment before they
 * run (HAPI's {@link SearchNarrowingInterceptor} adds the compartment parameter), so results, totals
 * and paging only ever concern that patient; {@link PatientCompartmentRules} then checks what comes
 * back, includes too.
 */
public class PatientCompartmentNarrowing extends SearchNarrowingInterceptor {

	/** {@code Type/id} or {@code Type/id/_history/version}: a read, not a search. */
	private static final Pattern READ_URL = Pattern.compile("^/?[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}(/_history/[A-Za-z0-9\\-.]{1,64})?$");

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

	/**
	 * As HAPI's, except that a batch or transaction entry reading one resource by id stays a read: HAPI
	 * would turn {@code DocumentReference/12} into a search of the whole compartment. Reads are checked
	 * resource by resource anyway.
	 */
	@Override
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void hookIncomingRequestPreHandled(
			ServletRequestDetails request, HttpServletRequest servletRequest, HttpServletResponse servletResponse)
			throws AuthenticationException {
		Map<Bundle.BundleEntryComponent, String> reads = new HashMap<>();
		if (request.getResource() instanceof Bundle bundle) {
			for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
				String url = entry.getRequest().getUrl();
				if (entry.getRequest().getMethod() == Bundle.HTTPVerb.GET && url != null && READ_URL.matcher(url).matches()) {
					reads.put(entry, url);
				}
			}
		}
		super.hookIncomingRequestPreHandled(request, servletRequest, servletResponse);
		reads.forEach((entry, url) -> entry.getRequest().setUrl(url));
	}
}
