package org.carnetsante.fhir;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Runs a one-off data migration once for the whole cluster, whichever nodes start at the same moment:
 * the node that records the migration's start in {@code carnet_migration} runs it; the others skip it.
 * A migration whose node died half-way (started long ago, never finished) is taken over by the next node
 * to start; migrations are written to be run again safely.
 */
public class OncePerCluster {

	private static final Logger LOG = LoggerFactory.getLogger(OncePerCluster.class);

	private final JdbcTemplate jdbc;
	private final Clock clock;
	private final Duration takeOverAfter;

	public OncePerCluster(DataSource dataSource, Clock clock, Duration takeOverAfter) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/fhir/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
		this.takeOverAfter = takeOverAfter;
	}

	/** Runs the migration unless it is done or another node runs it; true if this node ran it. */
	public boolean run(String name, Runnable migration) {
		if (!claim(name)) {
			return false;
		}
		LOG.info("Running the one-off migration {}", name);
		migration.run();
		jdbc.update("UPDATE carnet_migration SET finished_at = ? WHERE name = ?", Timestamp.from(clock.instant()), name);
		return true;
	}

	private boolean claim(String name) {
		Instant now = clock.instant();
		try {
			jdbc.update("INSERT INTO carnet_migration (name, started_at) VALUES (?, ?)", name, Timestamp.from(now));
			return true;
		} catch (DuplicateKeyException started) {
			List<Timestamp> abandoned = jdbc.queryForList("SELECT started_at FROM carnet_migration WHERE name = ?"
					+ " AND finished_at IS NULL AND started_at < ?", Timestamp.class, name, Timestamp.from(now.minus(takeOverAfter)));
			// Taken over only if no other node took it over in the meantime (the update compares the start).
			return !abandoned.isEmpty() && jdbc.update("UPDATE carnet_migration SET started_at = ? WHERE name = ? AND started_at = ?",
					Timestamp.from(now), name, abandoned.get(0)) == 1;
		}
	}
}
