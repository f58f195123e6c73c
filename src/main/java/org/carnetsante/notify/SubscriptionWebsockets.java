package org.carnetsante.notify;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.match.deliver.websocket.SubscriptionWebsocketHandler;
import ca.uhn.fhir.jpa.subscription.match.deliver.websocket.WebsocketConnectionValidator;
import java.util.Optional;
import java.util.Set;
import org.carnetsante.access.AccessProperties;
import org.carnetsante.access.Actor;
import org.carnetsante.fhir.FhirJpaConfig;
import org.carnetsante.smart.CallerAuthentication;
import org.carnetsante.smart.TokenBoundWebSockets;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.PerConnectionWebSocketHandler;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * FHIR Subscriptions of channel type websocket, at {@code /websocket}: HAPI's handler (an app sends
 * {@code bind Subscription/123} and then receives {@code ping Subscription/123} at each match), behind
 * the bearer token of the handshake (Spring Security, as for {@code /fhir}) and a check that the
 * subscription bound belongs to the caller's space: a ping tells that something changed, which is
 * already more than a stranger may know.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class SubscriptionWebsockets implements WebSocketConfigurer {

	private final BeanFactory beans;

	public SubscriptionWebsockets(BeanFactory beans) {
		this.beans = beans;
	}

	@Bean
	public WebsocketConnectionValidator websocketConnectionValidator() {
		return new WebsocketConnectionValidator();
	}

	@Override
	public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
		PerConnectionWebSocketHandler hapi = new PerConnectionWebSocketHandler(SubscriptionWebsocketHandler.class);
		hapi.setBeanFactory(beans);
		// A connection lives no longer than its token (closed when it expires or is revoked).
		registry.addHandler(beans.getBean(TokenBoundWebSockets.class).around(new OwnSubscriptionsOnly(hapi, beans)),
				FhirJpaConfig.WEBSOCKET_PATH);
	}

	/** Lets a connection bind only subscriptions of the space its token opens. */
	static final class OwnSubscriptionsOnly extends WebSocketHandlerDecorator {

		private final BeanFactory beans;

		OwnSubscriptionsOnly(WebSocketHandler delegate, BeanFactory beans) {
			super(delegate);
			this.beans = beans;
		}

		@Override
		public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
			if (message instanceof TextMessage text && text.getPayload().trim().startsWith("bind ")) {
				String subscription = text.getPayload().trim().substring("bind ".length()).trim();
				if (!ownedByCaller(session, subscription)) {
					session.sendMessage(new TextMessage("failed to bind " + subscription + ": not a subscription of this space"));
					session.close(CloseStatus.POLICY_VIOLATION);
					return;
				}
			}
			super.handleMessage(session, message);
		}

		private boolean ownedByCaller(WebSocketSession session, String subscriptionId) {
			if (!(session.getPrincipal() instanceof CallerAuthentication authentication)) {
				return false;
			}
			Actor caller = Actor.of(authentication.getPrincipal(),
					Set.copyOf(beans.getBean(AccessProperties.class).refusedSectors()));
			Optional<Actor> owner = StoredSubscriptionOwners.ownerOf(beans.getBean(DaoRegistry.class),
					new IdType(subscriptionId).getIdPart());
			// The person who made the subscription (pings are judged for them: a parent or a delegate of the
			// same space may not see all that the patient sees).
			return caller.role().isPatientSide() && owner.isPresent() && caller.role() == owner.get().role()
					&& caller.patient().equals(owner.get().patient()) && caller.isNamedBy(owner.get().keys());
		}
	}
}
