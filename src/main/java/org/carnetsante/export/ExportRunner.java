package org.carnetsante.export;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.carnetsante.access.Actor;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.audit.AuditRecord;
import org.carnetsante.audit.AuditTrail;
import org.carnetsante.smart.CarnetCaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the exports, on every node: each worker takes the oldest export waiting (queued, or left by a
 * node that stopped saying it is alive), runs it, and looks again at once; an idle worker looks every
 * {@code poll-interval}, and the node that accepts a kick-off wakes its own at once. No fixed wait
 * anywhere between the steps of an export. Expired exports are purged by whichever node sees them
 * first (the delete decides, so each is purged once).
 */
public class ExportRunner implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(ExportRunner.class);

	static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

	/** The caller as captured at kick-off, with what its access-log entries name besides. */
	public record CapturedCaller(CarnetCaller caller, String address, String requestId, String serverBase, String operation) {}

	private final ExportJobs jobs;
	private final ExportRun run;
	private final ExportSpaces spaces;
	private final AuditTrail trail;
	private final boolean audited;
	private final Set<String> refusedSectors;
	private final ExportProperties properties;
	private final Clock clock;
	private final String node = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID();
	private final Semaphore wakeUp = new Semaphore(0);
	private volatile boolean running;
	private ExecutorService workers;
	private Instant lastPurge = Instant.EPOCH;

	ExportRunner(ExportJobs jobs, ExportRun run, ExportSpaces spaces, AuditTrail trail, boolean audited,
			Set<String> refusedSectors, ExportProperties properties, Clock clock) {
		this.jobs = jobs;
		this.run = run;
		this.spaces = spaces;
		this.trail = trail;
		this.audited = audited;
		this.refusedSectors = Set.copyOf(refusedSectors);
		this.properties = properties;
		this.clock = clock;
	}

	/** A kick-off was accepted on this node: a worker starts it now rather than at its next look. */
	public void wake() {
		wakeUp.release();
	}

	@Override
	public void start() {
		running = true;
		workers = Executors.newFixedThreadPool(properties.workers(), task -> {
			Thread thread = new Thread(task, "carnet-export");
			thread.setDaemon(true);
			return thread;
		});
		for (int i = 0; i < properties.workers(); i++) {
			workers.submit(this::work);
		}
	}

	@Override
	public void stop() {
		running = false;
		wakeUp.release(properties.workers());
		workers.shutdownNow();
		try {
			workers.awaitTermination(10, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	private void work() {
		while (running) {
			try {
				purgeExpired();
				Instant now = clock.instant();
				var claimed = jobs.claim(node, now, now.minus(properties.takeOverAfter()));
				if (claimed.isPresent()) {
					runOne(claimed.get());
					continue;
				}
				wakeUp.drainPermits();
				wakeUp.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			} catch (RuntimeException | Error e) {
				// The database may be briefly unavailable, an export may have needed more memory than the
				// node had: the worker keeps going (a worker that died would leave this node exporting nothing).
				LOG.warn("Export worker: {}", e.toString());
				sleepQuietly();
			}
		}
	}

	private void runOne(ExportJobs.Job job) {
		Instant expires = clock.instant().plus(properties.retention());
		if (job.attempts() > properties.maxAttempts()) {
			jobs.fail(job.id(), node, "The export was interrupted " + (job.attempts() - 1) + " times", clock.instant(), expires);
			return;
		}
		try {
			// A taken-over export starts again: what the node that died wrote is dropped.
			jobs.deleteFiles(job.id());
			CapturedCaller captured = JSON.readValue(job.caller(), CapturedCaller.class);
			ExportRequest request = JSON.readValue(job.request(), ExportRequest.class);
			Actor actor = Actor.of(captured.caller(), refusedSectors);
			Instant transactionTime = clock.instant();
			ExportSpaces.Spaces covered = spaces.of(request, actor, transactionTime);
			if (!jobs.progress(job.id(), node, clock.instant(), covered.reachable().size(), 0, 0)) {
				throw new ExportRun.ExportLost();
			}
			NdjsonFiles files = new NdjsonFiles(jobs, job.id(), (int) properties.chunkSize().toBytes(),
					properties.fileMaxSize().toBytes());
			ExportRun.Outcome outcome = run.run(request, actor, covered.reachable(), covered.notAccessible(), files,
					(done, written) -> jobs.progress(job.id(), node, clock.instant(), covered.reachable().size(), done, written));
			if (audited) {
				trail.recordAll(accessLogEntries(job, captured, outcome.writtenBySpace()));
			}
			if (!jobs.complete(job.id(), node, transactionTime, clock.instant(), clock.instant().plus(properties.retention()),
					outcome.written())) {
				throw new ExportRun.ExportLost();
			}
			LOG.info("Export {} completed: {} resources from {} spaces", job.id(), outcome.written(), covered.reachable().size());
		} catch (ExportRun.ExportLost lost) {
			// Cancelled while running (its row is gone): nothing of it is kept. Taken over: the other node
			// started it again from nothing.
			if (jobs.find(job.id()).isEmpty()) {
				jobs.deleteFiles(job.id());
			}
		} catch (Exception | OutOfMemoryError | StackOverflowError e) {
			// An export that ran this node out of memory (its pages are let go as the error unwinds) is
			// failed, not left running: its client is told, and the node goes on with the next.
			LOG.error("Export {} failed", job.id(), e);
			jobs.fail(job.id(), node, "The export failed on the server (" + e.getClass().getSimpleName() + ")", clock.instant(), expires);
		}
	}

	/** One entry per space whose data left in the export: who, when, how many resources of which types. */
	private List<AuditRecord> accessLogEntries(ExportJobs.Job job, CapturedCaller captured,
			Map<String, Map<String, Integer>> writtenBySpace) {
		CarnetCaller caller = captured.caller();
		AuditRecord.Who who = new AuditRecord.Who(caller.subject(), caller.fhirUser(), caller.name(), null,
				caller.profession(), caller.specialty(), null, caller.organization(), caller.organizationSector());
		List<AuditRecord> entries = new ArrayList<>(writtenBySpace.size());
		long now = clock.millis();
		writtenBySpace.forEach((space, byType) -> entries.add(new AuditRecord(UUID.randomUUID().toString(), now,
				captured.operation(), space, List.of(), "0",
				"Bulk Data export (" + job.id() + "): " + byType.entrySet().stream()
						.map(entry -> entry.getValue() + " " + entry.getKey()).collect(Collectors.joining(", ")),
				EmergencyMode.NONE.accessMode(), null, who, caller.clientId(), captured.address(), captured.serverBase(),
				captured.requestId(), job.requestUrl())));
		return entries;
	}

	private void purgeExpired() {
		Instant now = clock.instant();
		if (lastPurge.plus(properties.pollInterval().multipliedBy(60)).isAfter(now)) {
			return;
		}
		lastPurge = now;
		for (String id : jobs.expired(now)) {
			jobs.delete(id);
		}
	}

	private void sleepQuietly() {
		try {
			Thread.sleep(properties.pollInterval().toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
