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
				bad("deeply nested JSON", "POST", "/Communication", JSON, nestedExtensions("Communication", 5000)),
				bad("Patient nested past the validator's reach", "POST", "/Patient", JSON, nestedExtensions("Patient", 300)),
				bad("negative _offset", "GET", "/Patient?_offset=-5", null, null),
				bad("non-numeric _count", "GET", "/Patient?_count=many", null, null),
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

	/**
	 * A resource with {@code levels} nested extensions ending in a value. Its JSON nesting depth is
	 * {@code 2 * levels + 3}: the resource, the extension array, two per nested extension, the leaf.
	 */
	static String nestedExtensions(String resourceType, int levels) {
		String open = "{\"url\":\"http://example.org/nested\",\"extension\":[";
		String status = resourceType.equals("Communication") ? ",\"status\":\"completed\"" : "";
		return "{\"resourceType\":\"" + resourceType + "\"" + status + ",\"extension\":["
				+ open.repeat(levels) + "{\"url\":\"http://example.org/leaf\",\"valueString\":\"x\"}"
				+ "]}".repeat(levels) + "]}";
	}

	@org.junit.jupiter.api.Test
	void jsonAtTheNestingLimitIsAcceptedAndOneLevelDeeperIsRefused() {
		// Default limit 100: 48 levels nest 99 deep, 49 levels nest 101 deep.
		String subject = ",\"subject\":{\"reference\":\"Patient/" + patientInOurCare() + "\"}";
		HttpResponse<String> atLimit = send(request("/Communication").header("Content-Type", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(nestedExtensions("Communication", 48).replaceFirst(",", subject + ",")))
				.build());
		HttpResponse<String> overLimit = send(request("/Communication").header("Content-Type", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(nestedExtensions("Communication", 49))).build());

		assertThat(atLimit.statusCode()).as(atLimit.body()).isEqualTo(201);
		assertThat(overLimit.statusCode()).isEqualTo(400);
		assertThat(overLimit.body()).contains("nested deeper than 100 levels");
	}

	@org.junit.jupiter.api.Test
	void gzipBodyIsInflatedAndCountedAgainstTheLimit() throws java.io.IOException {
		byte[] plain = ("{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/"
				+ patientInOurCare() + "\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
		long before = storedResourceVersions();

		HttpResponse<String> accepted = send(request("/Communication")
				.header("Content-Type", JSON).header("Content-Encoding", "gzip")
				.POST(HttpRequest.BodyPublishers.ofByteArray(gzip(plain))).build());
		// A few kilobytes that inflate past the limit.
		byte[] bomb = gzip(oversizedJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
		HttpResponse<String> refused = send(request("/Communication")
				.header("Content-Type", JSON).header("Content-Encoding", "gzip")
				.POST(HttpRequest.BodyPublishers.ofByteArray(bomb)).build());

		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(201);
		assertThat(bomb.length).isLessThan(100_000);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
		assertThat(storedResourceVersions()).isEqualTo(before + 2);
	}

	private static byte[] gzip(byte[] plain) throws java.io.IOException {
		java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
		try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(compressed)) {
			out.write(plain);
		}
		return compressed.toByteArray();
	}

	private static String oversizedJson() {
		char[] padding = new char[TEST_MAX_REQUEST_BODY + 1024];
		Arrays.fill(padding, ' ');
		return communicationJson() + new String(padding);
	}
}
