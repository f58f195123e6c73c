package org.carnetsante.space;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Provisioning runs as the database knows them ({@code carnet_provisioning_run}, keyed by the file's
 * SHA-256): how far each got, its counts and the lines it refused. Any node answers a run's progress.
 */
public class ProvisioningRuns {

	/** A run's state: lines committed and what they did. */
	public record Run(String key, String source, long linesDone, long created, long updated, long unchanged, long rejected,
			Instant started, Instant finished, String failure) {

		public boolean isFinished() {
			return finished != null;
		}
	}

	/** A line refused, and why. */
	public record Rejection(long line, String reason) {}

	private static final int MAX_REASON = 500;
	/** A run without a commit for this long is not being worked on (its node stopped): it may be resumed. */
	private static final java.time.Duration ALIVE = java.time.Duration.ofMinutes(2);

	private final JdbcTemplate jdbc;

	ProvisioningRuns(DataSource dataSource) {
		this.jdbc = new JdbcTemplate(dataSource);
	}

	public Optional<Run> find(String key) {
		return jdbc.query("SELECT run_key, source, lines_done, created, updated, unchanged, rejected, started, finished, failure"
				+ " FROM carnet_provisioning_run WHERE run_key = ?", (row, index) -> new Run(row.getString(1), row.getString(2),
						row.getLong(3), row.getLong(4), row.getLong(5), row.getLong(6), row.getLong(7),
						row.getTimestamp(8).toInstant(), row.getTimestamp(9) == null ? null : row.getTimestamp(9).toInstant(),
						row.getString(10)), key).stream().findFirst();
	}

	/**
	 * The run of this file: an unfinished one resumes where it stopped; a finished one (the same file again)
	 * starts over from its first line, its earlier counts and refusals forgotten.
	 */
	Run begin(String key, String source, Instant now) {
		Optional<Run> earlier = find(key);
		if (earlier.isPresent() && !earlier.get().isFinished()) {
			jdbc.update("UPDATE carnet_provisioning_run SET failure = NULL, heartbeat = ? WHERE run_key = ?", Timestamp.from(now), key);
			return earlier.get();
		}
		if (earlier.isPresent()) {
			jdbc.update("DELETE FROM carnet_provisioning_rejection WHERE run_key = ?", key);
			jdbc.update("DELETE FROM carnet_provisioning_run WHERE run_key = ?", key);
		}
		jdbc.update("INSERT INTO carnet_provisioning_run (run_key, source, started, heartbeat) VALUES (?, ?, ?, ?)", key,
				source.length() > MAX_REASON ? source.substring(0, MAX_REASON) : source, Timestamp.from(now), Timestamp.from(now));
		return find(key).orElseThrow();
	}

	/** Takes the run of this file for the caller (the upload endpoint, before it runs it in the background). */
	String reserve(String key, String source) {
		return begin(key, source, Instant.now()).key();
	}

	/** Whether a node is working on this run now (it committed a batch within the last two minutes). */
	boolean isRunning(Run run) {
		if (run.isFinished() || run.failure() != null) {
			return false;
		}
		Timestamp heartbeat = jdbc.queryForObject("SELECT heartbeat FROM carnet_provisioning_run WHERE run_key = ?", Timestamp.class,
				run.key());
		return heartbeat != null && heartbeat.toInstant().isAfter(Instant.now().minus(ALIVE));
	}

	/** Records a committed batch, in its transaction. */
	void committed(String key, long linesDone, SpaceRegistry.BatchCounts counts, List<Rejection> rejections) {
		if (!rejections.isEmpty()) {
			jdbc.batchUpdate("INSERT INTO carnet_provisioning_rejection (run_key, line, reason) VALUES (?, ?, ?)",
					rejections.stream().map(rejection -> new Object[] {key, rejection.line(), bounded(rejection.reason())}).toList());
		}
		jdbc.update("UPDATE carnet_provisioning_run SET lines_done = ?, created = created + ?, updated = updated + ?,"
				+ " unchanged = unchanged + ?, rejected = rejected + ?, heartbeat = ? WHERE run_key = ?", linesDone, counts.created(),
				counts.updated(), counts.unchanged(), rejections.size(), Timestamp.from(Instant.now()), key);
	}

	void finished(String key, Instant now) {
		jdbc.update("UPDATE carnet_provisioning_run SET finished = ? WHERE run_key = ?", Timestamp.from(now), key);
	}

	void failed(String key, String failure) {
		jdbc.update("UPDATE carnet_provisioning_run SET failure = ? WHERE run_key = ?", bounded(failure), key);
	}

	/** The first {@code max} lines refused, in file order. */
	public List<Rejection> rejections(String key, int max) {
		return jdbc.query("SELECT line, reason FROM carnet_provisioning_rejection WHERE run_key = ? ORDER BY line FETCH FIRST "
				+ max + " ROWS ONLY", (row, index) -> new Rejection(row.getLong(1), row.getString(2)), key);
	}

	private static String bounded(String text) {
		String value = text == null ? "unknown" : text;
		return value.length() > MAX_REASON ? value.substring(0, MAX_REASON) : value;
	}
}
