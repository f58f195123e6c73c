package org.carnetsante.space;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.time.LocalDate;
import org.carnetsante.fhir.ClusterLease;
import org.carnetsante.fhir.OncePerCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the spaces whose opposition period ended, brings spaces' Patients up to date with the registry,
 * deletes the content of closed spaces whose retention ended (or whose deletion was asked and failed),
 * on one node of the cluster at a time ({@link ClusterLease} "space-opening"). Each pass reads the deadlines
 * passed along an index and works in batches until none is left or the lease runs short.
 */
public class SpaceOpeningJob implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(SpaceOpeningJob.class);

	private final SpaceLifecycle lifecycle;
	private final ClusterLease lease;
	private final SpaceProperties.Opening settings;
	private final Clock clock;
	private final OncePerCluster oncePerDay;
	private ScheduledExecutorService executor;

	public SpaceOpeningJob(SpaceLifecycle lifecycle, ClusterLease lease, SpaceProperties.Opening settings, Clock clock,
			OncePerCluster oncePerDay) {
		this.lifecycle = lifecycle;
		this.lease = lease;
		this.settings = settings;
		this.clock = clock;
		this.oncePerDay = oncePerDay;
	}

	/** One pass, if this node holds the job: answers how many spaces it opened or brought up to date. */
	public int pass() {
		int done = 0;
		if (!lease.acquire()) {
			return done;
		}
		int batch;
		do {
			batch = lifecycle.openDue(clock.instant(), settings.batchSize());
			done += batch;
		} while (batch == settings.batchSize() && lease.holdsFor(settings.lease().dividedBy(2)));
		do {
			batch = lifecycle.followRegistry(settings.batchSize());
			done += batch;
		} while (batch == settings.batchSize() && lease.holdsFor(settings.lease().dividedBy(2)));
		// One space at a time: a purge can be long, and the lease must still be held when each one starts.
		while (lease.holdsFor(settings.lease().dividedBy(2)) && lifecycle.purgeDue(clock.instant(), 1) == 1) {
			done++;
		}
		// Those who come of age today are told once, by one node, whatever the number of passes.
		LocalDate today = clock.instant().atZone(SpaceLifecycle.LEGAL_ZONE).toLocalDate();
		oncePerDay.run("space-coming-of-age-" + today, () -> LOG.info("{} persons told they came of age",
				lifecycle.tellComingOfAge(today)));
		return done;
	}

	@Override
	public boolean isAutoStartup() {
		return settings.enabled();
	}

	@Override
	public synchronized void start() {
		executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
			Thread thread = new Thread(runnable, "space-opening");
			thread.setDaemon(true);
			return thread;
		});
		long every = settings.pollInterval().toMillis();
		executor.scheduleWithFixedDelay(() -> {
			try {
				int done = pass();
				if (done > 0) {
					LOG.info("{} spaces opened or brought up to date with the registry", done);
				}
			} catch (RuntimeException e) {
				LOG.warn("Space opening pass failed, next pass in {}: {}", settings.pollInterval(), e.getMessage());
			}
		}, every, every, TimeUnit.MILLISECONDS);
	}

	@Override
	public synchronized void stop() {
		if (executor != null) {
			executor.shutdownNow();
			executor = null;
			lease.release();
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return executor != null;
	}
}
