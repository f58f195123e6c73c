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

	/**
	 * Counts a login attempt before its password is checked, for the user name and for the address, and
	 * answers its id. Counting first is what bounds a parallel burst: each attempt's count includes every
	 * attempt recorded before it, so at most the maximum get past {@link #isLimited} in a window however
	 * many arrive at once. A successful login is then forgotten ({@link #succeeded}); a failed or refused one
	 * stays counted, so a guesser who keeps trying keeps the door shut.
	 */
	public String begin(String username, String address) {
		String attempt = java.util.UUID.randomUUID().toString();
		Timestamp now = Timestamp.from(clock.instant());
		jdbc.update("INSERT INTO carnet_login_failure (subject, failed_at, attempt) VALUES (?, ?, ?), (?, ?, ?)",
				digest(ACCOUNT + normalized(username)), now, attempt, digest(ADDRESS + address), now, attempt);
		jdbc.update("DELETE FROM carnet_login_failure WHERE failed_at <= ?", Timestamp.from(windowStart()));
		return attempt;
	}

	/**
	 * Whether this user name or this address failed too often lately, counting the attempt just begun: more
	 * than the maximum recorded means the maximum had already been reached. Then no password is checked.
	 */
	public boolean isLimited(String username, String address) {
		Timestamp since = Timestamp.from(windowStart());
		return failuresSince(ACCOUNT + normalized(username), since) > limits.maxFailuresPerAccount()
				|| failuresSince(ADDRESS + address, since) > limits.maxFailuresPerAddress();
	}

	/** The attempt's password was right: it is not a failure. */
	public void succeeded(String attempt) {
		jdbc.update("DELETE FROM carnet_login_failure WHERE attempt = ?", attempt);
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
