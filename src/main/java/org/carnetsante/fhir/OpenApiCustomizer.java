package org.carnetsante.fhir;

import io.swagger.v3.oas.models.OpenAPI;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Lets a capability add to the OpenAPI description of {@code /fhir} (the security schemes tokens come
 * from, for instance) without the {@code fhir} package knowing about it. Applied in {@code @Order}, for
 * each request of {@code /fhir/api-docs}.
 */
@FunctionalInterface
public interface OpenApiCustomizer {

	void customize(OpenAPI description, HttpServletRequest request);
}
