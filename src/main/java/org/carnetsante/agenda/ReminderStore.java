package org.carnetsante.agenda;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.carnetsante.notify.NotificationKind;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The reminders' two tables ({@code db/agenda/schema.sql}): the spaces to compute again and the reminders to
 * e-mail. Plain JDBC on HAPI's data source, so what a hook writes joins the transaction of the change it follows
 * (a rolled-back Immunization queues nothing). No statement here can fail on a duplicate: a failed statement
 * would abort the HAPI transaction it runs in.
 */
public class ReminderStore {

	/** A space waiting to be computed again, and its queued rows when it was read (those its computation settles). */
	public record Queued(String patientId, List<Long> rows) {}

	/** A reminder to e-mail. */
	public record Due(long id, String patientId, NotificationKind kind, String about, Instant dueAt) {}

	/** A reminder the forecast asks for. */
	public record Wanted(NotificationKind kind, String itemKey, String about, Instant dueAt) {}

	private final JdbcTemplate jdbc;
	private final Clock clock;

	public ReminderStore(DataSource dataSource, Clock clock) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/agenda/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
	}

	/** The space is to be computed again from {@code notBefore} (the day its forecast changes, a retry). */
	public void queue(String patientId, Instant notBefore) {
		jdbc.update("INSERT INTO carnet_reminder_recompute (patient_id, not_before) VALUES (?, ?)", patientId,
				Timestamp.from(notBefore));
	}

	/** Someone changed an input of the space: computed now, before what waits for its day and any backlog. */
	public void queueChange(String patientId) {
		jdbc.update("INSERT INTO carnet_reminder_recompute (patient_id, not_before, urgent) VALUES (?, ?, ?)", patientId,
				Timestamp.from(clock.instant()), true);
	}

	/** Every stored Patient, once (the first start with reminders: spaces that existed before). */
	public int queueEverySpace() {
		return jdbc.update("INSERT INTO carnet_reminder_recompute (patient_id, not_before)"
				+ " SELECT fhir_id, ? FROM hfj_resource WHERE res_type = 'Patient' AND res_deleted_at IS NULL",
				Timestamp.from(clock.instant()));
	}

	/**
	 * Spaces due for computation now: changes first, then the longest waiting. Reads at most {@code max} rows of each
	 * kind along the index, whatever the backlog (a grouping of every due row would read them all on every pass).
	 */
	public List<Queued> dueSpaces(int max) {
		java.util.LinkedHashSet<String> patients = new java.util.LinkedHashSet<>();
		Timestamp now = Timestamp.from(clock.instant());
		for (boolean urgent : List.of(true, false)) {
			if (patients.size() < max) {
				patients.addAll(jdbc.queryForList("SELECT patient_id FROM carnet_reminder_recompute WHERE urgent = ?"
						+ " AND not_before <= ? ORDER BY not_before FETCH FIRST " + max + " ROWS ONLY", String.class, urgent, now));
			}
		}
		return patients.stream().limit(max).map(patient -> new Queued(patient, jdbc.queryForList(
				"SELECT id FROM carnet_reminder_recompute WHERE patient_id = ?", Long.class, patient))).toList();
	}

	/**
	 * The space was computed after its queue's rows were read: those rows are done (including the day it was to be
	 * computed next, which this computation sets again); rows committed since, whatever their id, stay.
	 */
	public void computed(Queued queued, Optional<Instant> nextChange) {
		jdbc.batchUpdate("DELETE FROM carnet_reminder_recompute WHERE id = ?",
				queued.rows().stream().map(row -> new Object[] {row}).toList());
		nextChange.ifPresent(day -> queue(queued.patientId(), day));
	}

	/**
	 * The vaccination and screening reminders of a space are now these: unsent ones no longer wanted go, and a
	 * wanted one already sent is not added again.
	 */
	public void replaceForecastReminders(String patientId, List<Wanted> wanted) {
		jdbc.update("DELETE FROM carnet_reminder WHERE patient_id = ? AND sent_at IS NULL AND kind IN (?, ?)", patientId,
				NotificationKind.VACCINATION_DUE.name(), NotificationKind.SCREENING_DUE.name());
		wanted.forEach(reminder -> addUnlessSent(patientId, reminder));
	}

	/** An appointment's reminder is now this one (none: cancelled, deleted, past). */
	public void replaceAppointmentReminder(String patientId, String appointment, Optional<Wanted> wanted) {
		jdbc.update("DELETE FROM carnet_reminder WHERE about = ? AND kind = ? AND sent_at IS NULL", appointment,
				NotificationKind.APPOINTMENT_REMINDER.name());
		wanted.ifPresent(reminder -> addUnlessSent(patientId, reminder));
	}

	private void addUnlessSent(String patientId, Wanted reminder) {
		jdbc.update("INSERT INTO carnet_reminder (patient_id, kind, item_key, about, due_at) SELECT ?, ?, ?, ?, ?"
				+ " WHERE NOT EXISTS (SELECT 1 FROM carnet_reminder WHERE patient_id = ? AND item_key = ?)",
				patientId, reminder.kind().name(), reminder.itemKey(), reminder.about(), Timestamp.from(reminder.dueAt()),
				patientId, reminder.itemKey());
	}

	/** Reminders whose time has come, earliest first. */
	public List<Due> due(int max) {
		return jdbc.query("SELECT id, patient_id, kind, about, due_at FROM carnet_reminder WHERE sent_at IS NULL AND due_at <= ?"
				+ " ORDER BY due_at FETCH FIRST " + max + " ROWS ONLY",
				(row, index) -> new Due(row.getLong(1), row.getString(2), NotificationKind.valueOf(row.getString(3)),
						row.getString(4), row.getTimestamp(5).toInstant()),
				Timestamp.from(clock.instant()));
	}

	/**
	 * Marks a reminder handled with this outcome; true only for the one call that did (a conditional update: a
	 * reminder replaced or handled meanwhile, by this node or another, is not handled twice).
	 */
	public boolean markHandled(Due reminder, String outcome) {
		return jdbc.update("UPDATE carnet_reminder SET sent_at = ?, outcome = ? WHERE id = ? AND sent_at IS NULL",
				Timestamp.from(clock.instant()), outcome, reminder.id()) == 1;
	}
}
