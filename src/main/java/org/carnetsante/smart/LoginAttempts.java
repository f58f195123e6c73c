package org.carnetsante.smart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Failed logins, counted per user name and per client address over a sliding window, so that password
 * guessing is slowed down whichever it spreads over (OWASP Authentication Cheat Sheet, "Protect against
 * automated attacks"; ANSSI's recommendations on passwords, R5). The counts live in the database
 * ({@code carnet_login_failure}), never in one node's memory: every node of a cluster sees the same.
 *
 * <p>A user name that no account has is counted exactly as an existing one, so the answers never tell
 * whether an account exists. Names and addresses are stored as SHA-256 digests: a user name field
 * sometimes receives a password typed in the wrong box, which the database must not keep.
 */
public class LoginAttempts {

	private static final String ACCOUNT = "account:";
	private static final String ADDRESS = "address:";

	private final JdbcTemplate jdbc;
	private final Clock clock;
	private final LoginProperties limits;

	public LoginAttempts(JdbcTemplate jdbc, Clock clock, LoginProperties limits) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.limits = limits;
	}

	/** Whether this user name or this address has failed too often lately: then no password is checked. */
	public boolean isLimited(String username, String address) {
		Timestamp since = Timestamp.from(windowStart());
		return failuresSince(ACCOUNT + normalized(username), since) >= limits.maxFailuresPerAccount()
				|| failuresSince(ADDRESS + address, since) >= limits.maxFailuresPerAddress();
	}

	/** Records one failed login for the user name and for the address; forgets failures past the window. */
	public void failed(String username, String address) {
		Timestamp now = Timestamp.from(clock.instant());
		jdbc.update("INSERT INTO carnet_login_failure (subject, failed_at) VALUES (?, ?), (?, ?)",
				digest(ACCOUNT + normalized(username)), now, digest(ADDRESS + address), now);
		jdbc.update("DELETE FROM carnet_login_failure WHERE failed_at <= ?", Timestamp.from(windowStart()));
	}

	private int failuresSince(String subject, Timestamp since) {
		Integer count = jdbc.queryForObject(
				"SELECT COUNT(*) FROM carnet_login_failure WHERE subject = ? AND failed_at > ?", Integer.class,
				digest(subject), since);
		return count == null ? 0 : count;
	}

	private Instant windowStart() {
		return clock.instant().minus(limits.window());
	}

	/** "Marie.Dupont " and "marie.dupont" are the same target for a guesser: one count. */
	private static String normalized(String username) {
		return username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
	}

	private static String digest(String subject) {
		try {
			return HexFormat.of().formatHex(
					MessageDigest.getInstance("SHA-256").digest(subject.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
		}
	}
}
