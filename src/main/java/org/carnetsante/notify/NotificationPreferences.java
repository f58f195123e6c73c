package org.carnetsante.notify;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What each patient wants to be told, per kind of event and channel; a patient who said nothing gets the
 * configured default. Stored in {@code carnet_notification_preference} (created with the outbox).
 */
public class NotificationPreferences {

	public static final String EMAIL = "email";

	private final JdbcTemplate jdbc;
	private final boolean emailByDefault;

	public NotificationPreferences(DataSource dataSource, boolean emailByDefault) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.emailByDefault = emailByDefault;
	}

	public boolean wantsEmail(String patientId, NotificationKind kind) {
		List<Boolean> stored = jdbc.queryForList("SELECT enabled FROM carnet_notification_preference"
				+ " WHERE patient_id = ? AND kind = ? AND channel = ?", Boolean.class, patientId, kind.name(), EMAIL);
		return stored.isEmpty() ? emailByDefault : stored.get(0);
	}

	/** Every kind's e-mail preference of a patient, defaults included. */
	public Map<NotificationKind, Boolean> emailPreferences(String patientId) {
		Map<NotificationKind, Boolean> preferences = new EnumMap<>(NotificationKind.class);
		for (NotificationKind kind : NotificationKind.values()) {
			preferences.put(kind, wantsEmail(patientId, kind));
		}
		return preferences;
	}

	public void setEmail(String patientId, NotificationKind kind, boolean enabled) {
		String update = "UPDATE carnet_notification_preference SET enabled = ? WHERE patient_id = ? AND kind = ? AND channel = ?";
		if (jdbc.update(update, enabled, patientId, kind.name(), EMAIL) == 0) {
			try {
				jdbc.update("INSERT INTO carnet_notification_preference (patient_id, kind, channel, enabled) VALUES (?, ?, ?, ?)",
						patientId, kind.name(), EMAIL, enabled);
			} catch (org.springframework.dao.DuplicateKeyException raced) {
				jdbc.update(update, enabled, patientId, kind.name(), EMAIL); // set at the same moment: the last one wins
			}
		}
	}
}
