package org.carnetsante.smart;

import java.util.Collection;
import java.util.UUID;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * Registers the clients Carnet knows, in the database: their kind, allowed scopes and keys.
 */
public class CarnetClients {

	static final String KIND_SETTING = "carnet.kind";
	static final String ORGANIZATION_SETTING = "carnet.organization";
	static final String ORGANIZATION_SECTOR_SETTING = "carnet.organization-sector";
	/**
	 * Who publishes an app (its editor, as the person knows it: "Doctolib", "CH de Lyon"), shown on the
	 * consent page and the list of authorized apps beside the app's name. Optional: not all registrations
	 * say it, and the pages then say it is not given.
	 */
	static final String PUBLISHER_SETTING = "carnet.publisher";

	/** What a client is, which decides the grants it may use. */
	public enum Kind {
		PATIENT_APP,
		PRACTITIONER_SOFTWARE,
		HOSPITAL_SYSTEM,
		REFERENCED_APP
	}

	/**
	 * Every grant a client registered here may be given (apps: authorization code, refresh token when
	 * confidential; backend services: client credentials), as {@code .well-known/smart-configuration}
	 * declares them.
	 */
	static final java.util.List<AuthorizationGrantType> GRANT_TYPES = java.util.List.of(
			AuthorizationGrantType.AUTHORIZATION_CODE, AuthorizationGrantType.CLIENT_CREDENTIALS,
			AuthorizationGrantType.REFRESH_TOKEN);
	/** Every way a client registered here authenticates at the token endpoint (none: a public app, with PKCE). */
	static final java.util.List<ClientAuthenticationMethod> AUTHENTICATION_METHODS = java.util.List.of(
			ClientAuthenticationMethod.PRIVATE_KEY_JWT, ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
			ClientAuthenticationMethod.NONE);

	/** The publisher an app was registered with, if any. */
	static java.util.Optional<String> publisherOf(RegisteredClient client) {
		Object publisher = client.getClientSettings().getSetting(PUBLISHER_SETTING);
		return publisher == null ? java.util.Optional.empty() : java.util.Optional.of(publisher.toString());
	}

	private final RegisteredClientRepository clients;
	private final SmartProperties smart;

	CarnetClients(RegisteredClientRepository clients, SmartProperties smart) {
		this.clients = clients;
		this.smart = smart;
	}

	/**
	 * An app a person launches (SMART App Launch, authorization code with PKCE S256): a public client
	 * when {@code secret} is null (a patient app on a phone), else a confidential one
	 * ({@code client_secret_basic}). Refresh tokens are issued only to confidential clients that were
	 * granted {@code offline_access}.
	 */
	public RegisteredClient registerApp(
			String clientId, String name, Kind kind, Collection<String> redirectUris, Collection<String> scopes,
			String secret, java.util.function.UnaryOperator<String> secretEncoder) {
		return registerApp(clientId, name, null, kind, redirectUris, scopes, secret, secretEncoder);
	}

	/** An app a person launches, with its publisher ({@value #PUBLISHER_SETTING}, may be null). */
	public RegisteredClient registerApp(
			String clientId, String name, String publisher, Kind kind, Collection<String> redirectUris,
			Collection<String> scopes, String secret, java.util.function.UnaryOperator<String> secretEncoder) {
		ClientSettings.Builder settings = ClientSettings.builder()
				.requireProofKey(true)
				.requireAuthorizationConsent(true)
				.setting(KIND_SETTING, kind.name());
		if (publisher != null && !publisher.isBlank()) {
			settings.setting(PUBLISHER_SETTING, publisher.strip());
		}
		RegisteredClient.Builder client = RegisteredClient.withId(UUID.randomUUID().toString())
				.clientId(clientId)
				.clientName(name)
				.authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
				.redirectUris(registered -> registered.addAll(redirectUris))
				.scopes(registered -> registered.addAll(scopes))
				.clientSettings(settings.build())
				.tokenSettings(TokenSettings.builder()
						.accessTokenFormat(OAuth2TokenFormat.SELF_CONTAINED)
						.accessTokenTimeToLive(smart.appAccessTokenLifetime())
						.refreshTokenTimeToLive(smart.refreshTokenLifetime())
						.reuseRefreshTokens(false)
						.build());
		if (secret == null) {
			client.clientAuthenticationMethod(ClientAuthenticationMethod.NONE);
		} else {
			client.clientSecret(secretEncoder.apply(secret))
					.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
					.authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN);
		}
		RegisteredClient built = client.build();
		clients.save(built);
		return built;
	}

	/**
	 * A backend client (SMART Backend Services): authenticates with a client assertion signed by one
	 * of the keys of {@code jwks} (a JWKS document, public keys only) and gets {@code system/} scopes.
	 * Its tokens name the organization it acts for (national id) and that organization's TRE_R02
	 * sector, which the access policy reads: without them, or with an insurer's sector, a system
	 * reads nothing.
	 */
	public RegisteredClient registerBackendService(
			String clientId, String name, Kind kind, Collection<String> scopes, String jwks, String organization,
			String organizationSector) {
		if (jwks.contains("\"d\"")) {
			throw new IllegalArgumentException("A client's JWKS must hold public keys only");
		}
		ClientSettings.Builder settings = ClientSettings.builder()
				.tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS384)
				.setting(ClientAssertionVerifier.JWKS_SETTING, jwks)
				.setting(KIND_SETTING, kind.name());
		if (organization != null) {
			settings.setting(ORGANIZATION_SETTING, organization);
		}
		if (organizationSector != null) {
			settings.setting(ORGANIZATION_SECTOR_SETTING, organizationSector);
		}
		RegisteredClient client = RegisteredClient.withId(UUID.randomUUID().toString())
				.clientId(clientId)
				.clientName(name)
				.clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
				.authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
				.scopes(registered -> registered.addAll(scopes))
				.clientSettings(settings.build())
				.tokenSettings(TokenSettings.builder()
						.accessTokenFormat(OAuth2TokenFormat.SELF_CONTAINED)
						.accessTokenTimeToLive(smart.accessTokenLifetime())
						.build())
				.build();
		clients.save(client);
		return client;
	}
}
