package org.carnetsante.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.carnetsante.support.CarnetServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;
import org.carnetsante.support.Await;

/**
 * The access log never stops (issue 11 §5): an entry the database refuses is isolated from its batch
 * and kept in the local journal an operator is alerted about; a full queue refuses the request rather than
 * leave it unaudited; a shutdown while the database hangs ends in bounded time and journals what is left;
 * the journal is written back at the next start. Against the test PostgreSQL, with its real refusals and
 * locks.
 */
class AuditTrailTest extends CarnetServerTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@Autowired
	AuditEventStore store;

	@Autowired
	DataSource dataSource;

	@TempDir
	Path folder;

	@Test
	void anEntryTheDatabaseRefusesIsJournaledAndTheRestOfItsBatchIsWritten() throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		AuditDeadLetters journal = new AuditDeadLetters(folder.resolve("journal.ndjson"));
		AuditTrail trail = trail(100, Duration.ofSeconds(5), journal, meters);
		String marker = "split-" + UUID.randomUUID();
		String twice = UUID.randomUUID().toString();
		List<String> ids = new ArrayList<>();
		ExecutorService requests = Executors.newFixedThreadPool(13);
		List<Future<?>> recorded = new ArrayList<>();
		try (Connection lock = lockTheLog()) {
			trail.start();
			// The writer gets stuck on a first entry; the next ones wait together, then go as one batch with
			// the duplicate id (which the primary key refuses).
			recorded.add(requests.submit(() -> trail.record(entry(UUID.randomUUID().toString(), marker))));
			Await.until("a writer waits for the lock", WAIT, this::aWriterWaitsForTheLock);
			for (int i = 0; i < 10; i++) {
				String id = UUID.randomUUID().toString();
				ids.add(id);
				recorded.add(requests.submit(() -> trail.record(entry(id, marker))));
			}
			recorded.add(requests.submit(() -> trail.record(entry(twice, marker))));
			recorded.add(requests.submit(() -> trail.record(entry(twice, marker))));
			Await.until("queue of 12", WAIT, () -> meters.get("carnet.audit.queue.size").gauge().value() == 12);
			lock.rollback();
		}
		for (Future<?> each : recorded) {
			each.get();
		}
		requests.shutdown();
		trail.stop();

		assertThat(count("record LIKE ?", "%" + marker + "%")).as("every entry but the refused one").isEqualTo(12);
		assertThat(journal.pending()).isEqualTo(1);
		assertThat(Files.readString(folder.resolve("journal.ndjson"))).contains(twice).contains("journaled locally");
		assertThat(journal.health().getStatus()).isEqualTo(Status.DOWN);
		assertThat(meters.get("carnet.audit.events.dead-lettered").counter().count()).isEqualTo(1);
		assertThat(meters.get("carnet.audit.batches.split").counter().count()).isPositive();
	}

	@Test
	void aFullQueueRefusesTheRequestRatherThanLeaveItUnaudited() throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		AuditTrail trail = new AuditTrail(store, dataSource, new AuditProperties(true, 2, 1, Duration.ofMillis(300),
				Duration.ofSeconds(60), Duration.ofSeconds(5), 4096, 1000, null, "test"),
				new AuditDeadLetters(folder.resolve("journal.ndjson")), meters);
		String marker = "full-" + UUID.randomUUID();
		ExecutorService requests = Executors.newFixedThreadPool(3);
		List<Future<?>> waiting = new ArrayList<>();
		try (Connection lock = lockTheLog()) {
			trail.start();
			waiting.add(requests.submit(() -> trail.record(entry(UUID.randomUUID().toString(), marker))));
			// The writer holds the first entry (stuck on the lock); two more fill the queue.
			Await.until("a writer waits for the lock", WAIT, this::aWriterWaitsForTheLock);
			waiting.add(requests.submit(() -> trail.record(entry(UUID.randomUUID().toString(), marker))));
			waiting.add(requests.submit(() -> trail.record(entry(UUID.randomUUID().toString(), marker))));
			Await.until("queue of 2", WAIT, () -> meters.get("carnet.audit.queue.size").gauge().value() == 2);

			assertThatThrownBy(() -> trail.record(entry(UUID.randomUUID().toString(), marker)))
					.isInstanceOf(AuditTrail.AuditUnavailableException.class)
					.hasMessageContaining("refused rather than left unaudited");
			lock.rollback();
		}
		for (Future<?> each : waiting) {
			each.get();
		}
		requests.shutdown();
		trail.stop();
		assertThat(count("record LIKE ?", "%" + marker + "%")).as("the three waiting requests' entries").isEqualTo(3);
	}

	@Test
	void aShutdownWhileTheDatabaseHangsEndsInTimeAndJournalsWhatIsLeft() throws Exception {
		AuditDeadLetters journal = new AuditDeadLetters(folder.resolve("journal.ndjson"));
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		AuditTrail trail = trail(1, Duration.ofSeconds(1), journal, meters);
		String left = UUID.randomUUID().toString();
		ExecutorService requests = Executors.newFixedThreadPool(2);
		Instant stopped;
		Instant stopping;
		try (Connection lock = lockTheLog()) {
			trail.start();
			requests.submit(() -> trail.record(entry(UUID.randomUUID().toString(), "held")));
			Await.until("a writer waits for the lock", WAIT, this::aWriterWaitsForTheLock);
			requests.submit(() -> trail.record(entry(left, "left")));
			Await.until("queue of 1", WAIT, () -> meters.get("carnet.audit.queue.size").gauge().value() == 1);
			stopping = Instant.now();
			trail.stop();
			stopped = Instant.now();
			lock.rollback();
		}
		requests.shutdown();

		// shutdown-timeout (1 s) and the writer's last chance: far from the hang of a writer retrying forever.
		assertThat(Duration.between(stopping, stopped)).as("bounded by shutdown-timeout").isLessThan(Duration.ofSeconds(15));
		assertThat(Files.readString(folder.resolve("journal.ndjson"))).contains(left).contains("stopped before");
	}

	@Test
	void journaledEntriesAreWrittenBackAtTheNextStart() throws Exception {
		AuditDeadLetters journal = new AuditDeadLetters(folder.resolve("journal.ndjson"));
		String first = UUID.randomUUID().toString();
		String second = UUID.randomUUID().toString();
		journal.append(List.of(entry(first, "replayed"), entry(second, "replayed")));
		assertThat(journal.health().getStatus()).isEqualTo(Status.DOWN);

		AuditTrail trail = trail(10, Duration.ofSeconds(5), journal, new SimpleMeterRegistry());
		trail.start();
		trail.stop();

		assertThat(count("id IN (?, ?)", first, second)).isEqualTo(2);
		assertThat(journal.pending()).isZero();
		assertThat(Files.exists(folder.resolve("journal.ndjson"))).isFalse();
		assertThat(journal.health().getStatus()).isEqualTo(Status.UP);
	}

	private AuditTrail trail(int batchSize, Duration shutdownTimeout, AuditDeadLetters journal, SimpleMeterRegistry meters) {
		return new AuditTrail(store, dataSource, new AuditProperties(true, 1000, batchSize, Duration.ofSeconds(5),
				Duration.ofSeconds(60), shutdownTimeout, 4096, 1000, null, "test"), journal, meters);
	}

	/** Another session holding the access log's table: every insert waits until it rolls back. */
	private Connection lockTheLog() throws Exception {
		Connection connection = dataSource.getConnection();
		connection.setAutoCommit(false);
		try (Statement statement = connection.createStatement()) {
			statement.execute("LOCK TABLE carnet_audit_event IN ACCESS EXCLUSIVE MODE");
		}
		return connection;
	}

	/** Whether an insert into the access log waits for the lock (the writer holds a batch). */
	private boolean aWriterWaitsForTheLock() {
		return jdbc.queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
				+ " AND query LIKE 'INSERT INTO carnet_audit_event%'", Long.class) > 0;
	}

	private long count(String where, Object... arguments) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE " + where, Long.class, arguments);
	}

	private static AuditRecord entry(String id, String marker) {
		return new AuditRecord(id, System.currentTimeMillis(), "READ", null, List.of(), "0", marker, "normal", null, null,
				"test-client", null, "http://localhost/fhir", null, null);
	}
}
