package org.carnetsante.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The access log: AuditEvents nobody can change, the patient's own entries newest first (as FHIR
 * AuditEvents and as {@code $access-log}), and nothing lost when the server stops cleanly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Autowired
	UserAccounts accounts;

	@Autowired
	AuditEventStore store;

	@Autowired
	DataSource dataSource;

	private TestSpace space;
	private String patient;
	private Instant start;

	@BeforeAll
	void aSpaceSomeoneLookedAt() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		patient = space.id(Item.PATIENT);
		start = Instant.now();
		assertThat(get(space.professionalToken(space.gp), "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(200);
		assertThat(get(space.emergencyToken(space.emergencyDoctor, "BTG"), "/" + space.id(Item.BIOLOGY)).statusCode())
				.isEqualTo(200);
		assertThat(get(space.professionalToken(space.blockedGp), "/" + space.id(Item.PRESCRIPTION)).statusCode())
				.isEqualTo(404);
		// Each access is durable before its response: all three are in the log now, no waiting.
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE patient_id = ? AND recorded >= ?",
				Long.class, patient.split("/")[1], java.sql.Timestamp.from(start))).isEqualTo(3);
	}

	@Test
	void nobodyCreatesChangesOrDeletesAnAuditEvent() {
		String id = ownLog().get("entry").get(0).get("resource").get("id").asText();
		String event = get(space.patientToken(), "/AuditEvent/" + id).body();
		long before = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event", Long.class);
		String forged = FHIR.newJsonParser().encodeResourceToString(Fixtures.auditEvent("forged"));
		String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + forged
				+ ",\"request\":{\"method\":\"POST\",\"url\":\"AuditEvent\"}}]}";

		String patientToken = space.patientToken();
		assertThat(send(as(patientToken, "/AuditEvent/" + id).header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(event)).build()).statusCode()).isEqualTo(405);
		assertThat(send(as(patientToken, "/AuditEvent/" + id).DELETE().build()).statusCode()).isEqualTo(405);
		assertThat(send(as(patientToken, "/AuditEvent").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(forged)).build()).statusCode()).isEqualTo(405);
		assertThat(send(request("/AuditEvent/" + id).DELETE().build()).statusCode()).as("a hospital system")
				.isEqualTo(405);
		assertThat(send(request("").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(transaction)).build()).statusCode()).as("inside a transaction")
				.isEqualTo(403);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE record LIKE '%forged%'", Long.class))
				.isZero();
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event", Long.class)).isGreaterThanOrEqualTo(before);
	}

	@Test
	void thePatientReadsHerOwnLogNewestFirstAndNoOneElses() {
		JsonNode log = ownLog();

		List<Instant> recorded = new ArrayList<>();
		log.get("entry").forEach(entry -> recorded.add(Instant.parse(entry.get("resource").get("recorded").asText())));
		assertThat(recorded).isSortedAccordingTo(java.util.Comparator.reverseOrder());
		assertThat(log.get("total").asInt()).isEqualTo(recorded.size());
		assertThat(log.toString()).contains(space.gp.idNat()).contains("bris_de_glace").contains(space.blockedGp.idNat())
				.contains(space.id(Item.CONSULTATION));
		assertThat(get(space.patientToken(), "/AuditEvent?patient=" + space.id(Item.MINOR)).statusCode())
				.as("another space's log").isEqualTo(403);
		assertThat(get(space.professionalToken(space.gp), "/AuditEvent?patient=" + patient).statusCode())
				.as("professionals do not read access logs").isEqualTo(403);
		assertThat(get(space.delegateToken(), "/AuditEvent?patient=" + patient).statusCode())
				.as("nor do delegates").isEqualTo(403);
	}

	@Test
	void theAccessLogOperationTellsWhoWhenWhatAndHowPageByPage() {
		JsonNode first = json(get(space.patientToken(), "/" + patient + "/$access-log?_count=2&start="
				+ URLEncoder.encode(start.toString(), StandardCharsets.UTF_8)));
		List<JsonNode> accesses = parts(first, "access");
		String next = value(first, "next", "valueUri");

		assertThat(value(first, "total", "valueInteger")).isNotNull();
		assertThat(accesses).hasSize(2);
		assertThat(next).contains("_offset=2");
		List<JsonNode> all = new ArrayList<>(accesses);
		while (next != null) {
			JsonNode page = json(send(HttpRequest.newBuilder(URI.create(next))
					.header("Authorization", "Bearer " + space.patientToken()).GET().build()));
			all.addAll(parts(page, "access"));
			next = value(page, "next", "valueUri");
		}
		assertThat(all).hasSize(Integer.parseInt(value(first, "total", "valueInteger")));
		JsonNode emergency = all.stream().filter(access -> access.toString().contains("bris_de_glace")).findFirst().orElseThrow();
		assertThat(emergency.toString()).contains("\"who\"").contains("Dr " + space.emergencyDoctor.username())
				.contains("Médecin").contains("bris de glace").contains(space.id(Item.BIOLOGY)).contains("consultation");
		JsonNode refused = all.stream().filter(access -> access.toString().contains(space.blockedGp.username())).findFirst()
				.orElseThrow();
		assertThat(refused.toString()).contains("refused").contains("blocked by the patient");
		assertThat(get(space.professionalToken(space.gp), "/" + patient + "/$access-log").statusCode()).isEqualTo(403);
		assertThat(get(space.parentToken(), "/" + space.id(Item.MINOR) + "/$access-log").statusCode())
				.as("a parent reads the minor's log").isEqualTo(200);
	}

	@Test
	void everyAccessIsInTheDatabaseWhenItsRecordingReturnsAndAStoppedTrailStillRecords() throws Exception {
		AuditTrail trail = new AuditTrail(store, dataSource, new AuditProperties(true, 1000, 50, Duration.ofSeconds(1),
				Duration.ofSeconds(10), Duration.ofSeconds(5), 4096, 1000, null, "test"),
				new AuditDeadLetters(java.nio.file.Files.createTempDirectory("dead-letters").resolve("journal.ndjson")),
				new SimpleMeterRegistry());
		trail.start();
		String marker = "durable-" + UUID.randomUUID();
		java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(8);
		List<java.util.concurrent.Future<Long>> seen = new ArrayList<>();
		for (int i = 0; i < 120; i++) {
			String id = UUID.randomUUID().toString();
			seen.add(writers.submit(() -> {
				trail.record(entry(id, marker));
				return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE id = ?", Long.class, id);
			}));
		}
		for (java.util.concurrent.Future<Long> each : seen) {
			assertThat(each.get()).as("in the database as soon as record returned").isEqualTo(1);
		}
		writers.shutdown();
		trail.stop();
		trail.record(entry(UUID.randomUUID().toString(), marker));

		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE record LIKE ?", Long.class,
				"%" + marker + "%")).isEqualTo(121);
	}

	/**
	 * Requests whose access-log entries would not fit the log's columns or text (a patient parameter of
	 * hundreds of characters, characters PostgreSQL refuses, a URL of kilobytes) are recorded shortened;
	 * the log goes on, and an ordinary read that follows is in the patient's access log when its answer
	 * arrives (issue 11 §5: one such entry used to stop a node's access log for everyone).
	 */
	@Test
	void oddRequestsAreLoggedShortenedAndTheNextReadIsInThePatientsLogAtOnce() throws Exception {
		String gp = space.professionalToken(space.gp);
		java.util.Map<String, Integer> odd = java.util.Map.of(
				// not a patient id: the search names no space
				"/DocumentReference?status=current&patient=" + "p".repeat(300), 400,
				// HAPI refuses the value, and its answer repeats all 6000 characters: the entry keeps the first ones
				"/DocumentReference?status=current&patient=" + patient.split("/")[1] + "&description=" + "x".repeat(6000), 400,
				// not a resource id at all
				"/Patient/" + "9".repeat(120) + "/$everything", 400);
		for (java.util.Map.Entry<String, Integer> each : odd.entrySet()) {
			String path = each.getKey();
			String id = "odd-" + UUID.randomUUID();
			HttpResponse<String> response = send(as(gp, path).header("X-Request-ID", id).GET().build());
			assertThat(response.statusCode()).as(path.substring(0, Math.min(path.length(), 80)) + ": " + response.body())
					.isEqualTo(each.getValue());
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE record LIKE ?", Long.class,
					"%\"" + id + "\"%")).as("the odd request's own entry").isEqualTo(1);
		}
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE record LIKE ? AND record LIKE ?",
				Long.class, "%odd-%", "%entry shortened to be recorded%")).as("entries that say they were shortened").isPositive();

		String read = "read-" + UUID.randomUUID();
		Instant asked = Instant.now();
		assertThat(send(as(gp, "/" + space.id(Item.CONSULTATION)).header("X-Request-ID", read).GET().build()).statusCode())
				.isEqualTo(200);
		HttpResponse<String> log = get(space.patientToken(), "/AuditEvent?patient=" + patient + "&_count=5");
		assertThat(Duration.between(asked, Instant.now())).isLessThan(Duration.ofSeconds(1));
		assertThat(log.body()).as("the newest entries of her log").contains(read);
	}

	private static AuditRecord entry(String id, String marker) {
		return new AuditRecord(id, System.currentTimeMillis(), "READ", null, List.of(), "0", marker, "normal", null, null,
				"test-client", null, "http://localhost/fhir", null, null);
	}

	private JsonNode ownLog() {
		HttpResponse<String> response = get(space.patientToken(), "/AuditEvent?patient=" + patient + "&date=ge"
				+ URLEncoder.encode(start.minusSeconds(1).toString(), StandardCharsets.UTF_8) + "&_count=200");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json(response);
	}

	private HttpRequest.Builder as(String token, String path) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token);
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}

	private static List<JsonNode> parts(JsonNode parameters, String name) {
		List<JsonNode> found = new ArrayList<>();
		parameters.get("parameter").forEach(parameter -> {
			if (name.equals(parameter.get("name").asText())) {
				found.add(parameter);
			}
		});
		return found;
	}

	private static String value(JsonNode parameters, String name, String field) {
		return parts(parameters, name).stream().findFirst().map(parameter -> parameter.get(field).asText()).orElse(null);
	}

	private static JsonNode json(HttpResponse<String> response) {
		try {
			return JSON.readTree(response.body());
		} catch (java.io.IOException e) {
			throw new IllegalStateException(e);
		}
	}
}
