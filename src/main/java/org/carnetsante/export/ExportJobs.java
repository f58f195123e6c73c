package org.carnetsante.export;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The exports' state in the database ({@code db/export/schema.sql}): what any node needs to answer a
 * client about an export, to run it, or to take it over from a node that died. A node owns a running
 * export while its heartbeat is fresh; every write of a running export names the node, so a node that
 * lost its export (taken over, cancelled) learns it at its next write and stops.
 */
public class ExportJobs {

	public enum State {
		QUEUED,
		RUNNING,
		COMPLETED,
		FAILED
	}

	/** One export as stored. */
	public record Job(
			String id, String clientId, String subject, String caller, String request, String requestUrl, State state,
			Instant createdAt, String node, Instant heartbeatAt, int attempts, int spacesTotal, int spacesDone,
			long resourcesWritten, Instant transactionTime, Instant finishedAt, Instant expiresAt, String failure) {}

	/** One file of a finished export. */
	public record ExportFile(int number, String kind, String resourceType, long resources, long bytes) {}

	private static final String COLUMNS = "id, client_id, subject, caller, request, request_url, state, created_at, node,"
			+ " heartbeat_at, attempts, spaces_total, spaces_done, resources_written, transaction_time, finished_at,"
			+ " expires_at, failure";

	private final JdbcTemplate jdbc;

