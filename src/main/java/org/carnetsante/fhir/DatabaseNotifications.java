package org.carnetsante.fhir;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * What keeps a node in step with the other nodes of its cluster between requests: the node's one
 * pooled connection that listens to PostgreSQL's notifications (a node that writes a change notifies in
 * the writing transaction; PostgreSQL delivers once it commits), on the channels of all its
 * {@link Follower}s, and a beat about every second for their periodic work.
 *
 * <p>If that connection fails, the followers hear of it ({@link Follower#notListening()}), the beat
 * goes on, and listening resumes after a pause; each follower then reads again what it may have missed
 * ({@link Follower#listening()}). On the embedded H2 database there is only ever one node: nothing is
 * listened to, only the beat runs.
 */
public class DatabaseNotifications implements SmartLifecycle {

	/** Something a node keeps up to date from one notification channel. */
	public interface Follower {

		/** The channel that the writing node notifies on: a plain SQL identifier. */
		String channel();

		/** Listening starts, or starts again after a failure: what changed until now must be read anew. */
		void listening();

		/** Notifications on the channel since the last call, their payloads in the order sent. */
		void notified(List<String> payloads);

		/** Listening stopped on a failure: notifications sent from now on until {@link #listening()} are lost. */
		default void notListening() {}

		/** About every second, listening or not: periodic work, such as a reload. */
		default void beat() {}
	}

	private static final Logger LOG = LoggerFactory.getLogger(DatabaseNotifications.class);
	/** Longest wait for a notification, hence the beat. */
	private static final Duration BEAT = Duration.ofSeconds(1);
	private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

	private final DataSource dataSource;
	private final Map<String, Follower> followersByChannel = new LinkedHashMap<>();
	private volatile boolean running;
	private Thread listener;

	public DatabaseNotifications(DataSource dataSource, List<? extends Follower> followers) {
		this.dataSource = dataSource;
		for (Follower follower : followers) {
			if (!follower.channel().matches("[a-z_][a-z0-9_]*")) {
				throw new IllegalArgumentException("Not a plain channel name: " + follower.channel());
			}
			if (followersByChannel.putIfAbsent(follower.channel(), follower) != null) {
				throw new IllegalArgumentException("Two followers of channel " + follower.channel());
			}
		}
	}

	private void run() {
		Boolean onPostgres = null;
		while (running) {
			try {
				if (onPostgres == null) {
					onPostgres = onPostgres();
				}
				if (onPostgres && !followersByChannel.isEmpty()) {
					listen();
				} else {
					pause(BEAT);
					beat();
				}
			} catch (SQLException | RuntimeException e) {
				if (running) {
					LOG.warn("Listening for other nodes' changes failed; retrying in {}", RETRY_PAUSE, e);
					followersByChannel.values().forEach(DatabaseNotifications::notListening);
					pause(RETRY_PAUSE);
					beat();
				}
			}
		}
	}

	private boolean onPostgres() throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
		}
	}

	/**
	 * Listens until stopped or the connection fails. Any follower's failure here also ends listening: a
	 * notification it could not act on is lost, which only {@link Follower#listening()} makes good.
	 */
	private void listen() throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String channel : followersByChannel.keySet()) {
				statement.execute("LISTEN " + channel);
			}
			// Listening from now on: anything changed before is in what the followers read now.
			followersByChannel.values().forEach(Follower::listening);
			PGConnection notifications = connection.unwrap(PGConnection.class);
			while (running) {
				PGNotification[] received = notifications.getNotifications((int) BEAT.toMillis());
				if (received != null && received.length > 0) {
					dispatch(received);
				}
				followersByChannel.values().forEach(Follower::beat);
			}
		}
	}

	private void dispatch(PGNotification[] received) {
		Map<String, List<String>> payloadsByChannel = new LinkedHashMap<>();
		for (PGNotification notification : received) {
			payloadsByChannel.computeIfAbsent(notification.getName(), channel -> new ArrayList<>())
					.add(notification.getParameter());
		}
		payloadsByChannel.forEach((channel, payloads) -> {
			Follower follower = followersByChannel.get(channel);
			if (follower != null) {
				follower.notified(payloads);
			}
		});
	}

	/** The beat while not listening: each follower on its own, so that one failing does not stop the others. */
	private void beat() {
		for (Follower follower : followersByChannel.values()) {
			try {
				follower.beat();
			} catch (RuntimeException e) {
				LOG.warn("Periodic work of {} failed; trying again at the next beat", follower.channel(), e);
			}
		}
	}

	private static void notListening(Follower follower) {
		try {
			follower.notListening();
		} catch (RuntimeException e) {
			LOG.warn("Follower of {} failed on losing its notifications", follower.channel(), e);
		}
	}

	private void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			running = false;
		}
	}

	@Override
	public void start() {
		running = true;
		listener = new Thread(this::run, "carnet-database-notifications");
		listener.setDaemon(true);
		listener.start();
	}

	@Override
	public void stop() {
		running = false;
		if (listener != null) {
			listener.interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return running;
	}
}
