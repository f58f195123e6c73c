package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.carnetsante.fhir.DatabaseNotifications;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import org.carnetsante.support.Await;

/**
 * Two nodes of a cluster on one PostgreSQL database (the test run's), each with its own connections, its
 * own cache of space rules and its own listener of PostgreSQL notifications, as two servers would have: a
 * change written on one node evicts the space from the other's cache as soon as the writing transaction
 * commits (docs/access.md "Known limits": a block takes effect on every node within milliseconds), where
 * the cache's lifetime alone (10 minutes here) would leave the other node on the old rules.
 */
class SpaceRulesAcrossNodesTest extends CarnetServerTest {

	private static final Duration LIFETIME = Duration.ofMinutes(10);
	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private final Node writer = new Node(true);
	private final Node reader = new Node(true);
	/** A node that does not listen: what the reader would be without the notifications. */
	private final Node deaf = new Node(false);

	/** One node: its connections, its cache, its store and, if it listens, its listener. */
	private static final class Node {

		/** Its sessions' application name, by which the test tells them from the shared server's. */
		final String name = "carnet-test-node-" + UUID.randomUUID().toString().substring(0, 8);
		final DataSource database;
		final SpaceRulesCache cache = new SpaceRulesCache(1000, LIFETIME);
		final SpaceRulesStore store;
		final DatabaseNotifications listener;

		Node(boolean listens) {
			String url = TestPostgres.jdbcUrl();
			database = new DriverManagerDataSource(url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + name,
					TestPostgres.user(), "");
			store = new SpaceRulesStore(database, cache);
			listener = listens ? new DatabaseNotifications(database, List.of(new SpaceRulesChanges(cache))) : null;
		}
	}

	@BeforeEach
	void nodesListening() {
		long listeningBefore = listeners();
		writer.listener.start();
		reader.listener.start();
		// A notification sent before a node's LISTEN took effect would never reach it.
		Await.until("both nodes listen", DEADLINE, () -> listeners() >= listeningBefore + 2);
	}

	@AfterEach
	void nodesStopped() {
		writer.listener.stop();
		reader.listener.stop();
	}

	@Test
	void aBlockWrittenOnOneNodeEvictsTheSpaceFromTheOtherNodesCache() {
		String patient = "across-" + UUID.randomUUID();
		String gp = "ps:810000000001";
		Set<String> gpKeys = Set.of(gp);
		AccessRule careTeam = new AccessRule(AccessRule.Origin.CARE_TEAM, AccessRule.Effect.PERMIT, gpKeys, null, null, null,
				null, null);
		AccessRule block = new AccessRule(AccessRule.Origin.CONSENT, AccessRule.Effect.DENY, gpKeys, null, null, null, null, null);
		inATransactionOf(writer, () -> writer.store.replace(derived("CareTeam/" + patient, patient, careTeam)));
		// Both other nodes read the space once: from now on they answer from their caches.
		assertThat(rulesOn(reader, patient).permits(gpKeys, null, Instant.now())).isTrue();
		assertThat(rulesOn(deaf, patient).permits(gpKeys, null, Instant.now())).isTrue();

		inATransactionOf(writer, () -> writer.store.replace(derived("Consent/" + patient, patient, block)));

		Await.until("the reader node sees the block", DEADLINE, () -> rulesOn(reader, patient).blocks(gpKeys, null, Instant.now()));
		assertThat(rulesOn(deaf, patient).blocks(gpKeys, null, Instant.now()))
				.as("a node without the notification still answers from its cache: the eviction came from the NOTIFY")
				.isFalse();
	}

	@Test
	void aNodeThatLosesItsListeningConnectionForgetsEveryCachedSpace() {
		String patient = "lost-" + UUID.randomUUID();
		Set<String> gpKeys = Set.of("ps:810000000002");
		AccessRule block = new AccessRule(AccessRule.Origin.CONSENT, AccessRule.Effect.DENY, gpKeys, null, null, null, null, null);
		assertThat(rulesOn(reader, patient).blocks(gpKeys, null, Instant.now())).isFalse();
		// A block that reaches the database without a notification (as one lost would): written for another
		// space, then moved to this one by plain SQL.
		String source = "Consent/" + patient;
		inATransactionOf(writer, () -> writer.store.replace(derived(source, "elsewhere-" + patient, block)));
		jdbc.update("UPDATE carnet_space_rule SET patient_id = ? WHERE source = ?", patient, source);
		assertThat(rulesOn(reader, patient).blocks(gpKeys, null, Instant.now())).as("still the cached rules").isFalse();

		long terminated = jdbc.queryForObject("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
				+ " WHERE application_name = ? AND query = 'LISTEN " + SpaceRulesChanges.CHANNEL + "'", Long.class, reader.name);

		assertThat(terminated).isEqualTo(1);
		Await.until("the reader node forgets what it cached", DEADLINE, () -> rulesOn(reader, patient).blocks(gpKeys, null, Instant.now()));
	}

	private static SpaceRules rulesOn(Node node, String patient) {
		return node.store.rulesOf(List.of(patient)).get(patient);
	}

	private static SpaceRuleSources.Derived derived(String source, String patient, AccessRule rule) {
		return new SpaceRuleSources.Derived(source, patient, false, List.of(rule));
	}

	/** As HAPI's transaction writes the rules of a resource: the NOTIFY is delivered when it commits. */
	private static void inATransactionOf(Node node, Runnable work) {
		new TransactionTemplate(new DataSourceTransactionManager(node.database)).executeWithoutResult(status -> work.run());
	}

	/**
	 * Sessions of this database whose last statement was the LISTEN for space rule changes: the test
	 * nodes' (which follow nothing else), perhaps the shared server's.
	 */
	private long listeners() {
		return jdbc.queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
				+ " AND query = 'LISTEN " + SpaceRulesChanges.CHANNEL + "'", Long.class);
	}
}
