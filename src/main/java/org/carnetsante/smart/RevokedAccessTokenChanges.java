package org.carnetsante.smart;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.carnetsante.fhir.DatabaseNotifications;

/**
 * Keeps this node's copy of {@link RevokedAccessTokens} up to date: it reloads at each notification on
 * {@value RevokedAccessTokens#CHANNEL} (the revoking node notifies) and whenever listening (re)starts;
 * and, listening or not, reloads and purges expired rows every
 * {@code carnet.smart.revocation.reload-interval}, so that a lost notification only delays a revocation.
 */
public class RevokedAccessTokenChanges implements DatabaseNotifications.Follower {

	private final RevokedAccessTokens tokens;
	private final Duration reloadInterval;
	private final Clock clock;
	/** Touched by the notifications' thread only. */
	private Instant nextReload = Instant.MIN;

	public RevokedAccessTokenChanges(RevokedAccessTokens tokens, Duration reloadInterval, Clock clock) {
		this.tokens = tokens;
		this.reloadInterval = reloadInterval;
		this.clock = clock;
	}

	@Override
	public String channel() {
		return RevokedAccessTokens.CHANNEL;
	}

	@Override
	public void listening() {
		tokens.reload();
		nextReload = clock.instant().plus(reloadInterval);
	}

	@Override
	public void notified(List<String> authorizations) {
		tokens.reload();
	}

	@Override
	public void notListening() {
		nextReload = Instant.MIN;
	}

	@Override
	public void beat() {
		if (!clock.instant().isBefore(nextReload)) {
			tokens.reload();
			tokens.purgeExpired();
			nextReload = clock.instant().plus(reloadInterval);
		}
	}
}
