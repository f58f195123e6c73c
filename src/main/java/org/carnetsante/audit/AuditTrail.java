package org.carnetsante.audit;

import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes the access log ({@link AuditRecord}s, into {@link AuditEventStore}) so that no response leaves
 * before the access it records is durable, across a crash of the node (design.md §2 step 5):
 * <ul>
 *   <li>{@link #record} returns once the entry is committed in the database; a request that cannot get
 *       there within {@code carnet.audit.durable-wait} fails (503) instead of answering unaudited;
 *   <li>group commit: one writer thread takes everything queued at once (up to {@code batch-size}) and
 *       writes it in one transaction, so concurrent requests share a commit and throughput stays that of
 *       batched inserts;
 *   <li>one bad entry never holds the others back: every entry is first bounded
 *       ({@link AuditRecordBounds}); a batch the database still refuses for its content is split in halves
 *       until the entry at fault is alone, and that entry goes, cut to its essentials, to the local
 *       journal an operator is alerted about ({@link AuditDeadLetters}), which is forced to disk;
 *   <li>when the database is unavailable the batch is retried until the requests waiting for it give up;
 *       their entries are journaled locally rather than lost;
 *   <li>shutdown is bounded ({@code shutdown-timeout}): what is left then is journaled.
 * </ul>
 * An emergency access is written with its notification in one transaction ({@link #recordNow}).
 */
public class AuditTrail implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
	/** Pause before writing a batch again when the database was unavailable. */
	private static final Duration RETRY_PAUSE = Duration.ofMillis(500);
	/** How long the writer waits for an entry before checking whether it should stop. */
	private static final Duration POLL = Duration.ofMillis(200);

	/** An entry waiting for the writer, and the request waiting for it to be durable. */
	private record Pending(AuditRecord record, CompletableFuture<Void> durable, Instant enqueued) {}

	private final AuditEventStore store;
	private final AuditProperties properties;
	private final AuditRecordBounds bounds;
	private final AuditDeadLetters deadLetters;
	private final BlockingQueue<Pending> queue;
	private final TransactionTemplate transactions;
	private final Counter written;
	private final Counter deadLettered;
	private final Counter splits;
	private volatile boolean running;
	private volatile boolean stopping;
	private Thread writer;

	public AuditTrail(AuditEventStore store, DataSource dataSource, AuditProperties properties,
			AuditDeadLetters deadLetters, MeterRegistry meters) {
		this.store = store;
		this.properties = properties;
		this.bounds = new AuditRecordBounds(properties.maxText(), properties.maxResources());
		this.deadLetters = deadLetters;
		this.queue = new LinkedBlockingQueue<>(properties.queueCapacity());
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		// Never inside the transaction of the request that is being audited.
		this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.written = Counter.builder("carnet.audit.events.written").description("AuditEvents written").register(meters);
		this.deadLettered = Counter.builder("carnet.audit.events.dead-lettered")
				.description("AuditEvents the database would not take, journaled locally (an operator must look)")
				.register(meters);
		this.splits = Counter.builder("carnet.audit.batches.split")
				.description("Batches split to isolate an entry the database refused").register(meters);
		meters.gauge("carnet.audit.queue.size", queue, BlockingQueue::size);
	}

	/**
	 * Records an access and returns once it is durable (in the database, or journaled locally). Fails
	 * the request (503) if that cannot happen in time: nothing is answered unaudited.
	 */
	public void record(AuditRecord event) {
		AuditRecord bounded = bounds.bound(event);
		if (!running) {
			recordNow(bounded, null);
			return;
		}
		Pending pending = new Pending(bounded, new CompletableFuture<>(), Instant.now());
		try {
			if (!queue.offer(pending, properties.enqueueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
				throw new AuditUnavailableException("The access log cannot keep up: the request is refused rather than left unaudited");
			}
			pending.durable().get(properties.durableWait().toMillis(), TimeUnit.MILLISECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AuditUnavailableException("Interrupted while recording the access");
		} catch (TimeoutException | ExecutionException e) {
			throw new AuditUnavailableException("The access could not be recorded in time: it is refused");
		}
	}

	/**
	 * Records many accesses (a bulk export's, one per space) and returns once all are durable; they
	 * share the writer's commits instead of taking one each. Fails as {@link #record} does.
	 */
	public void recordAll(List<AuditRecord> events) {
		if (!running) {
			events.forEach(event -> recordNow(bounds.bound(event), null));
			return;
		}
		List<CompletableFuture<Void>> durable = new ArrayList<>(events.size());
		try {
			for (AuditRecord event : events) {
				Pending pending = new Pending(bounds.bound(event), new CompletableFuture<>(), Instant.now());
				if (!queue.offer(pending, properties.enqueueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
					throw new AuditUnavailableException("The access log cannot keep up: the accesses are not recorded");
				}
				durable.add(pending.durable());
			}
			CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new))
					.get(properties.durableWait().toMillis(), TimeUnit.MILLISECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AuditUnavailableException("Interrupted while recording the accesses");
		} catch (TimeoutException | ExecutionException e) {
			throw new AuditUnavailableException("The accesses could not be recorded in time");
		}
	}

	/**
	 * Writes an access at once in a transaction of its own, with {@code alongside} (another write that
	 * must stand or fall with it, such as the patient's notification of an emergency access) in the same
	 * transaction; fails the request if it cannot.
	 */
	public void recordNow(AuditRecord event, Runnable alongside) {
		List<AuditRecord> rows = List.of(bounds.bound(event));
		try {
			transactions.executeWithoutResult(status -> {
				store.insert(rows);
				if (alongside != null) {
					alongside.run();
				}
			});
			written.increment();
		} catch (RuntimeException e) {
			LOG.error("Could not record an access: {}", event, e);
			throw new AuditUnavailableException("The access could not be recorded: it is refused");
		}
	}

	private void writeUntilStopped() {
		List<Pending> batch = new ArrayList<>(properties.batchSize());
		while (!stopping) {
			try {
				Pending first = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				queue.drainTo(batch, properties.batchSize() - 1);
				write(batch);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			} catch (RuntimeException | Error e) {
				// The writer must outlive any one batch: its requests are answered, the entries journaled.
				journal(batch, "the writer failed (" + e + ")");
			} finally {
				batch.clear();
			}
		}
	}

	/** Writes a batch in one transaction; on failure, isolates what the database refuses. */
	private void write(List<Pending> batch) {
		while (true) {
			try {
				insert(batch);
				batch.forEach(pending -> pending.durable().complete(null));
				return;
			} catch (DataAccessException e) {
				if (refusesContent(e)) {
					isolate(batch, e);
					return;
				}
				if (stopping || oldest(batch).plus(properties.durableWait()).isBefore(Instant.now())) {
					// The database is gone and the requests have waited long enough: keep the accesses locally.
					journal(batch, "the database was unavailable (" + e.getMostSpecificCause().getMessage() + ")");
					return;
				}
				LOG.warn("Writing {} access-log entries failed; retrying in {}", batch.size(), RETRY_PAUSE, e);
				pause();
			}
		}
	}

	/** Splits a refused batch in halves until the entries the database refuses are alone, then journals them. */
	private void isolate(List<Pending> batch, DataAccessException failure) {
		if (batch.size() == 1) {
			journal(batch, "the database refused the entry (" + failure.getMostSpecificCause().getMessage() + ")");
			return;
		}
		splits.increment();
		List<Pending> first = new ArrayList<>(batch.subList(0, batch.size() / 2));
		List<Pending> second = new ArrayList<>(batch.subList(batch.size() / 2, batch.size()));
		for (List<Pending> half : List.of(first, second)) {
			try {
				insert(half);
				half.forEach(pending -> pending.durable().complete(null));
			} catch (DataAccessException e) {
				isolate(half, e);
			}
		}
	}

	private void insert(List<Pending> batch) {
		List<AuditRecord> rows = batch.stream().map(Pending::record).toList();
		transactions.executeWithoutResult(status -> store.insert(rows));
		written.increment(rows.size());
	}

	/**
	 * Keeps entries the database would not take in the local journal, reduced to what identifies the
	 * access (an entry refused for its content may be refused again for the same content); the requests
	 * waiting for them may answer once the journal is on disk.
	 */
	private void journal(List<Pending> batch, String reason) {
		if (batch.isEmpty()) {
			return;
		}
		List<AuditRecord> essentials = batch.stream().map(pending -> essentials(pending.record(), reason)).toList();
		try {
			deadLetters.append(essentials);
			deadLettered.increment(essentials.size());
			batch.forEach(pending -> pending.durable().complete(null));
		} catch (RuntimeException e) {
			LOG.error("Access-log entries lost: {}", essentials, e);
			batch.forEach(pending -> pending.durable().completeExceptionally(e));
		}
	}

	private AuditRecord essentials(AuditRecord record, String reason) {
		AuditRecord.Who who = record.who() == null ? null : new AuditRecord.Who(record.who().subject(),
				record.who().fhirUser(), null, record.who().idNat(), null, null, null, record.who().organization(), null);
		String why = bounds.bound(new AuditRecord(null, 0, null, null, List.of(), null, "journaled locally: " + reason, null,
				null, null, null, null, null, null, null)).outcomeDescription();
		return new AuditRecord(record.id(), record.recordedMillis(), record.operation(), record.patient(), record.resources(),
				record.outcome(), why, record.accessMode(), record.purposeOfUse(), who, record.clientId(), null, null,
				record.requestId(), null);
	}

	/**
	 * Whether the database refuses the content of an entry (SQL state class 22, data exception, or 23,
	 * integrity constraint) rather than being unavailable: the batch is then split, not retried.
	 */
	private static boolean refusesContent(DataAccessException e) {
		Throwable cause = e;
		while (cause != null) {
			if (cause instanceof SQLException sql && sql.getSQLState() != null
					&& (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
				return true;
			}
			cause = cause.getCause();
		}
		return e instanceof org.springframework.dao.DataIntegrityViolationException;
	}

	private static Instant oldest(List<Pending> batch) {
		return batch.stream().map(Pending::enqueued).min(Instant::compareTo).orElse(Instant.now());
	}

	private static void pause() {
		try {
			Thread.sleep(RETRY_PAUSE.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void start() {
		int replayed = deadLetters.replay(record -> {
			try {
				transactions.executeWithoutResult(status -> store.insert(List.of(record)));
				return true;
			} catch (DataAccessException e) {
				return false;
			}
		});
		if (replayed > 0) {
			LOG.warn("{} journaled access-log entries written to the database", replayed);
		}
		stopping = false;
		writer = new Thread(this::writeUntilStopped, "carnet-audit-writer");
		writer.start();
		running = true;
	}

	/**
	 * Stops after the web server (lower phase), so the queue holds every entry there will be: writes it
	 * within {@code shutdown-timeout}, then journals what is left. Never waits longer.
	 */
	@Override
	public void stop() {
		running = false;
		Instant deadline = Instant.now().plus(properties.shutdownTimeout());
		while (!queue.isEmpty() && Instant.now().isBefore(deadline) && writer.isAlive()) {
			pause();
		}
		stopping = true;
		try {
			writer.join(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()));
			if (writer.isAlive()) {
				writer.interrupt();
				writer.join(RETRY_PAUSE.toMillis());
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		List<Pending> left = new ArrayList<>();
		queue.drainTo(left);
		journal(left, "the node stopped before the entry was written");
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	@Override
	public int getPhase() {
		return 0;
	}

	/** The access log could not take an event: the request fails rather than go unaudited. */
	public static class AuditUnavailableException extends UnclassifiedServerFailureException {

		public AuditUnavailableException(String message) {
			super(503, message);
		}
	}
}
