package org.carnetsante.smart;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps this node's copy of {@link RevokedAccessTokens} up to date: on PostgreSQL it listens on
 * {@value RevokedAccessTokens#CHANNEL}, on which the node that revokes notifies, and reloads at each
 * notification; on every database it also reloads (and purges expired rows) every
 * {@code carnet.smart.revocation.reload-interval}, so that a notification lost while the listening
 * connection was down only delays a revocation. After a failure of that connection it reloads at once
 * and listens again.
 */
public class RevokedAccessTokenChanges implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(RevokedAccessTokenChanges.class);
	/** Longest wait for a notification before looking at the clock again. */
	private static final Duration WAIT = Duration.ofSeconds(1);
	private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

	private final DataSource dataSource;
	private final RevokedAccessTokens tokens;
	private final Duration reloadInterval;
	private volatile boolean running;
	private Thread listener;
	private Instant nextReload = Instant.MIN;

	public RevokedAccessTokenChanges(DataSource dataSource, RevokedAccessTokens tokens, Duration reloadInterval) {
		this.dataSource = dataSource;
		this.tokens = tokens;
		this.reloadInterval = reloadInterval;
	}

	private void run() {
		while (running) {
			try {
				if (tokens.notifiesOtherNodes()) {
					listen();
				} else {
					pause(reloadInterval);
					reloadIfDue();
				}
			} catch (SQLException | RuntimeException e) {
				if (running) {
					LOG.warn("Following revoked access tokens failed; reloading them, retrying in {}", RETRY_PAUSE, e);
					pause(RETRY_PAUSE);
					nextReload = Instant.MIN;
				}
			}
		}
	}

	private void listen() throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("LISTEN " + RevokedAccessTokens.CHANNEL);
			// Listening from now on: anything revoked before is in this reload.
			tokens.reload();
			nextReload = Instant.now().plus(reloadInterval);
			PGConnection notifications = connection.unwrap(PGConnection.class);
			while (running) {
				PGNotification[] received = notifications.getNotifications((int) WAIT.toMillis());
				if (received != null && received.length > 0) {
					tokens.reload();
				}
				reloadIfDue();
			}
		}
	}

	private void reloadIfDue() {
		if (!Instant.now().isBefore(nextReload)) {
			tokens.reload();
			tokens.purgeExpired();
			nextReload = Instant.now().plus(reloadInterval);
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
		listener = new Thread(this::run, "carnet-revoked-access-tokens");
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
