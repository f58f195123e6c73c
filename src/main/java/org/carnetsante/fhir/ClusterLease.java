package org.carnetsante.fhir;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * A job that must run on one node of the cluster at a time (design.md: every scheduled job runs once per
 * cluster; HAPI's open-source scheduler runs its "clustered" jobs on every node). Each node's timer asks
 * {@link #acquire()} before a pass: the node whose name is in the job's row of {@code carnet_cluster_lease}
 * with an end in the future holds it and renews it on each pass; once a holder stops renewing (it died, it
 * stopped), the lease runs out and the next node to ask takes it. Conditional updates on one row: portable,
 * and two nodes never both win. Times are the database's (one clock for every node, whatever their own
 * clocks say); how long this node may still work is counted on its monotonic clock from the moment it asked.
 */
public class ClusterLease {

	private final JdbcTemplate jdbc;
	private final String job;
	private final Duration length;
	private final String holder = UUID.randomUUID().toString();
	/** {@link System#nanoTime()} until which this node holds the lease (0: not held). */
	private volatile long heldUntilNanos;

	public ClusterLease(DataSource dataSource, String job, Duration length) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/fhir/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.job = job;
		this.length = length;
	}

	/** Takes or renews the lease; true if this node now holds it for {@code length}. */
	public boolean acquire() {
		long asked = System.nanoTime();
		Instant now = jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", Timestamp.class).toInstant();
		Instant until = now.plus(length);
		int renewedOrTaken = jdbc.update("UPDATE carnet_cluster_lease SET holder = ?, held_until = ? WHERE name = ?"
				+ " AND (holder = ? OR held_until < ?)", holder, Timestamp.from(until), job, holder, Timestamp.from(now));
		if (renewedOrTaken == 0) {
			try {
				jdbc.update("INSERT INTO carnet_cluster_lease (name, holder, held_until) VALUES (?, ?, ?)", job, holder,
						Timestamp.from(until));
			} catch (DuplicateKeyException heldByAnotherNode) {
				return false;
			}
		}
		heldUntilNanos = asked + length.toNanos();
		return true;
	}

	/** Whether this node still holds the lease with {@code spare} to go: work that outlasts it is left to the next holder. */
	public boolean holdsFor(Duration spare) {
		long until = heldUntilNanos;
		return until != 0 && System.nanoTime() + spare.toNanos() - until < 0;
	}

	/** Lets another node take the job at once (a clean stop). */
	public void release() {
		heldUntilNanos = 0;
		jdbc.update("UPDATE carnet_cluster_lease SET held_until = CURRENT_TIMESTAMP WHERE name = ? AND holder = ?", job, holder);
	}
}
