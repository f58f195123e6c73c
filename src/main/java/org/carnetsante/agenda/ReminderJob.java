package org.carnetsante.agenda;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.carnetsante.agenda.ReminderForecast.Forecast;
import org.carnetsante.fhir.ClusterLease;
import org.carnetsante.notify.NotificationKind;
import org.carnetsante.notify.NotificationOutbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The reminders' job, once per cluster ({@link ClusterLease}): each node's timer asks for the lease, and the node
 * holding it (a) computes the spaces whose reminders are due for computation (an input changed, or the day their
 * forecast changes came) and (b) hands the reminders whose time came to the notification outbox, which e-mails
 * them per the patient's preferences. A reminder is handed over at most once: its row is marked by a conditional
 * update before the outbox row is written, whichever node runs.
 */
public class ReminderJob implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(ReminderJob.class);

	private final ReminderStore store;
	private final ComputedReminders reminders;
	private final NotificationOutbox outbox;
	private final ClusterLease lease;
	private final AgendaProperties.Reminders settings;
	private final Clock clock;
	private ScheduledExecutorService executor;

	public ReminderJob(ReminderStore store, ComputedReminders reminders, NotificationOutbox outbox, ClusterLease lease,
			AgendaProperties.Reminders settings, Clock clock) {
		this.store = store;
		this.reminders = reminders;
		this.outbox = outbox;
		this.lease = lease;
		this.settings = settings;
		this.clock = clock;
	}

	/** One pass if this node holds the lease; returns how many spaces and reminders it handled (0 without the lease). */
	public int pass() {
		if (!lease.acquire()) {
			return 0;
		}
		int handled = 0;
		int batch;
		do {
			batch = computeDueSpaces() + handOverDueReminders();
			handled += batch;
		} while (batch > 0 && lease.holdsFor(settings.lease().dividedBy(2)));
		return handled;
	}

	private int computeDueSpaces() {
		ZoneId zone = settings.zone();
		List<ReminderStore.Queued> due = store.dueSpaces(settings.batchSize());
		for (ReminderStore.Queued space : due) {
			if (!lease.holdsFor(settings.lease().dividedBy(2))) {
				break; // what is left waits for the next holder
			}
			LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
			try {
				Forecast forecast = reminders.recompute(space.patientId(), today);
				store.replaceForecastReminders(space.patientId(), wanted(space.patientId(), forecast, zone));
				store.computed(space, forecast.nextChange().map(day -> day.atStartOfDay(zone).toInstant()));
			} catch (RuntimeException e) {
				// One space that cannot be computed must not hold up the others: tried again later.
				LOG.warn("Reminders of space {} not computed, tried again in {}: {}", space.patientId(), settings.retryAfter(),
						e.getMessage());
				store.computed(space, Optional.of(clock.instant().plus(settings.retryAfter())));
			}
		}
		return due.size();
	}

	/** A reminder for each dose or round with a due day, on that day (at the configured hour). */
	private List<ReminderStore.Wanted> wanted(String patientId, Forecast forecast, ZoneId zone) {
		List<ReminderStore.Wanted> wanted = new ArrayList<>();
		forecast.vaccinations().stream().filter(vaccination -> vaccination.due() != null).forEach(vaccination ->
				wanted.add(new ReminderStore.Wanted(NotificationKind.VACCINATION_DUE, vaccination.reminderKey(),
						"ImmunizationRecommendation?patient=Patient/" + patientId, sendingTime(vaccination.due(), zone))));
		forecast.screenings().forEach(screening -> wanted.add(new ReminderStore.Wanted(NotificationKind.SCREENING_DUE,
				screening.reminderKey(), "ServiceRequest?subject=Patient/" + patientId, sendingTime(screening.due(), zone))));
		return wanted;
	}

	private Instant sendingTime(LocalDate day, ZoneId zone) {
		return day.atTime(settings.sendingHour()).atZone(zone).toInstant();
	}

	private int handOverDueReminders() {
		List<ReminderStore.Due> due = store.due(settings.batchSize());
		Instant staleBefore = clock.instant().minus(settings.staleAfter());
		// Three doses due the same day make one e-mail, not three: one per space and kind in a batch.
		java.util.Set<String> told = new java.util.HashSet<>();
		for (ReminderStore.Due reminder : due) {
			if (!lease.holdsFor(settings.lease().dividedBy(2))) {
				break;
			}
			// Long past (the space was just created, or reminders were off): recorded, not e-mailed weeks late.
			boolean stale = reminder.dueAt().isBefore(staleBefore);
			String space = reminder.patientId() + "|" + reminder.kind();
			boolean first = !stale && !told.contains(space);
			if (store.markHandled(reminder, stale ? "STALE" : first ? "QUEUED" : "GROUPED") && first) {
				told.add(space);
				outbox.add(reminder.patientId(), reminder.kind(), reminder.about());
			}
		}
		return due.size();
	}

	@Override
	public synchronized void start() {
		executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
			Thread thread = new Thread(runnable, "reminder-job");
			thread.setDaemon(true);
			return thread;
		});
		long every = settings.pollInterval().toMillis();
		executor.scheduleWithFixedDelay(this::safePass, every, every, TimeUnit.MILLISECONDS);
	}

	private void safePass() {
		try {
			pass();
		} catch (RuntimeException e) {
			LOG.warn("Reminder pass failed, next pass in {}: {}", settings.pollInterval(), e.getMessage());
		}
	}

	@Override
	public synchronized void stop() {
		if (executor != null) {
			executor.shutdown();
			boolean passEnded = false;
			try {
				passEnded = executor.awaitTermination(10, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			executor = null;
			if (passEnded) {
				lease.release(); // another node may take over at once; with a pass still running, once the lease runs out
			}
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return executor != null;
	}
}
