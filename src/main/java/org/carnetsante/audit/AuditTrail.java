package org.carnetsante.audit;

import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes the access log ({@link AuditRecord}s, into {@link AuditEventStore}) without making requests
 * wait: records go into a bounded queue that one writer thread drains in batches, one transaction per
 * batch. Nothing is dropped: a full queue makes requests wait (then fail) rather than go unaudited, a
 * failed batch is retried, and a clean shutdown writes whatever is queued once the web server has
 * stopped taking requests. An emergency access is written at once, on the request's thread, before any
 * data is returned ({@link #recordNow}).
 */
public class AuditTrail implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
	/** Pause after a failed batch, before writing it again. */
	private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

	private final AuditEventStore store;
	private final AuditProperties properties;
	private final BlockingQueue<AuditRecord> queue;
	private final TransactionTemplate transactions;
	private final Counter written;
	private volatile boolean running;
	private volatile boolean stopping;
	private Thread writer;

	public AuditTrail(AuditEventStore store, DataSource dataSource, AuditProperties properties, MeterRegistry meters) {
		this.store = store;
		this.properties = properties;
		this.queue = new LinkedBlockingQueue<>(properties.queueCapacity());
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		// Never inside the transaction of the request that is being audited.
		this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.written = Counter.builder("carnet.audit.events.written").description("AuditEvents written").register(meters);
		meters.gauge("carnet.audit.queue.size", queue, BlockingQueue::size);
	}

	/** Queues an access; waits for room in a full queue, then fails the request (503). */
	public void record(AuditRecord event) {
		if (!running) {
			recordNow(event);
			return;
		}
		try {
			if (!queue.offer(event, properties.enqueueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
				throw new AuditUnavailableException("The access log cannot keep up: the request is refused rather than left unaudited");
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AuditUnavailableException("Interrupted while recording the access");
		}
	}

	/** Writes an access at once, in its own transaction; fails the request if it cannot. */
	public void recordNow(AuditRecord event) {
		List<AuditRecord> rows = List.of(event);
		try {
			transactions.executeWithoutResult(status -> store.insert(rows));
			written.increment();
		} catch (RuntimeException e) {
			LOG.error("Could not record an access: {}", event, e);
			throw new AuditUnavailableException("The access could not be recorded: it is refused");
		}
	}

	/** Writes everything queued so far (tests and shutdown). */
	public void flush() {
		List<AuditRecord> batch = new ArrayList<>();
		while (queue.drainTo(batch, properties.batchSize()) > 0) {
			writeWithRetries(batch);
			batch.clear();
		}
	}

	private void drainForever() {
		List<AuditRecord> batch = new ArrayList<>(properties.batchSize());
		while (!stopping || !queue.isEmpty()) {
			try {
				batch.clear();
				AuditRecord first = queue.poll(properties.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				queue.drainTo(batch, properties.batchSize() - 1);
				writeWithRetries(batch);
				batch.clear();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			} catch (RuntimeException | Error e) {
				// The writer must outlive any one batch: log what could not be written, keep going.
				LOG.error("Access log entries could not be written: {}", batch, e);
			}
		}
	}

	private void writeWithRetries(List<AuditRecord> batch) {
		List<AuditRecord> rows = List.copyOf(batch);
		while (true) {
			try {
				transactions.executeWithoutResult(status -> store.insert(rows));
				written.increment(rows.size());
				return;
			} catch (RuntimeException e) {
				if (stopping && Thread.currentThread().isInterrupted()) {
					// Last resort when the database is gone at shutdown: the log keeps them.
					rows.forEach(row -> LOG.error("Unwritten access log entry: {}", row));
					return;
				}
				LOG.warn("Writing {} access log entries failed; retrying in {}", rows.size(), RETRY_PAUSE, e);
				try {
					Thread.sleep(RETRY_PAUSE.toMillis());
				} catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
				}
			}
		}
	}

	@Override
	public void start() {
		stopping = false;
		writer = new Thread(this::drainForever, "carnet-audit-writer");
		writer.start();
		running = true;
	}

	/** Stops after the web server (lower phase): the queue then holds every event there will be. */
	@Override
	public void stop() {
		running = false;
		stopping = true;
		try {
			writer.join(Duration.ofSeconds(30).toMillis());
			if (writer.isAlive()) {
				writer.interrupt();
				writer.join(Duration.ofSeconds(5).toMillis());
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		flush();
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
