package org.carnetsante.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Where the access log lives: an append-only table ({@code db/audit/schema.sql}) written in batches,
 * one row per {@link AuditRecord} (its searchable columns and the record as JSON), not HAPI's resource
 * tables. One entry per access to patient data means as many rows as reads; HAPI would index some
 * twenty search parameters and the full text of each, costing more than the read it records, and would
 * let clients update or delete them.
 */
public class AuditEventStore {

	/** Which entries of the log a search wants, newest first. */
	public record Query(String patient, Instant from, Instant to, int offset, int count) {}

	private static final ObjectMapper JSON = new ObjectMapper();

	private final JdbcTemplate jdbc;

	public AuditEventStore(DataSource dataSource) {
		DatabasePopulatorUtils.execute(
				new ResourceDatabasePopulator(new ClassPathResource("db/audit/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
	}

	public void insert(List<AuditRecord> records) {
		jdbc.batchUpdate(
				"INSERT INTO carnet_audit_event (id, recorded, patient_id, agent, outcome, access_mode, record)"
						+ " VALUES (?, ?, ?, ?, ?, ?, ?)",
				records, records.size(), (statement, record) -> {
					statement.setString(1, record.id());
					statement.setTimestamp(2, new Timestamp(record.recordedMillis()));
					statement.setString(3, record.patient());
					statement.setString(4, record.who() == null ? null
							: record.who().fhirUser() != null ? record.who().fhirUser() : record.who().organization());
					statement.setString(5, record.outcome());
					statement.setString(6, record.accessMode());
					statement.setString(7, write(record));
				});
	}

	public Optional<AuditRecord> find(String id) {
		return jdbc.queryForList("SELECT record FROM carnet_audit_event WHERE id = ?", String.class, id).stream()
				.findFirst()
				.map(AuditEventStore::read);
	}

	/** The entries a query selects, newest first. */
	public List<AuditRecord> search(Query query) {
		List<Object> arguments = new ArrayList<>();
		String where = where(query, arguments);
		arguments.add(query.count());
		arguments.add(query.offset());
		return jdbc.queryForList("SELECT record FROM carnet_audit_event" + where
						+ " ORDER BY recorded DESC, id DESC LIMIT ? OFFSET ?", String.class, arguments.toArray())
				.stream()
				.map(AuditEventStore::read)
				.toList();
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

	private static String write(AuditRecord record) {
		try {
			return JSON.writeValueAsString(record);
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("Cannot encode an access log entry", e);
		}
	}

	private static AuditRecord read(String json) {
		try {
			return JSON.readValue(json, AuditRecord.class);
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("Cannot decode an access log entry", e);
		}
	}
}
