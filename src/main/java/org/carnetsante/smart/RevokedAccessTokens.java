package org.carnetsante.smart;

import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The access tokens of the embedded authorization server that no longer stand although they have not
 * expired: revoked ({@code /oauth2/revoke}, RFC 7009), or derived from an authorization code that was
 * used twice (RFC 6749 §4.1.2). Access tokens are self-contained JWTs, so {@code /fhir} cannot ask the
 * authorization table about each one (its token column is neither small nor indexed): it asks this
 * node's copy of their ids ({@code jti}) instead, a set that holds only tokens revoked and not yet
 * expired.
 *
 * <p>The database is the truth ({@code carnet_revoked_access_token}, shared by every node). The node
 * that revokes reloads its copy before answering, and announces the change on PostgreSQL's
 * {@value #CHANNEL} channel; the others reload on that notification and, in any case, every
 * {@code carnet.smart.revocation.reload-interval} ({@link RevokedAccessTokenChanges}), so a lost
 * notification delays a revocation on another node but never cancels it.
 *
 * <p>To revoke every access token of an authorization (a refresh token revoked, a code replayed, when
 * several tokens were refreshed from it), the ids of the tokens issued are kept with their
 * authorization until they expire ({@code carnet_issued_access_token}).
 */
public class RevokedAccessTokens {

	public static final String CHANNEL = "carnet_revoked_tokens";
	private static final Logger LOG = LoggerFactory.getLogger(RevokedAccessTokens.class);

	private final JdbcTemplate jdbc;
	private final Clock clock;
	/** A token is accepted until {@code exp} plus this tolerance: its revocation is kept as long. */
	private final Duration clockSkew;
	/** PostgreSQL tells other nodes (NOTIFY); the embedded H2 database has no other node. */
	private final boolean notifiesOtherNodes;
	private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
	/** This node's copy: token id → expiry. Replaced whole on each reload, never changed in place. */
	private volatile Map<String, Instant> revoked = Map.of();

	public RevokedAccessTokens(JdbcTemplate jdbc, Clock clock, Duration clockSkew) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.clockSkew = clockSkew;
		this.notifiesOtherNodes = Boolean.TRUE.equals(jdbc.execute((Connection connection) ->
				"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())));
		reload();
	}

	/** Whether this access token id was revoked (as this node last read it). */
	public boolean isRevoked(String tokenId) {
		return tokenId != null && revoked.containsKey(tokenId);
	}

	/** Calls {@code listener} with the ids newly revoked each time this node learns of some. */
	public void onRevoked(Consumer<Set<String>> listener) {
		listeners.add(listener);
	}

	/** Remembers which authorization an access token was issued from, until it expires. */
	void issued(String authorizationId, String tokenId, Instant expiresAt) {
		Integer known = jdbc.queryForObject(
				"SELECT COUNT(*) FROM carnet_issued_access_token WHERE jti = ?", Integer.class, tokenId);
		if (known != null && known == 0) {
			try {
				jdbc.update("INSERT INTO carnet_issued_access_token (jti, authorization_id, expires_at) VALUES (?, ?, ?)",
						tokenId, authorizationId, Timestamp.from(expiresAt));
			} catch (DuplicateKeyException e) {
				// saved twice at once: recorded by the other save
			}
		}
	}

	/**
	 * Revokes one access token, and with {@code wholeAuthorization} every other one issued from the same
	 * authorization and not yet expired; then reloads this node's copy and tells the other nodes.
	 */
	void revoke(String authorizationId, String tokenId, Instant expiresAt, boolean wholeAuthorization) {
		Map<String, Instant> tokens = new HashMap<>();
		if (tokenId != null && expiresAt != null) {
			tokens.put(tokenId, expiresAt);
		}
		if (wholeAuthorization) {
			jdbc.query("SELECT jti, expires_at FROM carnet_issued_access_token WHERE authorization_id = ? AND expires_at > ?",
					row -> {
						tokens.put(row.getString(1), row.getTimestamp(2).toInstant());
					},
					authorizationId, Timestamp.from(oldestStanding()));
		}
		Set<String> already = revoked.keySet();
		int added = 0;
		for (Map.Entry<String, Instant> token : tokens.entrySet()) {
			if (!already.contains(token.getKey())) {
				try {
					added += jdbc.update("INSERT INTO carnet_revoked_access_token (jti, expires_at) VALUES (?, ?)",
							token.getKey(), Timestamp.from(token.getValue()));
				} catch (DuplicateKeyException e) {
					// revoked meanwhile, by another request or node
				}
			}
		}
		if (added > 0) {
			LOG.info("Revoked {} access token(s) of authorization {}", added, authorizationId);
			if (notifiesOtherNodes) {
				jdbc.queryForList("SELECT pg_notify(?, ?)", CHANNEL, authorizationId);
			}
		}
		if (!tokens.isEmpty()) {
			reload(); // also when another node revoked them first and this copy has not seen it yet
		}
	}

	/**
	 * Reads the revoked ids again from the database and tells the listeners which are new. Serialized, so
	 * that a read started before a revocation never replaces one that includes it.
	 */
	public synchronized void reload() {
		Map<String, Instant> read = new HashMap<>();
		jdbc.query("SELECT jti, expires_at FROM carnet_revoked_access_token WHERE expires_at > ?",
				row -> {
					read.put(row.getString(1), row.getTimestamp(2).toInstant());
				},
				Timestamp.from(oldestStanding()));
		Set<String> added = new HashSet<>(read.keySet());
		added.removeAll(revoked.keySet());
		revoked = Map.copyOf(read);
		if (!added.isEmpty()) {
			Set<String> news = Set.copyOf(added);
			for (Consumer<Set<String>> listener : listeners) {
				try {
					listener.accept(news);
				} catch (RuntimeException e) {
					LOG.warn("A listener of revoked access tokens failed", e);
				}
			}
		}
	}

	/** Forgets tokens that have expired (beyond the clock tolerance): no check accepts them any more. */
	void purgeExpired() {
		Timestamp before = Timestamp.from(oldestStanding());
		jdbc.update("DELETE FROM carnet_revoked_access_token WHERE expires_at <= ?", before);
		jdbc.update("DELETE FROM carnet_issued_access_token WHERE expires_at <= ?", before);
	}

	/** Tokens that expired before this instant are refused by their expiry alone. */
	private Instant oldestStanding() {
		return clock.instant().minus(clockSkew);
	}
}