	public ExportJobs(DataSource dataSource) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/export/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
	}

	public void create(String id, String clientId, String subject, String caller, String request, String requestUrl,
			Instant now) {
		jdbc.update("INSERT INTO carnet_export_job (id, client_id, subject, caller, request, request_url, state, created_at)"
				+ " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, clientId, subject, caller, request, requestUrl, State.QUEUED.name(),
				Timestamp.from(now));
	}

	/** Exports of this client that are queued or running. */
	public int activeOf(String clientId) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_export_job WHERE client_id = ? AND state IN (?, ?)",
				Integer.class, clientId, State.QUEUED.name(), State.RUNNING.name());
	}

	public Optional<Job> find(String id) {
		return jdbc.query("SELECT " + COLUMNS + " FROM carnet_export_job WHERE id = ?", JOB, id).stream().findFirst();
	}

	/**
	 * Takes the oldest export waiting for a node: queued, or running on a node silent since
	 * {@code silentSince}. The claim is a compare-and-set on the state and heartbeat read, so two nodes
	 * never both win it.
	 */
	public Optional<Job> claim(String node, Instant now, Instant silentSince) {
		List<Job> candidates = jdbc.query("SELECT " + COLUMNS + " FROM carnet_export_job WHERE state = ?"
						+ " OR (state = ? AND heartbeat_at < ?) ORDER BY created_at LIMIT 5", JOB,
				State.QUEUED.name(), State.RUNNING.name(), Timestamp.from(silentSince));
		for (Job candidate : candidates) {
			int won = candidate.heartbeatAt() == null
					? jdbc.update("UPDATE carnet_export_job SET state = ?, node = ?, heartbeat_at = ?, attempts = attempts + 1"
							+ " WHERE id = ? AND state = ? AND heartbeat_at IS NULL", State.RUNNING.name(), node,
							Timestamp.from(now), candidate.id(), candidate.state().name())
					: jdbc.update("UPDATE carnet_export_job SET state = ?, node = ?, heartbeat_at = ?, attempts = attempts + 1"
							+ " WHERE id = ? AND state = ? AND heartbeat_at = ?", State.RUNNING.name(), node,
							Timestamp.from(now), candidate.id(), candidate.state().name(), Timestamp.from(candidate.heartbeatAt()));
			if (won == 1) {
				return find(candidate.id());
			}
		}
		return Optional.empty();
	}

	/** Says the node is still at it, with its progress; false if the export is no longer this node's. */
	public boolean progress(String id, String node, Instant now, int spacesTotal, int spacesDone, long written) {
		return jdbc.update("UPDATE carnet_export_job SET heartbeat_at = ?, spaces_total = ?, spaces_done = ?,"
				+ " resources_written = ? WHERE id = ? AND node = ? AND state = ?", Timestamp.from(now), spacesTotal,
				spacesDone, written, id, node, State.RUNNING.name()) == 1;
	}

	public boolean complete(String id, String node, Instant transactionTime, Instant now, Instant expires, long written) {
		return jdbc.update("UPDATE carnet_export_job SET state = ?, transaction_time = ?, finished_at = ?, expires_at = ?,"
				+ " resources_written = ?, spaces_done = spaces_total WHERE id = ? AND node = ? AND state = ?",
				State.COMPLETED.name(), Timestamp.from(transactionTime), Timestamp.from(now), Timestamp.from(expires), written,
				id, node, State.RUNNING.name()) == 1;
	}

	/** Fails an export this node runs (not one another node took over meanwhile). */
	public void fail(String id, String node, String reason, Instant now, Instant expires) {
		jdbc.update("UPDATE carnet_export_job SET state = ?, failure = ?, finished_at = ?, expires_at = ? WHERE id = ?"
				+ " AND node = ? AND state = ?", State.FAILED.name(), reason.length() > 2000 ? reason.substring(0, 2000) : reason,
				Timestamp.from(now), Timestamp.from(expires), id, node, State.RUNNING.name());
	}

	/** Removes an export and its files (cancelled, or expired); true if it was there. */
	public boolean delete(String id) {
		boolean existed = jdbc.update("DELETE FROM carnet_export_job WHERE id = ?", id) == 1;
		deleteFiles(id);
		return existed;
	}

	public void deleteFiles(String id) {
		jdbc.update("DELETE FROM carnet_export_chunk WHERE job_id = ?", id);
		jdbc.update("DELETE FROM carnet_export_file WHERE job_id = ?", id);
	}

	/** Exports past their expiry, and files left by exports that no longer exist (cancelled while running). */
	public List<String> expired(Instant now) {
		return jdbc.queryForList("SELECT id FROM carnet_export_job WHERE expires_at < ? UNION"
				+ " SELECT DISTINCT f.job_id FROM carnet_export_file f WHERE NOT EXISTS"
				+ " (SELECT 1 FROM carnet_export_job j WHERE j.id = f.job_id)", String.class, Timestamp.from(now));
	}

	public void addChunk(String id, int file, int chunk, byte[] content) {
		jdbc.update("INSERT INTO carnet_export_chunk (job_id, file_no, chunk_no, content) VALUES (?, ?, ?, ?)",
				id, file, chunk, content);
	}

	public void addFile(String id, ExportFile file) {
		jdbc.update("INSERT INTO carnet_export_file (job_id, file_no, kind, resource_type, resource_count, byte_count)"
				+ " VALUES (?, ?, ?, ?, ?, ?)", id, file.number(), file.kind(), file.resourceType(), file.resources(), file.bytes());
	}

	public List<ExportFile> files(String id) {
		return jdbc.query("SELECT file_no, kind, resource_type, resource_count, byte_count FROM carnet_export_file"
				+ " WHERE job_id = ? ORDER BY file_no", (row, n) -> new ExportFile(row.getInt(1), row.getString(2),
				row.getString(3), row.getLong(4), row.getLong(5)), id);
	}

	/** Writes a file's bytes, one chunk in memory at a time. */
	public void copyFile(String id, int file, OutputStream out) throws IOException {
		List<Integer> chunks = jdbc.queryForList("SELECT chunk_no FROM carnet_export_chunk WHERE job_id = ? AND file_no = ?"
				+ " ORDER BY chunk_no", Integer.class, id, file);
		for (int chunk : chunks) {
			byte[] content = jdbc.queryForObject("SELECT content FROM carnet_export_chunk WHERE job_id = ? AND file_no = ?"
					+ " AND chunk_no = ?", byte[].class, id, file, chunk);
			out.write(content);
		}
	}

	private static final RowMapper<Job> JOB = (ResultSet row, int n) -> new Job(row.getString("id"),
			row.getString("client_id"), row.getString("subject"), row.getString("caller"), row.getString("request"),
			row.getString("request_url"), State.valueOf(row.getString("state")), instant(row, "created_at"),
			row.getString("node"), instant(row, "heartbeat_at"), row.getInt("attempts"), row.getInt("spaces_total"),
			row.getInt("spaces_done"), row.getLong("resources_written"), instant(row, "transaction_time"),
			instant(row, "finished_at"), instant(row, "expires_at"), row.getString("failure"));

	private static Instant instant(ResultSet row, String column) throws SQLException {
		Timestamp value = row.getTimestamp(column);
		return value == null ? null : value.toInstant();
	}
}
