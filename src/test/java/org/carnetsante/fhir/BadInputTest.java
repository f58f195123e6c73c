package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets a 4xx OperationOutcome, never a 500 or a stack trace, and nothing is stored.
 */
class BadInputTest extends FhirInputTest {


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
		String patient = patientInOurCare();
		String subject = ",\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"recipient\":[{\"reference\":\"Patient/"
				+ patient + "\"}],\"payload\":[{\"contentString\":\"Bonjour\"}]";
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
		String patient = patientInOurCare();
		byte[] plain = ("{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/"
				+ patient + "\"},\"recipient\":[{\"reference\":\"Patient/" + patient + "\"}],\"payload\":[{\"contentString\":\"Bonjour\"}]}")
				.getBytes(java.nio.charset.StandardCharsets.UTF_8);
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

	// --- Regressions, each with the exact answer: one class of input per block (issue 11, section 2) ---

	/** Placeholders the cases below use: {@code {patient}} (in our care), {@code {observation}} (about them). */
	private static String patientId;
	private static String observationId;

	private String resolved(String template) {
		if (patientId == null) {
			patientId = patientInOurCareOverHttp(org.carnetsante.support.Fixtures.insPatient());
			observationId = created("/Observation", observationJson(patientId, "\"valueQuantity\":{\"value\":5.4}"));
		}
		return template == null ? null : template.replace("{patient}", patientId).replace("{observation}", observationId);
	}

	private static String observation(String extra) {
		return observationJson("{patient}", extra);
	}

	private static final String JSON_PATCH = "application/json-patch+json";
	private static final String FORM = "application/x-www-form-urlencoded";

	/** A case: the request and exactly what it must get (status, the element named, words of the diagnostics). */
	private static Arguments refused(String what, int status, String method, String path, String contentType, String body,
			String expression, String diagnostics, String... headers) {
		return Arguments.of(what, status, method, path, contentType, body, expression, diagnostics, headers);
	}

