package org.carnetsante.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.carnetsante.support.CarnetProcess;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.TestBrowser;
import org.carnetsante.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Every access is traced" holds across a crash: a real Carnet process under load (a hospital reading
 * and pushing documents, an emergency doctor breaking the glass) is killed with SIGKILL. Every request
 * the clients got a 2xx answer for has its access-log entry in PostgreSQL, every emergency access its
 * entry and the patient's notification, every pushed document its notification; the restarted node is
 * ready with a healthy access log, and stops on SIGTERM in bounded time.
 */
class AccessLogCrashTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
	// Generous: the other test JVM (surefire runs two) shares the two cores with this process while it starts.
	private static final Duration START = Duration.ofMinutes(5);
	private static final String MARIE = "Patient/example-ins-demo";

	/** A request and what its client got back. */
	private record Answered(String requestId, int status, String kind, String location) {}

	@TempDir
	Path dataDir;

	@Test
	void everyAccessAnsweredBeforeAKillIsInTheLogAfterIt() throws Exception {
		String database = TestPostgres.newDatabase("crash");
		try {
			ConcurrentLinkedQueue<Answered> answered = new ConcurrentLinkedQueue<>();
			try (CarnetProcess carnet = CarnetProcess.start(database, dataDir, START)) {
				String hospital = hospitalToken(carnet.baseUrl());
				String emergency = emergencyDoctorToken(carnet.baseUrl());
				AtomicBoolean loading = new AtomicBoolean(true);
				ExecutorService clients = Executors.newFixedThreadPool(6);
				for (int client = 0; client < 6; client++) {
					int which = client;
					clients.submit(() -> {
						while (loading.get()) {
							switch (which % 3) {
								case 0 -> call(carnet, hospital, "GET", "/" + MARIE, null, "read", answered);
								case 1 -> call(carnet, emergency, "GET", "/DocumentReference/demo-consultation", null, "emergency", answered);
								default -> call(carnet, hospital, "POST", "/DocumentReference",
										FhirJson.of(Fixtures.documentReference(MARIE)), "push", answered);
							}
						}
					});
				}
				awaitAnswers(answered, 60);
				carnet.kill();
				loading.set(false);
				clients.shutdown();
				assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
			}

			List<Answered> succeeded = answered.stream().filter(answer -> answer.status() / 100 == 2).toList();
			assertThat(succeeded).as("requests answered before the kill").hasSizeGreaterThanOrEqualTo(60);
			Map<String, JsonNode> logged = accessLogByRequestId(database);
			for (Answered answer : succeeded) {
				assertThat(logged).as("the access log entry of %s request %s", answer.kind(), answer.requestId())
						.containsKey(answer.requestId());
			}
			for (Answered emergencyRead : succeeded.stream().filter(answer -> answer.kind().equals("emergency")).toList()) {
				assertThat(logged.get(emergencyRead.requestId()).toString()).contains("bris_de_glace");
			}
			if (succeeded.stream().anyMatch(answer -> answer.kind().equals("emergency"))) {
				assertThat(count(database, "SELECT COUNT(*) FROM carnet_notification WHERE patient_id = 'example-ins-demo'"
						+ " AND kind = 'EMERGENCY_ACCESS'")).as("the patient is told of the emergency").isGreaterThanOrEqualTo(1);
			}
			for (Answered push : succeeded.stream().filter(answer -> answer.kind().equals("push")).toList()) {
				String document = "DocumentReference/" + push.location().split("/DocumentReference/")[1].split("/")[0];
				assertThat(count(database, "SELECT COUNT(*) FROM carnet_notification WHERE about = '" + document + "'"))
						.as("the notification of " + document).isEqualTo(1);
			}

			try (CarnetProcess restarted = CarnetProcess.start(database, dataDir, START)) {
				JsonNode health = JSON.readTree(HTTP.send(HttpRequest.newBuilder(
						URI.create(restarted.baseUrl() + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString()).body());
				assertThat(health.get("components").get("accessLog").get("status").asText()).isEqualTo("UP");
				assertThat(restarted.stop(Duration.ofSeconds(60))).as("a clean stop ends in bounded time").isTrue();
			}
		} finally {
			TestPostgres.drop(database);
		}
	}

	private static void call(CarnetProcess carnet, String token, String method, String path, String body, String kind,
			ConcurrentLinkedQueue<Answered> answered) {
		String requestId = "crash-" + UUID.randomUUID().toString().replace("-", "");
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(carnet.baseUrl() + "/fhir" + path))
				.header("Authorization", "Bearer " + token).header("X-Request-ID", requestId).timeout(Duration.ofSeconds(20));
		request = body == null ? request.GET()
				: request.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body));
		try {
			HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
			answered.add(new Answered(requestId, response.statusCode(), kind, response.headers().firstValue("Location").orElse("")));
		} catch (Exception connectionLost) {
			// the server was killed mid-request: the client got no answer
		}
	}

	/** Waits until the clients have been answered this many times (the load is running), with a deadline. */
	private static void awaitAnswers(ConcurrentLinkedQueue<Answered> answered, int count) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(120);
		while (answered.stream().filter(answer -> answer.status() / 100 == 2).count() < count && Instant.now().isBefore(deadline)) {
			Thread.sleep(50);
		}
	}

	private static Map<String, JsonNode> accessLogByRequestId(String database) throws Exception {
		Map<String, JsonNode> entries = new java.util.HashMap<>();
		try (Connection connection = DriverManager.getConnection(TestPostgres.urlOf(database), TestPostgres.user(), "");
				ResultSet rows = connection.createStatement().executeQuery("SELECT record FROM carnet_audit_event")) {
			while (rows.next()) {
				JsonNode entry = JSON.readTree(rows.getString(1));
				if (entry.hasNonNull("requestId")) {
					entries.put(entry.get("requestId").asText(), entry);
				}
			}
		}
		return entries;
	}

	private static long count(String database, String sql) throws Exception {
		try (Connection connection = DriverManager.getConnection(TestPostgres.urlOf(database), TestPostgres.user(), "");
				ResultSet rows = connection.createStatement().executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	/** The demo hospital's token: a client assertion signed with the demo key of the repository's demo/ folder. */
	private static String hospitalToken(String baseUrl) throws Exception {
		String pem = Files.readString(Path.of("demo", "hospital-private-key.pem"));
		byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
		PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
		SignedJWT assertion = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("demo-hospital-2026").build(),
				new JWTClaimsSet.Builder().issuer("demo-hospital").subject("demo-hospital").audience(baseUrl + "/oauth2/token")
						.expirationTime(Date.from(Instant.now().plusSeconds(240))).jwtID(UUID.randomUUID().toString()).build());
		assertion.sign(new RSASSASigner(key));
		String form = "grant_type=client_credentials&scope=" + URLEncoder.encode("system/*.cruds", StandardCharsets.UTF_8)
				+ "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
						StandardCharsets.UTF_8) + "&client_assertion=" + assertion.serialize();
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/oauth2/token"))
				.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return JSON.readTree(response.body()).get("access_token").asText();
	}

	/** Dr Urgence (demo), breaking the glass through the demo practitioner software. */
	private static String emergencyDoctorToken(String baseUrl) throws Exception {
		SmartLaunch launch = new SmartLaunch(baseUrl, "http://localhost:8000/callback");
		SmartLaunch.Pkce pkce = SmartLaunch.Pkce.s256();
		String callback = launch.authorize(new TestBrowser(), "demo-practitioner-software", List.of("openid", "fhirUser", "user/*.rs"),
				"dr.urgence", "demo", null, Set.of(), pkce, Map.of("purpose_of_use", "BTG"));
		HttpResponse<String> response = launch.tokenRequest("demo-practitioner-software", "demo-secret",
				SmartLaunch.code(callback), pkce.verifier());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return JSON.readTree(response.body()).get("access_token").asText();
	}

	/** JSON of a resource, as a client sends it. */
	private static final class FhirJson {
		static String of(org.hl7.fhir.instance.model.api.IBaseResource resource) {
			return ca.uhn.fhir.context.FhirContext.forR4Cached().newJsonParser().encodeResourceToString(resource);
		}
	}
}
