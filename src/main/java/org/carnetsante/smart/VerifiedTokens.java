package org.carnetsante.smart;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * Verifies each bearer token once per node, not once per request. An app sends the same token with
 * every request for minutes; decoding it, finding its issuer, checking its RS256 signature and building
 * the caller from its claims cost about a seventh of the CPU of a read (Java Flight Recorder).
 *
 * <p>What a verified token proved cannot change — its signature, issuer, audience and claims are in the
 * token itself — so the caller built from it is kept, keyed by the exact token and by the issuer this
 * request expects (under the demo profile that depends on the request's address). What can change is
 * checked again on every request: the token has not expired (an entry ends at {@code exp}; after it the
 * token goes through the full verification, which refuses it) and it has not been revoked since (this
 * node's copy of the revoked ids, kept current across nodes by {@link RevokedAccessTokens}). A token is
 * remembered only once it passed the full verification; a refused token is verified again each time.
 * Nothing here is shared between nodes or needed by another: a node that does not know a token
 * verifies it.
 */
public class VerifiedTokens implements AuthenticationManagerResolver<HttpServletRequest> {

	private final AuthenticationManagerResolver<HttpServletRequest> verifying;
	private final RevokedAccessTokens revoked;
	private final Clock clock;
	private final SmartProperties smart;
	/** Null when nothing is remembered (capacity 0). */
	private final Cache<String, Verified> verified;

	private record Verified(Authentication caller, Instant expiresAt, String tokenId) {}

	/**
	 * @param capacity most tokens remembered (the least recently used go first); 0 verifies every request
	 * @param longestLifetime the longest lifetime of a token: no entry outlives it, whatever its {@code exp}
	 */
	public VerifiedTokens(AuthenticationManagerResolver<HttpServletRequest> verifying, RevokedAccessTokens revoked,
			Clock clock, SmartProperties smart, int capacity, Duration longestLifetime) {
		this.verifying = verifying;
		this.revoked = revoked;
		this.clock = clock;
		this.smart = smart;
		// Evictions on the calling thread: the capacity is a bound at every moment, not eventually.
		this.verified = capacity == 0 ? null
				: Caffeine.newBuilder().maximumSize(capacity).expireAfterWrite(longestLifetime).executor(Runnable::run).build();
	}

	/** How many verified tokens this node remembers now (0 with capacity 0). */
	public long remembered() {
		if (verified == null) {
			return 0;
		}
		verified.cleanUp();
		return verified.estimatedSize();
	}

	@Override
	public AuthenticationManager resolve(HttpServletRequest request) {
		return authentication -> {
			if (verified == null || !(authentication instanceof BearerTokenAuthenticationToken bearer)) {
				return verifying.resolve(request).authenticate(authentication);
			}
			String key = smart.issuerFor(request) + ' ' + bearer.getToken();
			Verified known = verified.getIfPresent(key);
			if (known != null && clock.instant().isBefore(known.expiresAt())
					&& (known.tokenId() == null || !revoked.isRevoked(known.tokenId()))) {
				return known.caller();
			}
			// Unknown, expired or revoked since: the full verification decides, and words any refusal.
			verified.invalidate(key);
			Authentication caller = verifying.resolve(request).authenticate(authentication);
			// Carnet's caller (CallerAuthentication) and Spring's JwtAuthenticationToken both carry the Jwt.
			if (caller != null && caller.getCredentials() instanceof Jwt jwt && jwt.getExpiresAt() != null) {
				verified.put(key, new Verified(caller, jwt.getExpiresAt(), jwt.getId()));
			}
			return caller;
		};
	}
}
