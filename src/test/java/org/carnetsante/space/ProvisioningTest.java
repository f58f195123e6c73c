package org.carnetsante.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.RegistryFiles;
import org.carnetsante.support.TestBackendClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Provisioning from the insured registry (docs/space.md): a 100,000-line registry with refused lines and
 * repeated INS, interrupted and resumed, then run again over HTTP ({@code POST /fhir/$import}): the counts
 * are exact, each INS has one row, and the second run changes nothing.
 */
class ProvisioningTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final int DEPARTMENT = 31;

	@Autowired
	Provisioning provisioning;

	@TempDir
	static Path files;

	private static TestBackendClient registryClient;

	@AfterEach
	void forgetTheRegistry() {
		// Other tests open the spaces whose opposition period ended: these 100,000 persons are not theirs.
		jdbc.update("DELETE FROM carnet_space_registry WHERE ins LIKE ?", RegistryFiles.TEST_INS_SYSTEM + "|_____" + DEPARTMENT + "%");
		forgetNotices(jdbc);
	}

	/** The notices of these persons are not sent (the test server's SMTP would get 100,000 of them). */
	private static void forgetNotices(org.springframework.jdbc.core.JdbcTemplate jdbc) {
		jdbc.update("DELETE FROM carnet_notification WHERE kind = 'SPACE_NOTICE' AND patient_id LIKE ?",
				"registry:" + RegistryFiles.TEST_INS_SYSTEM + "|_____" + DEPARTMENT + "%");
	}

	@Test
	void aLargeRegistryInterruptedResumedAndRunAgainEndsWithExactCounts() throws Exception {
		Path registry = files.resolve("registry-100k.ndjson");
		RegistryFiles.Expected expected = RegistryFiles.write(registry, 100_000, DEPARTMENT);

		// Interrupted after 40 batches (a node stopped): what was committed stays, the rest waits.
		AtomicInteger batches = new AtomicInteger();
		assertThatThrownBy(() -> provisioning.run(registry, RegistryReader.Format.NDJSON, (run, total) -> {
			forgetNotices(jdbc);
			if (batches.incrementAndGet() == 40) {
				throw new IllegalStateException("the node stopped");
			}
		})).hasMessageContaining("the node stopped");
		String key = Provisioning.facts(registry).sha256();
		ProvisioningRuns.Run interrupted = provisioning.runs().find(key).orElseThrow();
		assertThat(interrupted.isFinished()).isFalse();
		assertThat(interrupted.linesDone()).isBetween(39_000L, 40_000L);

		// Resumed: it goes on after the last batch committed and never applies a line twice.
		ProvisioningRuns.Run done = provisioning.run(registry, RegistryReader.Format.NDJSON, (run, total) -> forgetNotices(jdbc));
		assertThat(done.isFinished()).isTrue();
		assertThat(List.of(done.linesDone(), done.created(), done.updated(), done.unchanged(), done.rejected()))
				.containsExactly(expected.lines(), expected.created(), expected.updated(), expected.unchanged(), expected.refused());
		assertThat(rowsOfThisRegistry()).isEqualTo(expected.created());
		assertThat(provisioning.runs().rejections(key, 3)).extracting(ProvisioningRuns.Rejection::line).containsExactly(97L, 194L, 291L);
		assertThat(provisioning.runs().rejections(key, 4)).extracting(ProvisioningRuns.Rejection::reason)
				.anySatisfy(reason -> assertThat(reason).contains("control key"))
				.anySatisfy(reason -> assertThat(reason).contains("not JSON"))
				.anySatisfy(reason -> assertThat(reason).contains("future"));
		// Every new person got an information notice with its opposition deadline six weeks on.
		assertThat(jdbc.queryForObject("SELECT MIN(opposition_deadline) FROM carnet_space_registry WHERE ins LIKE ?",
				java.sql.Timestamp.class, RegistryFiles.TEST_INS_SYSTEM + "|_____" + DEPARTMENT + "%").toInstant())
				.isAfter(Instant.now().plus(Duration.ofDays(41)));

		// The same file again, over HTTP: nothing changes, and the report says so.
		JsonNode report = importOverHttp(registry);
		assertThat(report.path("lines").asLong()).isEqualTo(expected.lines());
		assertThat(report.path("created").asLong()).isZero();
		assertThat(report.path("updated").asLong()).isZero();
		assertThat(report.path("unchanged").asLong()).isEqualTo(expected.created() + expected.updated() + expected.unchanged());
		assertThat(report.path("refused").asLong()).isEqualTo(expected.refused());
		assertThat(report.path("refusedLines").get(0).path("line").asLong()).isEqualTo(97);
		assertThat(rowsOfThisRegistry()).isEqualTo(expected.created());
	}

	@Test
	void onlyTheRegistryClientProvisionsAndBadUploadsAreRefusedClearly() throws Exception {
		Path small = files.resolve("small.csv");
		Files.writeString(small, "ins,family,given,birth_date,sex,email,postal_address,representatives\n");
		// The test hospital (every system scope) is not the registry's client.
		HttpResponse<String> hospital = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/$import"))
				.header("Authorization", "Bearer " + token()).header("Content-Type", "text/csv")
				.POST(HttpRequest.BodyPublishers.ofFile(small)).build());
		assertThat(hospital.statusCode()).isEqualTo(403);
		assertThat(hospital.body()).contains("OperationOutcome");
		HttpResponse<String> notARegistry = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/$import"))
				.header("Authorization", "Bearer " + registryToken()).header("Content-Type", "application/pdf")
				.POST(HttpRequest.BodyPublishers.ofString("%PDF")).build());
		assertThat(notARegistry.statusCode()).isEqualTo(415);
		assertThat(notARegistry.body()).contains("OperationOutcome");
		HttpResponse<String> unknownRun = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/space-import/" + "0".repeat(64)))
				.header("Authorization", "Bearer " + registryToken()).GET().build());
		assertThat(unknownRun.statusCode()).isEqualTo(404);
		// A CSV whose header is missing: every line is refused with its reason, none applied.
		Path headless = files.resolve("headless.csv");
		Files.writeString(headless, RegistryFiles.nir(true, java.time.LocalDate.of(1980, 5, 1), DEPARTMENT, 900_000)
				+ ",Durand,Jean,1980-05-01,M,jean@example.org,,\n");
		JsonNode report = importOverHttp(headless, "text/csv");
		assertThat(report.path("created").asLong()).isZero();
		assertThat(report.path("refusedLines").get(0).path("reason").asText()).contains("header");
	}

	private JsonNode importOverHttp(Path registry) throws Exception {
		return importOverHttp(registry, "application/fhir+ndjson");
	}

	private JsonNode importOverHttp(Path registry, String contentType) throws Exception {
		HttpResponse<String> kickoff = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/$import"))
				.header("Authorization", "Bearer " + registryToken()).header("Content-Type", contentType)
				.POST(HttpRequest.BodyPublishers.ofFile(registry)).build());
		assertThat(kickoff.statusCode()).as(kickoff.body()).isEqualTo(202);
		String status = kickoff.headers().firstValue("Content-Location").orElseThrow();
		Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
		while (Instant.now().isBefore(deadline)) {
			HttpResponse<String> poll = send(HttpRequest.newBuilder(URI.create(status))
					.header("Authorization", "Bearer " + registryToken()).GET().build());
			if (poll.statusCode() == 200) {
				return JSON.readTree(poll.body());
			}
			assertThat(poll.statusCode()).isEqualTo(202);
			assertThat(poll.headers().firstValue("X-Progress")).hasValueSatisfying(progress -> assertThat(progress).contains("lines read"));
			Thread.sleep(200);
		}
		throw new AssertionError("The provisioning did not finish in 3 minutes");
	}

	private long rowsOfThisRegistry() {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_space_registry WHERE ins LIKE ?", Long.class,
				RegistryFiles.TEST_INS_SYSTEM + "|_____" + DEPARTMENT + "%");
	}

	private synchronized String registryToken() {
		if (registryClient == null) {
			registryClient = TestBackendClient.registerRsaAs(clients, baseUrl(), List.of("system/Patient.cru"), TEST_REGISTRY_CLIENT,
					null, null);
		}
		return registryClient.accessToken("system/Patient.cru");
	}
}
