package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.carnetsante.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.carnetsante.support.Await;

/**
 * A node's one listening connection, on a throw-away database of the test PostgreSQL server: the
 * notifications of each channel reach the follower of that channel, all channels on one connection;
 * a lost connection is told to every follower, which reads anew once listening resumes.
 */
class DatabaseNotificationsTest {

	private static final Duration DEADLINE = Duration.ofSeconds(10);
	private static String database;
	private static JdbcTemplate sql;

	private final String node = "carnet-notified-" + UUID.randomUUID().toString().substring(0, 8);
	private final RecordingFollower rules = new RecordingFollower("test_rules");
	private final RecordingFollower tokens = new RecordingFollower("test_tokens");
	private DatabaseNotifications notifications;

	/** What a follower was told, in order. */
	private static final class RecordingFollower implements DatabaseNotifications.Follower {
		final String channel;
		final List<String> payloads = new CopyOnWriteArrayList<>();
		final AtomicInteger listening = new AtomicInteger();
		final AtomicInteger notListening = new AtomicInteger();
		final AtomicInteger beats = new AtomicInteger();

		RecordingFollower(String channel) {
			this.channel = channel;
		}

		@Override
		public String channel() {
			return channel;
		}

		@Override
		public void listening() {
			listening.incrementAndGet();
		}

		@Override
		public void notified(List<String> received) {
			payloads.addAll(received);
		}

		@Override
		public void notListening() {
			notListening.incrementAndGet();
		}

		@Override
		public void beat() {
			beats.incrementAndGet();
		}
	}

	@BeforeAll
	static void throwAwayDatabase() {
		database = TestPostgres.newDatabase("notifications");
		sql = new JdbcTemplate(new DriverManagerDataSource(TestPostgres.urlOf(database), TestPostgres.user(), ""));
	}

	@AfterAll
	static void dropDatabase() {
		TestPostgres.drop(database);
	}

	@AfterEach
	void stop() {
		if (notifications != null) {
			notifications.stop();
		}
	}

	@Test
	void eachChannelReachesItsFollowerThroughOneConnection() {
		startListening();

		notify("test_rules", "Patient/1");
		notify("test_tokens", "authorization-a");
		notify("test_rules", "Patient/2");

		Await.until("both followers notified", DEADLINE, () -> rules.payloads.size() == 2 && tokens.payloads.size() == 1);
		assertThat(rules.payloads).containsExactly("Patient/1", "Patient/2");
		assertThat(tokens.payloads).containsExactly("authorization-a");
		assertThat(sql.queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?", Long.class, node))
				.as("sessions of the node").isEqualTo(1);
		Await.until("the beat goes on while listening", DEADLINE, () -> rules.beats.get() >= 2 && tokens.beats.get() >= 2);
	}

	@Test
	void aLostConnectionIsToldToEveryFollowerAndListeningResumes() {
		startListening();

		long terminated = sql.queryForObject(
				"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?", Long.class, node);

		assertThat(terminated).isEqualTo(1);
		Await.until("both followers told", DEADLINE, () -> rules.notListening.get() == 1 && tokens.notListening.get() == 1);
		Await.until("listening again", DEADLINE, () -> rules.listening.get() == 2 && tokens.listening.get() == 2 && listens());
		notify("test_tokens", "authorization-b");
		Await.until("notified after the loss", DEADLINE, () -> tokens.payloads.contains("authorization-b"));
	}

	@Test
	void channelsAreSqlIdentifiersFollowedOnce() {
		assertThatThrownBy(() -> new DatabaseNotifications(sql.getDataSource(), List.of(new RecordingFollower("x; DROP TABLE y"))))
				.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> new DatabaseNotifications(sql.getDataSource(),
				List.of(new RecordingFollower("same"), new RecordingFollower("same"))))
				.isInstanceOf(IllegalArgumentException.class);
	}

	/** Starts the node and returns once both channels are listened to: what is notified next must arrive. */
	private void startListening() {
		String url = TestPostgres.urlOf(database);
		notifications = new DatabaseNotifications(new DriverManagerDataSource(
				url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + node, TestPostgres.user(), ""), List.of(rules, tokens));
		notifications.start();
		Await.until("listening", DEADLINE, () -> rules.listening.get() == 1 && tokens.listening.get() == 1 && listens());
	}

	/** Whether the node's session is waiting for notifications, its LISTENs done. */
	private boolean listens() {
		return sql.queryForObject("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND state = 'idle'"
				+ " AND query = 'LISTEN test_tokens'", Long.class, node) == 1;
	}

	private static void notify(String channel, String payload) {
		sql.queryForList("SELECT pg_notify(?, ?)", channel, payload);
	}
}
