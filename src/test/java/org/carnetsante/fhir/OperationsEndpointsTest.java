package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.carnetsante.support.CarnetServerTest;
import org.junit.jupiter.api.Test;

/** What operators and integrators use besides FHIR: health probes, metrics, the OpenAPI description. */
class OperationsEndpointsTest extends CarnetServerTest {

	@Test
	void livenessAndReadinessAreUpAndReadinessChecksTheDatabase() {
		HttpResponse<String> liveness = get("/actuator/health/liveness");
		HttpResponse<String> readiness = get("/actuator/health/readiness");

		assertThat(liveness.statusCode()).isEqualTo(200);
		assertThat(liveness.body()).contains("\"status\":\"UP\"");
		assertThat(readiness.statusCode()).isEqualTo(200);
		assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"db\"");
	}

	@Test
	void prometheusMetricsIncludeJvmAndHttpFigures() {
		get("/fhir/metadata");

		HttpResponse<String> metrics = get("/actuator/prometheus");

		assertThat(metrics.statusCode()).isEqualTo(200);
		assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("hikaricp_connections");
	}

	@Test
	void openApiDescribesTheFhirApiAndSwaggerUiIsServed() {
		HttpResponse<String> description = get("/fhir/api-docs");
		HttpResponse<String> swaggerUi = get("/fhir/swagger-ui/");

		assertThat(description.statusCode()).isEqualTo(200);
		assertThat(description.body()).contains("openapi").contains("/Patient");
		assertThat(swaggerUi.statusCode()).isEqualTo(200);
		assertThat(swaggerUi.body()).containsIgnoringCase("swagger");
	}

	private HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build());
	}
}
