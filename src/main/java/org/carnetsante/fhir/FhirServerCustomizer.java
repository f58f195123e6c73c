package org.carnetsante.fhir;

import ca.uhn.fhir.rest.server.RestfulServer;

/**
 * Lets a capability (security, access policy, audit…) add its providers and REST interceptors to the
 * FHIR server without the {@code fhir} package knowing about it. Applied in {@code @Order}.
 */
@FunctionalInterface
public interface FhirServerCustomizer {

	void customize(RestfulServer server);
}
