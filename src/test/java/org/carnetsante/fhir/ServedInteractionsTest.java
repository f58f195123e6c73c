package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.carnetsante.support.CarnetServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The endpoint serves what Carnet needs and nothing else (issue 11 §6, design.md §2): the configured
 * resource types only, a handful of operations, one resource's history, no conditional update or delete;
 * everything else gets one answer, whatever exists, directly and inside batches and transactions, and the
 * CapabilityStatement lists what is served.
 */
class ServedInteractionsTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Autowired
	FhirProperties fhir;

	static Stream<Arguments> notServed() {
		return Stream.of(
				Arguments.of("a real type Carnet does not serve", "GET", "/Claim/1", 404, "Unknown resource type 'Claim'"),
				Arguments.of("a search of it", "GET", "/ExplanationOfBenefit?patient=1", 404, "Unknown resource type"),
				Arguments.of("a create of it", "POST", "/Coverage", 404, "Unknown resource type 'Coverage'"),
				Arguments.of("a type that does not exist", "GET", "/Prescription/1", 404, "Unknown resource type 'Prescription'"),
				Arguments.of("$meta on an instance", "GET", "/Patient/1/$meta", 400, "Operation $meta is not served"),
				Arguments.of("$meta on the server", "GET", "/$meta", 400, "Operation $meta is not served"),
				Arguments.of("$diff", "GET", "/Patient/1/$diff", 400, "Operation $diff is not served"),
				Arguments.of("an operation no one defined", "GET", "/Patient/1/$frobnicate", 400, "Operation $frobnicate is not served"),
				Arguments.of("resource counts", "GET", "/$get-resource-counts", 400, "not served"),
				Arguments.of("GraphQL", "GET", "/$graphql?query=%7BPatientList%7Bid%7D%7D", 400, "not served"),
				Arguments.of("$everything on another type", "GET", "/Observation/1/$everything", 400, "not served"),
				Arguments.of("$everything of every patient", "GET", "/Patient/$everything", 400, "not served"),
				Arguments.of("instance $validate", "POST", "/Patient/1/$validate", 400, "not served"),
				Arguments.of("$validate in update mode", "POST", "/Patient/$validate?mode=update", 400, "create mode only"),
				Arguments.of("the history of a type", "GET", "/Patient/_history", 400, "one resource at a time"),
				Arguments.of("the history of the server", "GET", "/_history", 400, "one resource at a time"),
				Arguments.of("a conditional update", "PUT", "/Patient?identifier=x%7Cy", 400, "Conditional update is not served"),
				Arguments.of("a conditional delete", "DELETE", "/Patient?identifier=x%7Cy", 400, "Conditional delete is not served"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("notServed")
	void whatIsNotServedGetsOneAnswerAndStoresNothing(String what, String method, String path, int status, String says) {
		long before = storedResourceVersions();
		HttpRequest.Builder request = request(path).header("Accept", "application/fhir+json");
		request = "GET".equals(method) || "DELETE".equals(method) ? request.method(method, HttpRequest.BodyPublishers.noBody())
				: request.header("Content-Type", "application/fhir+json")
						.method(method, HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\"}"));

		HttpResponse<String> response = send(request.build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.body()).contains("OperationOutcome").contains(says);
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void anEntryOfABatchOrTransactionIsHeldToTheSameRules() {
		java.util.Map<String, Integer> entries = java.util.Map.of(
				"{\"request\":{\"method\":\"GET\",\"url\":\"Claim/1\"}}", 404,
				"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1/$meta\"}}", 400,
				"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/_history\"}}", 400,
				"{\"resource\":{\"resourceType\":\"Claim\"},\"request\":{\"method\":\"POST\",\"url\":\"Claim\"}}", 404,
				"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient?identifier=x%7Cy\"}}", 400);
		for (java.util.Map.Entry<String, Integer> each : entries.entrySet()) {
			String entry = each.getKey();
			for (String type : List.of("batch", "transaction")) {
				long before = storedResourceVersions();
				HttpResponse<String> response = send(request("").header("Content-Type", "application/fhir+json")
						.POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Bundle\",\"type\":\"" + type
								+ "\",\"entry\":[" + entry + "]}")).build());
				assertThat(response.statusCode()).as(type + " " + entry + ": " + response.body()).isEqualTo(each.getValue());
				assertThat(response.body()).contains("Bundle.entry[0]");
				assertThat(storedResourceVersions()).isEqualTo(before);
			}
		}
	}

	@Test
	void theCapabilityStatementListsTheServedTypesOnly() throws IOException {
		JsonNode statement = JSON.readTree(send(request("/metadata").GET().build()).body());
		Set<String> listed = new HashSet<>();
		statement.get("rest").get(0).get("resource").forEach(resource -> listed.add(resource.get("type").asText()));

		assertThat(listed).containsExactlyInAnyOrderElementsOf(fhir.resourceTypes());
		assertThat(listed).doesNotContain("Claim", "Coverage", "ExplanationOfBenefit");
	}

	@Test
	void whatIsServedStillAnswers() {
		String patient = patientInOurCare();
		assertThat(send(request("/Patient/" + patient + "/$everything").GET().build()).statusCode()).isEqualTo(200);
		assertThat(send(request("/Patient/" + patient + "/_history").GET().build()).statusCode()).isEqualTo(200);
		assertThat(send(request("/Patient/$validate").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(
						org.carnetsante.support.Fixtures.insPatient()))).build()).statusCode()).isEqualTo(200);
		assertThat(send(request("/Practitioner?_count=1").GET().build()).statusCode()).isEqualTo(200);
	}
}
