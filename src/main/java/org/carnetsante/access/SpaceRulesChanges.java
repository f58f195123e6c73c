package org.carnetsante.access;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Tells this node when another node changed a space's rules: it listens on PostgreSQL's
 * {@value #CHANNEL} channel, on which {@link SpaceRulesStore} notifies, in the writing transaction,
 * the spaces it changed (PostgreSQL delivers a notification only once that transaction commits). Each
 * notification evicts the space from {@link SpaceRulesCache}. Should the connection fail, every space
 * is evicted (a notification may have been missed) and listening resumes.
 *
 * <p>On the embedded H2 database there is only ever one node: nothing to listen to.
 */
public class SpaceRulesChanges implements SmartLifecycle {

	public static final String CHANNEL = "carnet_space_rules";
	private static final Logger LOG = LoggerFactory.getLogger(SpaceRulesChanges.class);
	private static final Duration WAIT = Duration.ofSeconds(1);
	private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

	private final DataSource dataSource;
	private final SpaceRulesCache cache;
	private volatile boolean running;
	private Thread listener;

	public SpaceRulesChanges(DataSource dataSource, SpaceRulesCache cache) {
		this.dataSource = dataSource;
		this.cache = cache;
	}

	private void listen() {
		while (running) {
			try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
				statement.execute("LISTEN " + CHANNEL);
				PGConnection notifications = connection.unwrap(PGConnection.class);
				while (running) {
					PGNotification[] received = notifications.getNotifications((int) WAIT.toMillis());
					if (received != null) {
						for (PGNotification notification : received) {
							cache.evict(notification.getParameter());
						}
					}
				}
			} catch (SQLException | RuntimeException e) {
				cache.evictAll();
				if (running) {
					LOG.warn("Listening for space rule changes failed; every cached space evicted, retrying in {}", RETRY_PAUSE, e);
					pause();
				}
			}
		}
	}

	private void pause() {
		try {
			Thread.sleep(RETRY_PAUSE.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			running = false;
		}
	}

	@Override
	public void start() {
		running = true;
		listener = new Thread(this::listen, "carnet-space-rules-changes");
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
