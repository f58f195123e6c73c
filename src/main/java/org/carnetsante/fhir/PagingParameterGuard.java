package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;

/**
 * {@code _count} and {@code _offset} must be non-negative integers: HAPI passes a negative offset on
 * to the database, which fails with a server error instead of telling the client.
 */
@Interceptor
public class PagingParameterGuard {

	private static final List<String> PAGING_PARAMETERS = List.of("_count", "_offset");

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
	public void requireNonNegativePaging(RequestDetails request) {
		for (String name : PAGING_PARAMETERS) {
			String[] values = request.getParameters().get(name);
			if (values == null) {
				continue;
			}
			for (String value : values) {
				if (!value.matches("\\d{1,9}")) {
					throw new InvalidRequestException(
							"Parameter " + name + " must be a non-negative integer, not '" + value + "'");
				}
			}
		}
	}
}
