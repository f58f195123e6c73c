package org.carnetsante.smart;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * A websocket lives no longer than the bearer token its handshake presented: it is closed (1008,
 * policy violation) when that token expires, and as soon as this node learns that it was revoked
 * ({@link RevokedAccessTokens}, on a revocation here, another node's notification or the periodic
 * reload). Otherwise a connection opened with a token would keep receiving notifications long after
 * the token stopped opening {@code /fhir}.
 */
public class TokenBoundWebSockets implements DisposableBean {

	static final CloseStatus EXPIRED = CloseStatus.POLICY_VIOLATION.withReason("the access token expired");
	static final CloseStatus REVOKED = CloseStatus.POLICY_VIOLATION.withReason("the access token was revoked");
	private static final Logger LOG = LoggerFactory.getLogger(TokenBoundWebSockets.class);
	private static final String EXPIRY_ATTRIBUTE = TokenBoundWebSockets.class.getName() + ".expiry";

	private final RevokedAccessTokens revoked;
	private final Clock clock;
	private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(task -> {
		Thread thread = new Thread(task, "carnet-websocket-token-expiry");
		thread.setDaemon(true);
		return thread;
	});
	/** Open connections by the id ({@code jti}) of their token. */
	private final Map<String, Set<WebSocketSession>> byTokenId = new ConcurrentHashMap<>();

	public TokenBoundWebSockets(RevokedAccessTokens revoked, Clock clock) {
		this.revoked = revoked;
		this.clock = clock;
		revoked.onRevoked(this::closeRevoked);
	}

	/** The handler, behind the token's lifetime. */
	public WebSocketHandler around(WebSocketHandler handler) {
		return new TokenBound(handler);
	}

	private void closeRevoked(Set<String> tokenIds) {
		for (String tokenId : tokenIds) {
			Set<WebSocketSession> sessions = byTokenId.remove(tokenId);
			if (sessions != null) {
				sessions.forEach(session -> close(session, REVOKED));
			}
		}
	}

	private static void close(WebSocketSession session, CloseStatus status) {
		try {
			if (session.isOpen()) {
				session.close(status);
			}
		} catch (IOException | RuntimeException e) {
			LOG.debug("Closing websocket {} ({}) failed", session.getId(), status.getReason(), e);
		}
	}

	@Override
	public void destroy() {
		closer.shutdownNow();
	}

	private final class TokenBound extends WebSocketHandlerDecorator {

		TokenBound(WebSocketHandler delegate) {
			super(delegate);
		}

		@Override
		public void afterConnectionEstablished(WebSocketSession session) throws Exception {
			super.afterConnectionEstablished(session);
			Jwt token = session.getPrincipal() instanceof CallerAuthentication caller ? caller.getCredentials() : null;
			if (token == null) {
				close(session, CloseStatus.POLICY_VIOLATION.withReason("no bearer token"));
				return;
			}
			if (token.getId() != null) {
				byTokenId.computeIfAbsent(token.getId(), id -> ConcurrentHashMap.newKeySet()).add(session);
				if (revoked.isRevoked(token.getId())) {
					close(session, REVOKED); // revoked between the handshake and now
					return;
				}
			}
			Instant expiresAt = token.getExpiresAt();
			if (expiresAt != null) {
				long delay = Math.max(0, Duration.between(clock.instant(), expiresAt).toMillis());
				ScheduledFuture<?> expiry = closer.schedule(() -> close(session, EXPIRED), delay, TimeUnit.MILLISECONDS);
				session.getAttributes().put(EXPIRY_ATTRIBUTE, expiry);
			}
		}

		@Override
		public void afterConnectionClosed(WebSocketSession session, CloseStatus status) throws Exception {
			if (session.getAttributes().remove(EXPIRY_ATTRIBUTE) instanceof ScheduledFuture<?> expiry) {
				expiry.cancel(false);
			}
			if (session.getPrincipal() instanceof CallerAuthentication caller && caller.getCredentials().getId() != null) {
				byTokenId.computeIfPresent(caller.getCredentials().getId(), (id, sessions) -> {
					sessions.remove(session);
					return sessions.isEmpty() ? null : sessions;
				});
			}
			super.afterConnectionClosed(session, status);
		}
	}
}
