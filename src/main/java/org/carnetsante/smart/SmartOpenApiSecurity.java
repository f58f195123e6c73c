package org.carnetsante.smart;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.security.OAuthFlow;
import io.swagger.v3.oas.models.security.OAuthFlows;
import io.swagger.v3.oas.models.security.Scopes;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.carnetsante.fhir.CarnetOpenApi;
import org.carnetsante.fhir.OpenApiCustomizer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * The OpenAPI description's security: every {@code /fhir} call but {@code metadata} needs a bearer token,
 * got in one of these ways (OpenAPI 3 security schemes, one global requirement listing them as
 * alternatives, so that Swagger UI's "Try it out" sends the token):
 * <ul>
 *   <li>{@value #APP}: SMART App Launch, authorization code with PKCE, at the embedded authorization
 *       server (the configured issuer);
 *   <li>{@value #BACKEND}: SMART Backend Services, client credentials. The client authenticates with a
 *       signed client assertion ({@code private_key_jwt}), which Swagger UI cannot make: the scheme says
 *       how to get the token elsewhere and paste it as {@value #BEARER};
 *   <li>{@value #BEARER}: an access token got by any means (Backend Services, an external issuer);
 *   <li>one OpenID Connect scheme per external issuer ({@code carnet.smart.external-issuers}): Carnet
 *       knows only their issuer and keys, so their endpoints are left to their discovery document.
 * </ul>
 */
public class SmartOpenApiSecurity implements OpenApiCustomizer {

	static final String APP = "smart-app-launch";
	static final String BACKEND = "smart-backend-services";
	static final String BEARER = "bearer-token";
	static final String EXTERNAL_PREFIX = "external-issuer-";

	private final SmartProperties smart;
	private final AuthorizationServerSettings settings;
	private final ExternalIssuers externalIssuers;

	public SmartOpenApiSecurity(SmartProperties smart, AuthorizationServerSettings settings, ExternalIssuers externalIssuers) {
		this.smart = smart;
		this.settings = settings;
		this.externalIssuers = externalIssuers;
	}

	@Override
	public void customize(OpenAPI description, HttpServletRequest request) {
		SmartEndpoints endpoints = SmartEndpoints.forRequest(request, smart, settings);
		String fhirBase = endpoints.issuer() + AuthorizationServerConfig.FHIR_AUDIENCE_PATH;
		if (description.getComponents() == null) {
			description.setComponents(new Components());
		}
		Components components = description.getComponents();
		components.addSecuritySchemes(APP, appLaunch(endpoints, fhirBase));
		components.addSecuritySchemes(BACKEND, backendServices(endpoints));
		components.addSecuritySchemes(BEARER, new SecurityScheme()
				.type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
				.description("An access token got by any of the other ways (Backend Services, an external issuer): "
						+ "paste it without the 'Bearer ' prefix."));
		description.addSecurityItem(new SecurityRequirement().addList(APP));
		description.addSecurityItem(new SecurityRequirement().addList(BACKEND));
		description.addSecurityItem(new SecurityRequirement().addList(BEARER));
		List<ExternalIssuers.Issuer> external = externalIssuers.externalIssuers();
		for (int i = 0; i < external.size(); i++) {
			ExternalIssuers.Issuer issuer = external.get(i);
			String name = EXTERNAL_PREFIX + (i + 1);
			components.addSecuritySchemes(name, new SecurityScheme()
					.type(SecurityScheme.Type.OPENIDCONNECT)
					.openIdConnectUrl(issuer.issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration")
					.description("Access tokens of the external issuer " + issuer.issuer() + " are accepted when their aud is "
							+ issuer.audience() + ". Carnet knows only this issuer and its keys (" + issuer.jwkSetUri()
							+ "): its authorization and token endpoints are those of its OpenID Connect discovery "
							+ "document, which a browser may not be allowed to fetch from this page (CORS). Failing "
							+ "that, get a token from that issuer and paste it as " + BEARER + "."));
			description.addSecurityItem(new SecurityRequirement().addList(name));
		}
	}

	private static SecurityScheme appLaunch(SmartEndpoints endpoints, String fhirBase) {
		Scopes scopes = new Scopes();
		SmartCapabilities.describedScopes(SmartCapabilities.APP_CONTEXTS, true).forEach(scopes::addString);
		return new SecurityScheme()
				.type(SecurityScheme.Type.OAUTH2)
				.description("SMART App Launch 2.x, standalone launch, at Carnet's authorization server (" + endpoints.issuer()
						+ "): authorization code with PKCE (S256; this page sends it, with aud=" + fhirBase + "). Use the "
						+ "client_id of an app registered with the redirect URI " + fhirBase + CarnetOpenApi.OAUTH2_REDIRECT_PATH
						+ " (a public app: leave the secret empty). Scopes: any resource type may replace *, and any "
						+ "non-empty subset of c r u d s (in that order) the permissions; see "
						+ fhirBase + "/.well-known/smart-configuration.")
				.flows(new OAuthFlows().authorizationCode(new OAuthFlow()
						.authorizationUrl(endpoints.authorize())
						.tokenUrl(endpoints.token())
						.refreshUrl(endpoints.token())
						.scopes(scopes)));
	}

	private static SecurityScheme backendServices(SmartEndpoints endpoints) {
		Scopes scopes = new Scopes();
		SmartCapabilities.describedScopes(List.of(SmartScope.Context.SYSTEM), false).forEach(scopes::addString);
		return new SecurityScheme()
				.type(SecurityScheme.Type.OAUTH2)
				.description("SMART Backend Services (hospital systems): client credentials, the client authenticating with "
						+ "a client assertion it signs with its private key (private_key_jwt, "
						+ String.join(" or ", SmartCapabilities.clientAssertionAlgorithms()) + "). Swagger UI cannot sign one, "
						+ "so this flow cannot run from this page: POST grant_type=client_credentials, scope, "
						+ "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer and client_assertion "
						+ "to " + endpoints.token() + " (the demo's demo/client-assertion.sh signs one for demo-hospital), "
						+ "then paste the access_token as " + BEARER + ".")
				.flows(new OAuthFlows().clientCredentials(new OAuthFlow()
						.tokenUrl(endpoints.token())
						.scopes(scopes)));
	}
}
