package org.carnetsante.smart;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * The apps a person authorized, and the withdrawal of one: its consent is forgotten (the next launch
 * asks again) and every authorization the person gave it is removed, which revokes all of their access
 * tokens on every node ({@link RevocationTrackingAuthorizationService}, {@link RevokedAccessTokens}) and
 * leaves their refresh tokens with nothing to refresh. RGPD art. 7(3): withdrawing consent is as easy
 * as giving it.
 */
class AppAccessWithdrawal {

	/** An app the person authorized, and the scopes they granted it. */
	record AuthorizedApp(RegisteredClient client, Set<String> scopes) {}

	private final JdbcTemplate jdbc;
	private final RegisteredClientRepository clients;
	private final OAuth2AuthorizationConsentService consents;
	private final OAuth2AuthorizationService authorizations;

	AppAccessWithdrawal(JdbcTemplate jdbc, RegisteredClientRepository clients, OAuth2AuthorizationConsentService consents,
			OAuth2AuthorizationService authorizations) {
		this.jdbc = jdbc;
		this.clients = clients;
		this.consents = consents;
		this.authorizations = authorizations;
	}

	/** The apps this person approved, by name. Spring Authorization Server's store lists by app only: asked here. */
	List<AuthorizedApp> authorizedBy(String username) {
		List<AuthorizedApp> apps = new ArrayList<>();
		for (String clientId : jdbc.queryForList(
				"SELECT registered_client_id FROM oauth2_authorization_consent WHERE principal_name = ?", String.class, username)) {
			RegisteredClient client = clients.findById(clientId);
			OAuth2AuthorizationConsent consent = consents.findById(clientId, username);
			if (client != null && consent != null) {
				apps.add(new AuthorizedApp(client, consent.getScopes()));
			}
		}
		apps.sort(java.util.Comparator.comparing(app -> app.client().getClientName(), String.CASE_INSENSITIVE_ORDER));
		return apps;
	}

	/**
	 * Withdraws this person's consent to the app (by its registered id) and revokes the tokens it holds for
	 * them. Another person's consents, or an app they never approved, are left alone (nothing to say).
	 */
	void withdraw(String username, String registeredClientId) {
		OAuth2AuthorizationConsent consent = consents.findById(registeredClientId, username);
		if (consent != null) {
			consents.remove(consent);
		}
		for (String id : jdbc.queryForList(
				"SELECT id FROM oauth2_authorization WHERE registered_client_id = ? AND principal_name = ?", String.class,
				registeredClientId, username)) {
			OAuth2Authorization authorization = authorizations.findById(id);
			if (authorization != null) {
				authorizations.remove(authorization);
			}
		}
	}
}
