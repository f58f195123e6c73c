package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.stream.Stream;
import org.carnetsante.support.CarnetServerTest;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets a 4xx OperationOutcome, never a 500 or a stack trace, and nothing is stored.
 */
class BadInputTest extends CarnetServerTest {

	private static final String JSON = "application/fhir+json";
	private static final String XML = "application/fhir+xml";
	private static final int DEFAULT_LIMIT = 20 * 1024 * 1024;

	static Stream<Arguments> badRequests() {
		return Stream.of(
				bad("malformed JSON", "POST", "/Communication", JSON, "{\"resourceType\":\"Communication\",\"status\":"),
				bad("JSON that is not a FHIR resource", "POST", "/Communication", JSON, "[1,2,3]"),
				bad(
						"malformed XML",
						"POST",
						"/Communication",
						XML,
						"<Communication xmlns=\"http://hl7.org/fhir\"><status value=\"completed\">"),
				bad("XML with an external entity", "POST", "/Communication", XML, externalEntityXml()),
				bad("XML entity expansion bomb", "POST", "/Communication", XML, entityExpansionXml()),
				bad("unknown resource type read", "GET", "/Prescription/1", null, null),
				bad("unknown resource type create", "POST", "/Prescription", JSON, "{\"resourceType\":\"Prescription\"}"),
				bad("resource type differs from the URL", "POST", "/Communication", JSON, "{\"resourceType\":\"Patient\"}"),
				bad("text/plain content type", "POST", "/Communication", "text/plain", communicationJson()),
				bad("form content type", "POST", "/Communication", "application/x-www-form-urlencoded", "status=completed"),
				bad("unknown element", "POST", "/Communication", JSON,
						"{\"resourceType\":\"Communication\",\"status\":\"completed\",\"colour\":\"blue\"}"),
				bad("invalid code", "POST", "/Communication", JSON, "{\"resourceType\":\"Communication\",\"status\":\"maybe\"}"),
				bad("deeply nested JSON", "POST", "/Communication", JSON, deeplyNestedJson(5000)),
				bad("body over the size limit", "POST", "/Communication", JSON, oversizedJson()),
				bad("unknown search parameter", "GET", "/Patient?shoe-size=42", null, null));
	}

	private static Arguments bad(String what, String method, String path, String contentType, String body) {
		return Arguments.of(what, method, path, contentType, body);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badRequests")
	void badInputIsRefusedWithAnOperationOutcomeAndStoresNothing(
			String what, String method, String path, String contentType, String body) {
		long before = storedResourceVersions();
		HttpRequest.Builder request = request(path).header("Accept", JSON);
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		request.method(method, body == null
				? HttpRequest.BodyPublishers.noBody()
				: HttpRequest.BodyPublishers.ofString(body));

		HttpResponse<String> response = send(request.build());

		assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
		OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
		assertThat(outcome.getIssueFirstRep().getSeverity()).isIn(
				OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
		assertThat(response.body()).doesNotContain("\tat ", "at org.", "at ca.uhn", "root:x:0:0");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@org.junit.jupiter.api.Test
	void chunkedBodyOverTheSizeLimitIsRefusedWith413() {
		long before = storedResourceVersions();
		byte[] body = oversizedJson().getBytes();
		// An input-stream publisher has no known length, so the client sends it chunked.
		HttpRequest request = request("/Communication")
				.header("Content-Type", JSON)
				.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
				.build();

		HttpResponse<String> response = send(request);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
		assertThat(response.body()).contains("OperationOutcome").contains("exceeds the limit");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	private static String communicationJson() {
		return "{\"resourceType\":\"Communication\",\"status\":\"completed\"}";
	}

	private static String externalEntityXml() {
		return "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>"
				+ "<Communication xmlns=\"http://hl7.org/fhir\"><status value=\"completed\"/>"
				+ "<payload><contentString value=\"&secret;\"/></payload></Communication>";
	}

	private static String entityExpansionXml() {
		StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY l0 \"lol\">");
		for (int level = 1; level <= 9; level++) {
			String previous = "&l" + (level - 1) + ";";
			dtd.append("<!ENTITY l").append(level).append(" \"").append(previous.repeat(10)).append("\">");
		}
		return dtd.append("]><Communication xmlns=\"http://hl7.org/fhir\"><status value=\"completed\"/>")
				.append("<payload><contentString value=\"&l9;\"/></payload></Communication>")
				.toString();
	}

	private static String deeplyNestedJson(int depth) {
		String open = "{\"url\":\"http://example.org/nested\",\"extension\":[";
		return "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"extension\":["
				+ open.repeat(depth) + "]}".repeat(depth) + "]}";
	}

	private static String oversizedJson() {
		char[] padding = new char[DEFAULT_LIMIT + 1024];
		Arrays.fill(padding, ' ');
		return communicationJson() + new String(padding);
	}
}
