package org.carnetsante.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Pattern;

/**
 * AuditEvents are never created, changed or deleted through the API: any write to {@code /AuditEvent}
 * answers 405 (HAPI would answer 400, as for an unknown operation). Writes inside transactions are
 * refused by the access policy's write rules.
 */
@Interceptor
public class AuditEventsAreImmutable {

	private static final Pattern AUDIT_EVENT_PATH = Pattern.compile("^.*/fhir/AuditEvent(/[^/]+)?/?$");

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
	public boolean refuseWrites(HttpServletRequest request) {
		String method = request.getMethod();
		if (!"GET".equals(method) && !"HEAD".equals(method) && !"OPTIONS".equals(method)
				&& AUDIT_EVENT_PATH.matcher(request.getRequestURI()).matches()) {
			throw new MethodNotAllowedException("AuditEvents are recorded by Carnet and never created, changed or deleted "
					+ "through the API", RequestTypeEnum.GET);
		}
		return true;
	}
}
