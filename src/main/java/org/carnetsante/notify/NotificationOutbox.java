package org.carnetsante.notify;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The notifications to deliver ({@code db/notify/schema.sql}): recorded in the transaction of the event
 * they tell (plain JDBC on the same data source joins HAPI's transaction), claimed by one node at a time
 * with a lease (a conditional update: portable, and safe with many nodes), then marked delivered, retried
 * later, or given up.
 */
public class NotificationOutbox {

	/** A notification to deliver. */
	public record Pending(long id, String patientId, NotificationKind kind, String about, Instant happened, int attempts,
			String claim, Instant claimedUntil) {}

	private final JdbcTemplate jdbc;
	private final Clock clock;

	public NotificationOutbox(DataSource dataSource, Clock clock) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/notify/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
	}

	/**
	 * Prefix of a recipient that is a person of the insured registry without a space (yet): the rest is
	 * their INS ({@code system|value}); their address comes from the registry.
	 */
	public static final String REGISTRY_RECIPIENT = "registry:";

	/** Prefix of a recipient known by an e-mail address only (an invitee): the rest is the address. */
	public static final String ADDRESS_RECIPIENT = "email:";

	/** A notification to record: to whom (a space's patient id or a registry recipient), what, about what. */
	public record ToAdd(String recipient, NotificationKind kind, String about) {}

	public void add(String patientId, NotificationKind kind, String about) {
		Timestamp now = Timestamp.from(clock.instant());
		jdbc.update("INSERT INTO carnet_notification (patient_id, kind, about, happened, next_attempt) VALUES (?, ?, ?, ?, ?)",
				patientId, kind.name(), about, now, now);
	}

	/** Records many notifications in one statement batch (a provisioning batch's notices). */
	public void addAll(List<ToAdd> notifications) {
		Timestamp now = Timestamp.from(clock.instant());
		jdbc.batchUpdate("INSERT INTO carnet_notification (patient_id, kind, about, happened, next_attempt) VALUES (?, ?, ?, ?, ?)",
				notifications.stream().map(each -> new Object[] {each.recipient(), each.kind().name(), each.about(), now, now}).toList());
	}

	/** Adds a notification unless the same one was recorded within {@code window}. */
	public void addUnlessRecent(String patientId, NotificationKind kind, String about, Duration window) {
		Integer recent = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_notification WHERE patient_id = ? AND kind = ?"
				+ " AND about = ? AND happened > ?", Integer.class, patientId, kind.name(), about,
				Timestamp.from(clock.instant().minus(window)));
		if (recent == null || recent == 0) {
			add(patientId, kind, about);
		}
	}

	/** Due notifications this node now holds for {@code lease}; another node's claims are left alone. */
	public List<Pending> claimDue(int max, Duration lease) {
		Instant now = clock.instant();
		List<Pending> candidates = jdbc.query("SELECT id, patient_id, kind, about, happened, attempts FROM carnet_notification"
				+ " WHERE done_at IS NULL AND next_attempt <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
				+ " ORDER BY next_attempt FETCH FIRST " + max + " ROWS ONLY",
				(row, index) -> new Pending(row.getLong(1), row.getString(2), NotificationKind.valueOf(row.getString(3)),
						row.getString(4), row.getTimestamp(5).toInstant(), row.getInt(6), null, null),
				Timestamp.from(now), Timestamp.from(now));
		String claim = java.util.UUID.randomUUID().toString();
		Instant until = now.plus(lease);
		List<Pending> claimed = new ArrayList<>();
		for (Pending candidate : candidates) {
			int won = jdbc.update("UPDATE carnet_notification SET claimed_until = ?, claimed_by = ? WHERE id = ?"
					+ " AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)",
					Timestamp.from(until), claim, candidate.id(), Timestamp.from(now));
			if (won == 1) {
				claimed.add(new Pending(candidate.id(), candidate.patientId(), candidate.kind(), candidate.about(),
						candidate.happened(), candidate.attempts(), claim, until));
			}
		}
		return claimed;
	}

	/** Delivered, or nothing to deliver (the patient asked for no e-mail, has no address…): done. */
	public void done(Pending notification, String outcome) {
		// An information notice's activation code is kept no longer than it takes to e-mail it; a notice that goes
		// by post keeps it for the letter (printed outside Carnet).
		jdbc.update("UPDATE carnet_notification SET done_at = ?, outcome = ?, attempts = attempts + 1, claimed_until = NULL,"
				+ " about = CASE WHEN kind IN ('SPACE_NOTICE', 'SPACE_INVITATION') AND ? = 'SENT' THEN NULL ELSE about END"
				+ " WHERE id = ? AND claimed_by = ?", Timestamp.from(clock.instant()), outcome, outcome, notification.id(),
				notification.claim());
	}

	/** Whether this node's claim still holds with this much time to spare (else another node may take it). */
	public boolean stillHeld(Pending notification, Duration spare) {
		return clock.instant().plus(spare).isBefore(notification.claimedUntil());
	}

	/** Failed: tried again after {@code retryIn}, unless it was the last attempt. */
	public void failed(Pending notification, String error, Duration retryIn, boolean lastAttempt) {
		String message = error == null ? "unknown error" : error.substring(0, Math.min(error.length(), 1000));
		if (lastAttempt) {
			jdbc.update("UPDATE carnet_notification SET done_at = ?, outcome = 'FAILED', attempts = attempts + 1,"
					+ " last_error = ?, claimed_until = NULL WHERE id = ? AND claimed_by = ?", Timestamp.from(clock.instant()), message,
					notification.id(), notification.claim());
			return;
		}
		jdbc.update("UPDATE carnet_notification SET attempts = attempts + 1, last_error = ?, claimed_until = NULL,"
				+ " next_attempt = ? WHERE id = ? AND claimed_by = ?", message, Timestamp.from(clock.instant().plus(retryIn)),
				notification.id(), notification.claim());
	}
}
