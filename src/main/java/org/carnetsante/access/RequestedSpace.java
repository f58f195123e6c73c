package org.carnetsante.access;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;

/** The space a request names by itself, before any resource is read: its Patient, or its patient parameter. */
public final class RequestedSpace {

	private RequestedSpace() {}

	/**
	 * The patient id a request names: {@code Patient/[id]} (and its operations), or a single
	 * {@code patient}, {@code subject} (to a Patient) or, for Patient searches, {@code _id} value.
	 * Null when it names none, or several.
	 */
	public static String namedPatient(RequestDetails request) {
		if ("Patient".equals(request.getResourceName()) && request.getId() != null && request.getId().hasIdPart()) {
			return request.getId().getIdPart();
		}
		for (String parameter : List.of("patient", "subject", "_id")) {
			String[] values = request.getParameters().get(parameter);
			if (values == null || values.length != 1 || values[0].contains(",")) {
				continue;
			}
			String value = values[0];
			if ("_id".equals(parameter) && !"Patient".equals(request.getResourceName())) {
				continue;
			}
			if (value.startsWith("Patient/")) {
				return value.substring("Patient/".length());
			}
			if (!"subject".equals(parameter) && !value.contains("/")) {
				return value;
			}
		}
		return null;
	}
}