	static Stream<Arguments> exactRefusals() {
		String digits = "1".repeat(300_000);
		return Stream.of(
				// String decoding: lone surrogates, NUL, other control characters, in every format and place.
				refused("lone high surrogate in a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueString\":\"a\\ud800b\""), "Observation.valueString", "unpaired UTF-16 surrogate"),
				refused("lone low surrogate in a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"note\":[{\"text\":\"\\udc00\"}]"), "Observation.note[0].text", "unpaired UTF-16 surrogate"),
				refused("NUL in a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueString\":\"a\\u0000b\""), "Observation.valueString", "control character U+0000"),
				refused("control character in a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueString\":\"a\\u0007b\""), "Observation.valueString", "control character U+0007"),
				refused("noncharacter U+FFFF in a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueString\":\"\\uffff\""), "Observation.valueString", "noncharacter U+FFFF"),
				refused("lone surrogate in a transaction entry", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"\\ud800\"}}", "Basic"),
						"Bundle.entry[0].resource.code.text", "unpaired UTF-16 surrogate"),
				refused("surrogate character reference in XML", 400, "POST", "/Communication", XML,
						"<Communication xmlns=\"http://hl7.org/fhir\"><status value=\"completed\"/><payload>"
								+ "<contentString value=\"a&#xD800;b\"/></payload></Communication>", null, "Failed to parse"),
				refused("NUL character reference in XML", 400, "POST", "/Communication", XML,
						"<Communication xmlns=\"http://hl7.org/fhir\"><status value=\"completed\"/><payload>"
								+ "<contentString value=\"a&#x0;b\"/></payload></Communication>", null, "Failed to parse"),
				refused("NUL brought by a JSON Patch", 400, "PATCH", "/Observation/{observation}", JSON_PATCH,
						"[{\"op\":\"add\",\"path\":\"/note\",\"value\":[{\"text\":\"a\\u0000b\"}]}]",
						"Observation.note[0].text", "control character U+0000"),
				refused("lone surrogate in a FHIRPath Patch", 400, "PATCH", "/Observation/{observation}", JSON,
						fhirPathPatch("\"valueString\":\"\\ud800\""), "Parameters.parameter[0].part[3].valueString",
						"unpaired UTF-16 surrogate"),
				refused("NUL in a search value", 400, "GET", "/Observation?patient={patient}&code=a%00", null, null,
						null, "control character (code 0)"),
				refused("NUL in an _id", 400, "GET", "/Patient?_id=a%00", null, null, null, "control character (code 0)"),
				refused("NUL in a form-encoded search", 400, "POST", "/Observation/_search", FORM,
						"patient={patient}&code=a%00", null, "control character (code 0)"),
				refused("NUL in a conditional reference", 400, "POST", "/Observation", JSON,
						observationJson("x", "").replace("Patient/x", "Patient?identifier=a%00"), null, "control character"),
				refused("conditional reference naming no resource type", 400, "POST", "/Observation", JSON,
						observationJson("x", "").replace("Patient/x", "?identifier=x"), "Observation.subject.reference",
						"names the resource type it searches"),
				refused("NUL in If-None-Exist", 400, "POST", "/Observation", JSON, observation(""), null,
						"control character (code 0)", "If-None-Exist", "identifier=a%00"),

				// Numbers: bounded before HAPI writes them out (1e999999 cost 20 s), and what indexes hold.
				refused("1e999999 in JSON", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":1e999999}"), "Observation.valueQuantity.value",
						"1000000 digits before its decimal point"),
				refused("1e400 in JSON", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":1e400}"), "Observation.valueQuantity.value",
						"401 digits before its decimal point"),
				refused("1e-400 in JSON", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":1e-400}"), "Observation.valueQuantity.value",
						"400 digits after its decimal point"),
				refused("0e999999 in JSON", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":0e999999}"), "Observation.valueQuantity.value",
						"digits before its decimal point"),
				refused("1e999999 as a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":\"1e999999\"}"), "Observation.valueQuantity.value",
						"1000000 digits before its decimal point"),
				refused("300,000 digits as a JSON string", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":\"" + digits + "\"}"), "Observation.valueQuantity.value",
						"too long to be read as a number"),
				refused("1e999999 in XML", 400, "POST", "/Observation", XML,
						"<Observation xmlns=\"http://hl7.org/fhir\"><extension url=\"http://example.org/x\">"
								+ "<valueDecimal value=\"1e999999\"/></extension><status value=\"final\"/><code><text value=\"x\"/>"
								+ "</code></Observation>", "Observation.extension[0].valueDecimal", "1000000 digits"),
				refused("300,000 digits in XML", 400, "POST", "/Observation", XML,
						"<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/><code><text value=\"x\"/></code>"
								+ "<valueQuantity><value value=\"" + digits + "\"/></valueQuantity></Observation>", null,
						"too long to be read as a number"),
				refused("a quantity beyond numeric(19,2)", 400, "POST", "/Observation", JSON,
						observation("\"valueQuantity\":{\"value\":1e18}"), "Observation.valueQuantity.value",
						"19 digits before its decimal point"),
				refused("integer beyond 32 bits", 400, "POST", "/Observation", JSON,
						observation("\"valueInteger\":99999999999"), null, "valueInteger"),
				refused("1e999999 brought by a JSON Patch", 400, "PATCH", "/Observation/{observation}", JSON_PATCH,
						"[{\"op\":\"replace\",\"path\":\"/valueQuantity/value\",\"value\":\"1e999999\"}]",
						"Observation.valueQuantity.value", "1000000 digits"),
				refused("1e400 in a quantity search", 400, "GET", "/Observation?patient={patient}&value-quantity=1e400",
						null, null, null, "401 digits"),
				refused("lt1e999999 in a quantity search", 400, "GET",
						"/Observation?patient={patient}&value-quantity=lt1e999999", null, null, null, "1000000 digits"),
				refused("1e400 in a quantity search with a prefix", 400, "GET",
						"/Observation?patient={patient}&value-quantity=gt1e400", null, null, null, "401 digits"),
				refused("5,000 digits in a form-encoded search", 400, "POST", "/Observation/_search", FORM,
						"patient={patient}&value-quantity=" + "1".repeat(5000), null, "digits in a row"),

				// Conditional headers: malformed, or where they would be ignored.
				refused("If-Match that is not a version", 400, "PUT", "/Observation/{observation}", JSON,
						observation("").replace("{\"resourceType\":\"Observation\",",
								"{\"resourceType\":\"Observation\",\"id\":\"{observation}\","), null, "If-Match must be",
						"If-Match", "W/\"abc\""),
				refused("If-Match of 20 digits", 400, "DELETE", "/Observation/{observation}", null, null, null,
						"If-Match must be", "If-Match", "W/\"99999999999999999999\""),
				refused("If-Match on a conditional delete", 400, "DELETE", "/Observation?code=x", null, null, null,
						"one resource named by its id", "If-Match", "W/\"1\""),
				refused("If-Modified-Since that is not a date", 400, "GET", "/Patient/{patient}", null, null, null,
						"HTTP date", "If-Modified-Since", "yesterday"),
				refused("If-None-Match that is not a version", 400, "GET", "/Patient/{patient}", null, null, null,
						"If-None-Match must be", "If-None-Match", "garbage"),
				refused("If-None-Exist with a broken escape", 400, "POST", "/Observation", JSON, observation(""), null,
						"broken escape", "If-None-Exist", "identifier=%zz"),
				refused("If-None-Exist on an update", 400, "PUT", "/Observation/{observation}", JSON,
						observation("").replace("{\"resourceType\":\"Observation\",",
								"{\"resourceType\":\"Observation\",\"id\":\"{observation}\","), null, "applies to a create",
						"If-None-Exist", "identifier=a|b"),
				refused("malformed ifMatch of a transaction entry", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"DELETE\","
								+ "\"url\":\"Observation/{observation}\",\"ifMatch\":\"2\"}}]}",
						"Bundle.entry[0].request.ifMatch", "If-Match must be"),

				refused("X-Transaction-Semantics asking for retries", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[]}", null, "is not served",
						"X-Transaction-Semantics", "retries=4; minRetryDelay=10000; maxRetryDelay=10000"),

				// Response encoding.
				refused("_summary that FHIR does not define", 400, "GET", "/Patient/{patient}?_summary=bogus", null, null,
						null, "Parameter _summary is one of"),
				refused("_summary=text with _elements", 400, "GET", "/Patient/{patient}?_summary=text&_elements=id", null,
						null, null, "Cannot combine"),
				refused("_summary=text with _elements for a browser", 400, "GET",
						"/Patient/{patient}?_elements=text&_summary=text", null, null, null, "Cannot combine",
						"Accept", "text/html"),
				refused("_summary=text with data for a browser", 400, "GET", "/Patient/{patient}?_summary=text,data", null,
						null, null, "cannot be combined", "Accept", "text/html"),
				refused("_total that FHIR does not define", 400, "GET", "/Observation?patient={patient}&_total=all", null,
						null, null, "Parameter _total is one of"),
				refused("_pretty that is not a boolean", 400, "GET", "/Patient/{patient}?_pretty=maybe", null, null, null,
						"Parameter _pretty is one of"),

				// Bundle shapes.
				refused("transaction entry whose resource is null", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":null,"
								+ "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
						"Bundle.entry[0].resource", "null is not a FHIR value"),
				refused("batch entry whose resource is null", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":null,"
								+ "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
						"Bundle.entry[0].resource", "null is not a FHIR value"),
				refused("untyped Bundle posted to the base", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"entry\":[]}", "Bundle.type", "transaction or batch"),
				refused("collection posted to the base", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[]}", "Bundle.type", "transaction or batch"),
				refused("entry without request", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
								+ "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}}]}",
						"Bundle.entry[0].request", "has a request"),
				refused("entry without method", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}", "Basic").replace("\"method\":\"POST\",", ""),
						"Bundle.entry[0].request.method", "GET, POST, PUT, PATCH or DELETE"),
				refused("entry without url", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}", "Basic").replace(",\"url\":\"Basic\"", ""),
						"Bundle.entry[0].request.url", "has a url"),
				refused("entry with an absolute url", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}", "http://elsewhere.example/fhir/Basic"),
						"Bundle.entry[0].request.url", "relative to the server's base"),
				refused("entry with a garbage url", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}", "%%%/??"),
						"Bundle.entry[0].request.url", "relative to the server's base"),
				refused("entry posting a Basic to Observation", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}", "Observation"),
						"Bundle.entry[0].resource", "the url names Observation"),
				refused("PUT entry without resource", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"PUT\","
								+ "\"url\":\"Basic/abc\"}}]}", "Bundle.entry[0].resource", "carries the resource to store"),
				refused("PATCH entry carrying an Observation", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + observation("")
								+ ",\"request\":{\"method\":\"PATCH\",\"url\":\"Observation/{observation}\"}}]}",
						"Bundle.entry[0].resource", "carries its patch"),
				refused("DELETE entry carrying a resource", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + observation("")
								+ ",\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/{observation}\"}}]}",
						"Bundle.entry[0].resource", "carries no resource"),
				refused("duplicate fullUrls", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
								+ entry("urn:uuid:11111111-1111-1111-1111-111111111111") + ","
								+ entry("urn:uuid:11111111-1111-1111-1111-111111111111") + "]}",
						"Bundle.entry[1].fullUrl", "Two entries have the fullUrl"),
				refused("fullUrl that is not a URI", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entry("not a uri") + "]}",
						"Bundle.entry[0].fullUrl", "absolute URI"),
				refused("urn:uuid that is not a UUID", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entry("urn:uuid:doc1") + "]}",
						"Bundle.entry[0].fullUrl", "absolute URI"),
				refused("nested transaction", 400, "POST", "", JSON,
						transaction("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}", "Bundle"),
						"Bundle.entry[0].resource", "does not carry a Bundle"),
				refused("HEAD entry", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"HEAD\","
								+ "\"url\":\"Patient/{patient}\"}}]}", "Bundle.entry[0].request.method", "not HEAD"),
				refused("more entries than allowed", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
								+ String.join(",", java.util.Collections.nCopies(1001,
										"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/{patient}\"}}")) + "]}",
						"Bundle.entry", "at most 1000 entries"),
				refused("null beside objects in an array", 400, "POST", "/Observation", JSON,
						observation("\"category\":[{\"text\":\"x\"},null]"), "Observation.category[1]", "null beside objects"),
				refused("extension array of a null", 400, "POST", "/Observation", JSON,
						observation("\"extension\":[null]"), null, "not FHIR that Carnet can read"),

				refused("a date given to a quantity search", 400, "GET", "/Observation?patient={patient}&value-quantity=ge0000-01-01",
						null, null, null, "not FHIR that Carnet can read"),
				refused("a date given to a quantity search of a batch's conditional delete", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"DELETE\","
								+ "\"url\":\"Observation?value-quantity=ge0000-01-01\"}}]}", "Bundle.entry[0].request.url",
						"is not a quantity value"),
				refused("a date given to a quantity search of a conditional reference", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":"
								+ observationJson("x", "").replace("Patient/x", "Observation?value-quantity=ge0000-01-01")
								+ ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
						"Bundle.entry[0].resource.subject.reference", "is not a quantity value"),
				refused("malformed _filter", 400, "GET", "/Observation?patient={patient}&_filter=ge0000-01-01", null, null,
						null, "_filter is not served"),
				refused("batch entry searching a quantity with text", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
								+ "\"url\":\"Observation?patient={patient}&combo-value-quantity=text\"}}]}",
						"Bundle.entry[0].request.url", "is not a quantity value"),

				// FHIRPath Patch shapes, and patches HAPI cannot apply.
				refused("FHIRPath Patch add without name", 400, "PATCH", "/Observation/{observation}", JSON,
						"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
								+ "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Observation\"},"
								+ "{\"name\":\"name\"},{\"name\":\"value\",\"valueString\":\"x\"}]}]}",
						"Parameters.parameter[0].part[2]", "name of an element"),
				refused("FHIRPath Patch of an unknown type", 400, "PATCH", "/Observation/{observation}", JSON,
						"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
								+ "{\"name\":\"type\",\"valueCode\":\"upsert\"},{\"name\":\"path\",\"valueString\":\"Observation\"}]}]}",
						"Parameters.parameter[0]", "add, insert, delete, replace or move"),
				refused("FHIRPath Patch entry without value", 400, "POST", "", JSON,
						"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":"
								+ "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
								+ "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Observation.status\"}]}]},"
								+ "\"request\":{\"method\":\"PATCH\",\"url\":\"Observation/{observation}\"}}]}",
						"Bundle.entry[0].resource.parameter[0]", "has one value part"),
				refused("FHIRPath Patch replacing a status by an unknown code", 400, "PATCH", "/Observation/{observation}", JSON,
						"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
								+ "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Observation.status\"},"
								+ "{\"name\":\"value\",\"valueCode\":\"HEAD\"}]}]}", null, "does not fit its element"),

				// Ids, versions and the number of values.
				refused("version that is not a long", 400, "GET", "/Patient/{patient}/_history/99999999999999999999", null,
						null, null, "is not a version number"),
				refused("version that is not a number", 400, "GET", "/Patient/{patient}/_history/abc", null, null, null,
						"is not a version number"),
				refused("more search values than allowed", 400, "GET", "/Patient?_id="
						+ String.join(",", java.util.Collections.nCopies(1001, "a")), null, null, null, "more than 1000 search values"),
				refused("more search values than allowed in a form", 400, "POST", "/Patient/_search", FORM, "_id="
						+ String.join(",", java.util.Collections.nCopies(1001, "a")), null, "more than 1000 search values"));
	}

	private static String transaction(String resource, String url) {
		return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + resource
				+ ",\"request\":{\"method\":\"POST\",\"url\":\"" + url + "\"}}]}";
	}

	private static String entry(String fullUrl) {
		return "{\"fullUrl\":\"" + fullUrl + "\",\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}},"
				+ "\"request\":{\"method\":\"POST\",\"url\":\"Basic\"}}";
	}

	/** A FHIRPath Patch adding {@code valueString}; {@code value} is the JSON of the value part. */
	private static String fhirPathPatch(String value) {
		return "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
				+ "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Observation\"},"
				+ "{\"name\":\"name\",\"valueString\":\"valueString\"},{\"name\":\"value\"," + value + "}]}]}";
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("exactRefusals")
	void eachClassOfBadInputGetsItsExactStatusAnOperationOutcomeNamingTheProblemAndStoresNothing(String what, int status,
			String method, String path, String contentType, String body, String expression, String diagnostics,
			String[] headers) {
		String target = resolved(path);
		String content = resolved(body);
		long before = storedResourceVersions();
		HttpRequest.Builder request = request(target);
		if (!List.of(headers).contains("Accept")) {
			request.header("Accept", JSON);
		}
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		request.method(method, content == null
				? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(content));

		long started = System.nanoTime();
		HttpResponse<String> response = send(request.build());
		java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		if (response.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
			// A browser's answer: the OperationOutcome, highlighted.
			assertThat(response.body()).contains("OperationOutcome").contains(diagnostics);
			assertThat(storedResourceVersions()).isEqualTo(before);
			return;
		}
		OperationOutcome outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
		OperationOutcome.OperationOutcomeIssueComponent issue = outcome.getIssueFirstRep();
		assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
		assertThat(issue.getDiagnostics()).contains(diagnostics);
		if (expression != null) {
			assertThat(issue.getExpression()).extracting(Object::toString).containsExactly(expression);
		}
		assertThat(response.body()).doesNotContain("\tat ", "at org.", "at ca.uhn");
		// Bounded CPU: none of these costs the server more than an ordinary request.
		assertThat(took).isLessThan(java.time.Duration.ofSeconds(3));
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@org.junit.jupiter.api.Test
	void decimalsAtTheBoundsAreAcceptedAndOneDigitMoreIsRefused() {
		String patient = resolved("{patient}");
		String atBounds = "12345678901234567.123456789012345678901234567890"; // 17 + 30 digits
		HttpResponse<String> accepted = send(request("/Observation").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(observationJson(patient,
						"\"valueQuantity\":{\"value\":" + atBounds + "}"))).build());
		HttpResponse<String> tooLarge = send(request("/Observation").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(observationJson(patient,
						"\"valueQuantity\":{\"value\":123456789012345678}"))).build());
		HttpResponse<String> tooFine = send(request("/Observation").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(observationJson(patient,
						"\"valueQuantity\":{\"value\":0.1234567890123456789012345678901}"))).build());

		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(201);
		assertThat(accepted.body()).contains(atBounds);
		assertThat(tooLarge.statusCode()).isEqualTo(400);
		assertThat(tooLarge.body()).contains("18 digits before its decimal point");
		assertThat(tooFine.statusCode()).isEqualTo(400);
		assertThat(tooFine.body()).contains("31 digits after its decimal point");
	}

	@org.junit.jupiter.api.Test
	void aPairedSurrogateIsTextAndIsStoredAsSent() {
		String patient = resolved("{patient}");
		HttpResponse<String> response = send(request("/Observation").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(observationJson(patient, "\"valueString\":\"\\ud83d\\ude00\"")))
				.build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		assertThat(response.body()).contains("\uD83D\uDE00");
	}

	@org.junit.jupiter.api.Test
	void ifMatchNamingAnotherVersionOnDeleteIs412AndDeletesNothing() {
		String id = created("/Observation", observationJson(resolved("{patient}"), ""));

		HttpResponse<String> refused = send(request("/Observation/" + id).header("If-Match", "W/\"2\"").DELETE().build());
		HttpResponse<String> stillThere = send(request("/Observation/" + id).header("Accept", JSON).GET().build());

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
		assertThat(refused.body()).contains("OperationOutcome").contains("is at version 1, not at the version 2");
		assertThat(stillThere.statusCode()).isEqualTo(200);
	}

	@org.junit.jupiter.api.Test
	void ifMatchNamingTheCurrentVersionOnDeleteDeletes() {
		String id = created("/Observation", observationJson(resolved("{patient}"), ""));

		HttpResponse<String> deleted = send(request("/Observation/" + id).header("If-Match", "W/\"1\"").DELETE().build());
		HttpResponse<String> gone = send(request("/Observation/" + id).header("Accept", JSON).GET().build());

		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
		assertThat(gone.statusCode()).isEqualTo(410);
	}

	@org.junit.jupiter.api.Test
	void ifMatchNamingAnotherVersionOnUpdateIs412AndChangesNothing() {
		String id = created("/Observation", observationJson(resolved("{patient}"), ""));
		String update = observationJson(resolved("{patient}"), "\"valueString\":\"changed\"")
				.replace("{\"resourceType\":\"Observation\",", "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",");
		long before = storedResourceVersions();

		HttpResponse<String> refused = send(request("/Observation/" + id).header("Content-Type", JSON)
				.header("If-Match", "W/\"7\"").PUT(HttpRequest.BodyPublishers.ofString(update)).build());

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
		assertThat(refused.body()).contains("OperationOutcome").contains("not at the version If-Match names");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@org.junit.jupiter.api.Test
	void transactionDeletingAnotherVersionThanItsIfMatchIs412AndDeletesNothing() {
		String id = created("/Observation", observationJson(resolved("{patient}"), ""));
		String other = created("/Observation", observationJson(resolved("{patient}"), ""));
		String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
				+ "{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/" + other + "\",\"ifMatch\":\"W/\\\"1\\\"\"}},"
				+ "{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/" + id + "\",\"ifMatch\":\"W/\\\"3\\\"\"}}]}";
		long before = storedResourceVersions();

		HttpResponse<String> refused = send(request("").header("Content-Type", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(transaction)).build());

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
		assertThat(refused.body()).contains("Observation/" + id + " is at version 1, not at the version 3");
		assertThat(storedResourceVersions()).isEqualTo(before);
		assertThat(send(request("/Observation/" + other).GET().build()).statusCode()).isEqualTo(200);
	}

	@org.junit.jupiter.api.Test
	void batchEntriesAnswer412WhenTheirIfMatchNamesAnotherVersion() {
		String deleted = created("/Observation", observationJson(resolved("{patient}"), ""));
		String updated = created("/Observation", observationJson(resolved("{patient}"), ""));
		String update = observationJson(resolved("{patient}"), "")
				.replace("{\"resourceType\":\"Observation\",", "{\"resourceType\":\"Observation\",\"id\":\"" + updated + "\",");
		String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
				+ "{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/" + deleted + "\",\"ifMatch\":\"W/\\\"2\\\"\"}},"
				+ "{\"resource\":" + update + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/" + updated
				+ "\",\"ifMatch\":\"W/\\\"5\\\"\"}}]}";

		HttpResponse<String> response = send(request("").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(batch)).build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		org.hl7.fhir.r4.model.Bundle answers = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Bundle.class, response.body());
		assertThat(answers.getEntry()).extracting(entry -> entry.getResponse().getStatus())
				.containsExactly("412 Precondition Failed", "412 Precondition Failed");
		assertThat(send(request("/Observation/" + deleted).GET().build()).statusCode()).isEqualTo(200);
	}

	@org.junit.jupiter.api.Test
	void textSummaryOfAReadIsTheResourceReducedToTextIdMetaAndMandatoryElements() {
		String id = created("/Observation", observationJson(resolved("{patient}"), "\"text\":{\"status\":\"generated\","
				+ "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">Glycémie 5,4</div>\"},\"valueString\":\"5,4\""));

		for (String summary : List.of("_summary=text", "_narrative=only")) {
			HttpResponse<String> response = send(request("/Observation/" + id + "?" + summary).header("Accept", JSON).GET().build());

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/fhir+json");
			org.hl7.fhir.r4.model.Observation shown = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Observation.class, response.body());
			assertThat(shown.getText().getDivAsString()).contains("Glycémie 5,4");
			assertThat(shown.getStatus()).isEqualTo(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
			assertThat(shown.getCode().getText()).isEqualTo("glycémie");
			assertThat(shown.hasValue()).isFalse();
			assertThat(shown.hasSubject()).isFalse();
			assertThat(shown.getMeta().getTag()).extracting(org.hl7.fhir.r4.model.Coding::getCode).contains("SUBSETTED");
		}
	}

	@org.junit.jupiter.api.Test
	void textSummaryOfAResourceWithoutNarrativeAndOfAnOperationOutcomeIsAnswered() {
		HttpResponse<String> read = send(request("/Patient/" + resolved("{patient}") + "?_summary=text").header("Accept", JSON)
				.GET().build());
		HttpResponse<String> validated = send(request("/Observation/$validate?_summary=text").header("Accept", XML)
				.header("Content-Type", JSON).POST(HttpRequest.BodyPublishers.ofString(
						observationJson(resolved("{patient}"), ""))).build());

		assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
		assertThat(read.body()).startsWith("{\"resourceType\":\"Patient\"").contains("SUBSETTED");
		assertThat(validated.statusCode()).as(validated.body()).isEqualTo(200);
		assertThat(validated.body()).startsWith("<OperationOutcome").contains("<issue>");
	}

	@ParameterizedTest(name = "{0}")
	@org.junit.jupiter.params.provider.ValueSource(strings = {"true", "false", "text", "data", "count"})
	void everySummaryModeAnswersReadsSearchesHistoriesAndOperations(String summary) {
		String patient = resolved("{patient}");
		for (String path : List.of("/Patient/" + patient, "/Observation?patient=" + patient,
				"/Observation/" + resolved("{observation}") + "/_history", "/Patient/" + patient + "/$everything",
				"/Patient/" + patient + "/_history/1")) {
			HttpResponse<String> response = send(request(path + (path.contains("?") ? "&" : "?") + "_summary=" + summary)
					.header("Accept", JSON).GET().build());

			assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
			assertThat(response.body()).startsWith("{\"resourceType\":");
		}
	}

	@org.junit.jupiter.api.Test
	void requestsTheWebServerRefusesBeforeFhirAreAnsweredWithOperationOutcomes() throws java.io.IOException {
		for (String target : List.of("/fhir/Patient/a%00b", "/fhir/Patient/a%2Fb", "/fhir/Patient?name=a\"b",
				"/fhir/Patient?name=" + "x".repeat(10_000))) {
			String answer = rawGet(target);

			assertThat(answer).as(target).startsWith("HTTP/1.1 400");
			assertThat(answer).as(target).contains("\"resourceType\":\"OperationOutcome\"");
		}
	}

	@org.junit.jupiter.api.Test
	void aBrokenEscapeInTheUrlIs400BeforeHapiDecodesIt() throws java.io.IOException {
		for (String target : List.of("/fhir/Patient?name=a%ud800", "/fhir/Patient?name=a%zz", "/fhir/Patient?name=a%4")) {
			String answer = rawGet(target);

			assertThat(answer).as(target).startsWith("HTTP/1.1 400");
			assertThat(answer).as(target).contains("\"resourceType\":\"OperationOutcome\"").contains("broken escape");
		}
	}

	@org.junit.jupiter.api.Test
	void aBatchEntrySearchingBeyondTheDecimalBoundsIsAnswered400InItsEntry() {
		String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?patient=" + resolved("{patient}")
				+ "&value-quantity=1e400\"}},"
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + resolved("{patient}") + "/_history/99999999999999999999\"}},"
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + resolved("{patient}") + "?_summary=bogus\"}},"
				+ "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + resolved("{patient}") + "\"}}]}";

		HttpResponse<String> response = send(request("").header("Content-Type", JSON).header("Accept", JSON)
				.POST(HttpRequest.BodyPublishers.ofString(batch)).build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		org.hl7.fhir.r4.model.Bundle answers = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Bundle.class, response.body());
		assertThat(answers.getEntry()).extracting(entry -> entry.getResponse().getStatus())
				.containsExactly("400 Bad Request", "400 Bad Request", "400 Bad Request", "200 OK");
		assertThat(((OperationOutcome) answers.getEntry().get(0).getResponse().getOutcome()).getIssueFirstRep().getDiagnostics())
				.contains("401 digits before its decimal point");
	}
}
