package org.carnetsante.audit;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Where AuditEvents live: an append-only table ({@code db/audit/schema.sql}) written in batches, not
 * HAPI's resource tables. One access log entry per access to patient data means as many rows as reads;
 * HAPI would index some twenty search parameters and the full text of each, costing more than the read
 * it records (bench/README.md), and would let clients update or delete them.
 */
public class AuditEventStore {

	/** One row to write: the searchable columns and the AuditEvent itself (JSON). */
	public record Row(
			String id, Instant recorded, String patient, String agent, String action, String outcome, String accessMode,
			String json) {}

	/** Which entries of the log a search wants, newest first. */
	public record Query(String patient, Instant from, Instant to, int offset, int count) {}

	private final JdbcTemplate jdbc;

	public AuditEventStore(DataSource dataSource) {
		DatabasePopulatorUtils.execute(
				new ResourceDatabasePopulator(new ClassPathResource("db/audit/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
	}

	public void insert(List<Row> rows) {
		jdbc.batchUpdate(
				"INSERT INTO carnet_audit_event (id, recorded, patient_id, agent, action, outcome, access_mode, event)"
						+ " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				rows, rows.size(), (statement, row) -> {
					statement.setString(1, row.id());
					statement.setTimestamp(2, Timestamp.from(row.recorded()));
					statement.setString(3, row.patient());
					statement.setString(4, row.agent());
					statement.setString(5, row.action());
					statement.setString(6, row.outcome());
					statement.setString(7, row.accessMode());
					statement.setString(8, row.json());
				});
	}

	public Optional<String> find(String id) {
		return jdbc.queryForList("SELECT event FROM carnet_audit_event WHERE id = ?", String.class, id).stream().findFirst();
	}

	/** The AuditEvents (JSON) a query selects, newest first. */
	public List<String> search(Query query) {
		List<Object> arguments = new ArrayList<>();
		String where = where(query, arguments);
		arguments.add(query.count());
		arguments.add(query.offset());
		return jdbc.queryForList("SELECT event FROM carnet_audit_event" + where
				+ " ORDER BY recorded DESC, id DESC LIMIT ? OFFSET ?", String.class, arguments.toArray());
	}

	public int count(Query query) {
		List<Object> arguments = new ArrayList<>();
		String where = where(query, arguments);
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event" + where, Integer.class, arguments.toArray());
	}

	private static String where(Query query, List<Object> arguments) {
		List<String> conditions = new ArrayList<>();
		if (query.patient() != null) {
			conditions.add("patient_id = ?");
			arguments.add(query.patient());
		}
		if (query.from() != null) {
			conditions.add("recorded >= ?");
			arguments.add(Timestamp.from(query.from()));
		}
		if (query.to() != null) {
			conditions.add("recorded <= ?");
			arguments.add(Timestamp.from(query.to()));
		}
		return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
	}
}
