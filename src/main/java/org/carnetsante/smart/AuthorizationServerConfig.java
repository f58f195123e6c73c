package org.carnetsante.smart;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2AccessTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2RefreshTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.config.Customizer;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import java.util.LinkedHashMap;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2ErrorAuthenticationFailureHandler;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.DelegatingAuthenticationEntryPoint;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Carnet's embedded SMART authorization server (Spring Authorization Server): clients, authorizations
 * and signing keys in Carnet's database, SMART Backend Services client authentication
 * ({@link ClientAssertionVerifier}), and access tokens whose audience is the FHIR endpoint.
 */
@Configuration(proxyBeanMethods = false)
public class AuthorizationServerConfig {

	/** Path of the FHIR endpoint below the issuer: the audience of every access token. */
	static final String FHIR_AUDIENCE_PATH = "/fhir";

	@Bean
	@Order(1)
	@ConditionalOnWebApplication
	public SecurityFilterChain authorizationServerEndpoints(
			HttpSecurity http, ClientAssertionVerifier assertions, LaunchContext launch, UserAccounts accounts,
			SmartProperties smart, OAuth2AuthorizationService authorizations, AuthorizationServerSettings settings,
			OAuth2AuthorizationConsentService consents)
			throws Exception {
		OAuth2AuthorizationServerConfigurer authorizationServer = OAuth2AuthorizationServerConfigurer.authorizationServer();
		OAuth2AccessTokenResponseAuthenticationSuccessHandler tokenResponse =
				new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
		tokenResponse.setAccessTokenResponseCustomizer(launch::addPatientToTokenResponse);
		http.securityMatcher(authorizationServer.getEndpointsMatcher())
				.with(authorizationServer, server -> server
						.oidc(Customizer.withDefaults())
						.authorizationEndpoint(authorization -> authorization.consentPage(ConsentPage.CONSENT_PATH))
						.tokenEndpoint(token -> token
								.accessTokenResponseHandler(tokenResponse)
								.errorResponseHandler(new FailedCodeExchanges(
										authorizations, new OAuth2ErrorAuthenticationFailureHandler())))
						.clientAuthentication(clients -> clients
								.authenticationConverter(new SmartClientAssertionConverter())
								.authenticationProviders(providers -> providers.forEach(provider -> {
									if (provider instanceof JwtClientAssertionAuthenticationProvider assertion) {
										assertion.setJwtDecoderFactory(assertions);
									}
								}))
								// A wrong PKCE verifier fails here: the code is then spent.
								.errorResponseHandler(new FailedCodeExchanges(
										authorizations, OAuthErrorResponses.clientAuthenticationFailed()))))
				.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
				.exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(entryPoints(settings)))
				.addFilterAfter(new PatientPickerRedirect(accounts), SecurityContextHolderFilter.class)
				.addFilterAfter(new ConsentAnswerIsWhole(authorizations, consents, settings.getAuthorizationEndpoint()),
						SecurityContextHolderFilter.class)
				.addFilterBefore(new AudienceCheck(smart), SecurityContextHolderFilter.class)
				.cors(Customizer.withDefaults())
				.csrf(csrf -> csrf.ignoringRequestMatchers(authorizationServer.getEndpointsMatcher()));
		return http.build();
	}

	/**
	 * Who is told what without authentication: a person at the authorization endpoint (a browser) is
	 * sent to the login page, then back; the user info endpoint wants a bearer token; every endpoint a
	 * client calls directly (token, introspection, revocation…) answers an OAuth error in JSON.
	 */
	private static AuthenticationEntryPoint entryPoints(AuthorizationServerSettings settings) {
		LinkedHashMap<RequestMatcher, AuthenticationEntryPoint> byEndpoint = new LinkedHashMap<>();
		byEndpoint.put(path(settings.getAuthorizationEndpoint()), new LoginUrlAuthenticationEntryPoint("/login"));
		byEndpoint.put(path(settings.getOidcUserInfoEndpoint()), new BearerTokenAuthenticationEntryPoint());
		DelegatingAuthenticationEntryPoint entryPoints = new DelegatingAuthenticationEntryPoint(byEndpoint);
		entryPoints.setDefaultEntryPoint(OAuthErrorResponses.clientAuthenticationRequired());
		return entryPoints;
	}

	private static RequestMatcher path(String path) {
		return request -> request.getRequestURI().equals(request.getContextPath() + path);
	}

	/**
	 * The pages people see, with a session: login, patient picker, consent and the list of authorized apps
	 * (where an access is withdrawn). The stylesheet is public; the password is checked behind the failed
	 * login counts ({@link RateLimitedLogin}), by this chain's own manager so that no other provider gets
	 * a second go at a refused attempt.
	 */
	@Bean
	@Order(2)
	@ConditionalOnWebApplication
	public SecurityFilterChain loginPages(HttpSecurity http, UserAccounts accounts, PasswordEncoder passwords,
			LoginAttempts attempts) throws Exception {
		org.springframework.security.authentication.dao.DaoAuthenticationProvider passwordCheck =
				new org.springframework.security.authentication.dao.DaoAuthenticationProvider(accounts);
		passwordCheck.setPasswordEncoder(passwords);
		http.securityMatcher(LoginPage.LOGIN_PATH, "/logout", PatientPickerRedirect.PICKER_PATH, ConsentPage.CONSENT_PATH,
						AuthorizedAppsPage.APPS_PATH, AuthorizedAppsPage.APPS_PATH + "/**", PatientPage.ASSETS_PATH + "**")
				.authorizeHttpRequests(requests -> requests
						.requestMatchers(LoginPage.LOGIN_PATH, PatientPage.ASSETS_PATH + "**").permitAll()
						.anyRequest().authenticated())
				.authenticationManager(new org.springframework.security.authentication.ProviderManager(
						new RateLimitedLogin(passwordCheck, attempts)))
				.formLogin(form -> form
						.loginPage(LoginPage.LOGIN_PATH)
						// The same answer for every failure; only a refusal for too many failures adds "later".
						.failureHandler((request, response, failure) -> response.sendRedirect(request.getContextPath()
								+ LoginPage.LOGIN_PATH + "?error"
								+ (failure instanceof RateLimitedLogin.TooManyFailures ? "=" + LoginPage.LATER : ""))))
				.logout(Customizer.withDefaults());
		return http.build();
	}

	@Bean
	public LoginAttempts loginAttempts(SmartDatabase database, Clock clock, LoginProperties limits) {
		return new LoginAttempts(database.jdbc(), clock, limits);
	}

	@Bean
	public AppAccessWithdrawal appAccessWithdrawal(SmartDatabase database, RegisteredClientRepository clients,
			OAuth2AuthorizationConsentService consents, OAuth2AuthorizationService authorizations) {
		return new AppAccessWithdrawal(database.jdbc(), clients, consents, authorizations);
	}

	@Bean
	public PatientPageText patientPageText() {
		return new PatientPageText();
	}

	@Bean
	public PasswordEncoder passwordEncoder() {
		return new BCryptPasswordEncoder();
	}

	@Bean
	public UserAccounts userAccounts(SmartDatabase database, PasswordEncoder passwords) {
		return new UserAccounts(database.jdbc(), passwords);
	}

	@Bean
	public LaunchContext launchContext(UserAccounts accounts, TokenClaimNames claims) {
		return new LaunchContext(accounts, claims);
	}

	@Bean
	public SmartDatabase smartDatabase(DataSource dataSource) {
		SmartSchema.create(dataSource);
		return new SmartDatabase(new JdbcTemplate(dataSource));
	}

	@Bean
	public RegisteredClientRepository registeredClientRepository(SmartDatabase database) {
		return new JdbcRegisteredClientRepository(database.jdbc());
	}

	/** Authorizations in the database; tokens invalidated there are also refused by /fhir. */
	@Bean
	public OAuth2AuthorizationService authorizationService(
			SmartDatabase database, RegisteredClientRepository clients, RevokedAccessTokens revoked) {
		return new RevocationTrackingAuthorizationService(
				new JdbcOAuth2AuthorizationService(database.jdbc(), clients), revoked);
	}

	@Bean
	public RevokedAccessTokens revokedAccessTokens(SmartDatabase database, Clock clock, SmartProperties smart) {
		return new RevokedAccessTokens(database.jdbc(), clock, smart.clockSkew());
	}

	/** Revocations by the other nodes, and the periodic reload (followed through {@link org.carnetsante.fhir.DatabaseNotifications}). */
	@Bean
	@ConditionalOnWebApplication
	public RevokedAccessTokenChanges revokedAccessTokenChanges(RevokedAccessTokens revoked, SmartProperties smart, Clock clock) {
		return new RevokedAccessTokenChanges(revoked, smart.revocation().reloadInterval(), clock);
	}

	@Bean
	public OAuth2AuthorizationConsentService authorizationConsentService(
			SmartDatabase database, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationConsentService(database.jdbc(), clients);
	}

	@Bean
	public JWKSource<SecurityContext> jwkSource(SmartDatabase database, Clock clock) {
		SigningKeyStore keys = new SigningKeyStore(database.jdbc(), clock);
		keys.keys(); // create the first key at start, not on the first token request
		return (selector, context) -> selector.select(keys.keys());
	}

	/** A server needs an explicit issuer, unless it runs the demo profile: checked before anything starts. */
	@Bean
	@ConditionalOnWebApplication
	public static IssuerRequirement issuerRequirement() {
		return new IssuerRequirement();
	}

	@Bean
	public AuthorizationServerSettings authorizationServerSettings(SmartProperties smart) {
		AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
		if (!smart.issuer().isBlank()) {
			settings.issuer(smart.issuer());
		} else {
			// Only under the demo profile (IssuerRequirement), or in a command that serves no request.
			org.slf4j.LoggerFactory.getLogger(AuthorizationServerConfig.class).warn(
					"carnet.smart.issuer is empty: the issuer (and the audience client assertions must name) is "
							+ "taken from each request's Host header. Demonstrations only.");
		}
		return settings.build();
	}

	@Bean
	public Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	public ClientAssertionVerifier clientAssertionVerifier(SmartDatabase database, SmartProperties smart, Clock clock) {
		return new ClientAssertionVerifier(database.jdbc(), smart, clock);
	}

	@Bean
	public CarnetClients carnetClients(RegisteredClientRepository clients, SmartProperties smart) {
		return new CarnetClients(clients, smart);
	}

	/**
	 * Access tokens are for the FHIR endpoint and say which client they were issued to; for a person
	 * they also say who (fhirUser, profession…) and whose space ({@code patient}, when
	 * {@code launch/patient} was granted). The id_token carries {@code fhirUser}.
	 */
	@Bean
	public OAuth2TokenCustomizer<JwtEncodingContext> accessTokenClaims(
			TokenClaimNames claims, UserAccounts accounts, LaunchContext launch) {
		return context -> {
			boolean person = !AuthorizationGrantType.CLIENT_CREDENTIALS.equals(context.getAuthorizationGrantType());
			var account = person ? accounts.find(context.getPrincipal().getName()) : java.util.Optional.<UserAccounts.Account>empty();
			if (person && account.isEmpty()) {
				// The account was disabled or removed since the person logged in: no more tokens.
				throw new org.springframework.security.oauth2.core.OAuth2AuthenticationException(
						new org.springframework.security.oauth2.core.OAuth2Error("invalid_grant", "The account is no longer active", null));
			}
			if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
				String issuer = context.getAuthorizationServerContext().getIssuer();
				context.getClaims()
						.audience(java.util.Collections.singletonList(issuer + FHIR_AUDIENCE_PATH))
						.claim(claims.clientId(), context.getRegisteredClient().getClientId());
				var clientSettings = context.getRegisteredClient().getClientSettings();
				putIfPresent(context, claims.organization(), clientSettings.getSetting(CarnetClients.ORGANIZATION_SETTING));
				putIfPresent(context, claims.sector(), clientSettings.getSetting(CarnetClients.ORGANIZATION_SECTOR_SETTING));
				putIfPresent(context, claims.name(), context.getRegisteredClient().getClientName());
				account.ifPresent(user -> {
					context.getClaims().claim(claims.fhirUser(), user.fhirUser());
					context.getClaims().claim(claims.name(), user.displayName());
					putIfPresent(context, claims.idNat(), user.idNat());
					putIfPresent(context, claims.profession(), user.profession());
					putIfPresent(context, claims.specialty(), user.specialty());
					putIfPresent(context, claims.organization(), user.organization());
					putIfPresent(context, claims.sector(), user.organizationSector());
					launch.patientOf(context.getAuthorization(), context.getAuthorizedScopes(), user).ifPresent(patient -> {
						context.getClaims().claim(claims.patient(), patient);
						putIfPresent(context, claims.relationship(), launch.relationshipOf(user, patient).orElse(null));
						// A delegate is, in the space they open, the RelatedPerson the delegation names.
						launch.actingAs(user, patient).ifPresent(relatedPerson -> context.getClaims().claim(claims.fhirUser(), relatedPerson));
					});
					// An emergency lasts one access token: a refreshed token is an ordinary one again.
					if (AuthorizationGrantType.AUTHORIZATION_CODE.equals(context.getAuthorizationGrantType())) {
						putIfPresent(context, claims.purposeOfUse(),
								launch.emergencyPurposeOf(context.getAuthorization(), user).orElse(null));
					}
				});
			} else if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
				account.ifPresent(user -> context.getClaims().claim(claims.fhirUser(), user.fhirUser()));
			}
		};
	}

	private static void putIfPresent(JwtEncodingContext context, String claim, Object value) {
		if (value != null) {
			context.getClaims().claim(claim, value.toString());
		}
	}

	/**
	 * Tokens are JWTs signed with Carnet's keys; a refresh token is issued only when the person
	 * granted {@code offline_access} (and, as Spring Authorization Server decides, to confidential
	 * clients that may use the refresh_token grant).
	 */
	@Bean
	public OAuth2TokenGenerator<OAuth2Token> tokenGenerator(
			JWKSource<SecurityContext> keys, OAuth2TokenCustomizer<JwtEncodingContext> claims) {
		JwtGenerator jwt = new JwtGenerator(new NimbusJwtEncoder(keys));
		jwt.setJwtCustomizer(claims);
		OAuth2RefreshTokenGenerator refresh = new OAuth2RefreshTokenGenerator();
		OAuth2TokenGenerator<OAuth2RefreshToken> offlineOnly = context ->
				context.getAuthorizedScopes().contains(SmartCapabilities.OFFLINE_ACCESS) ? refresh.generate(context) : null;
		return new DelegatingOAuth2TokenGenerator(jwt, new OAuth2AccessTokenGenerator(), offlineOnly);
	}

	/** The JDBC access the authorization server's stores share, created after its schema. */
	public record SmartDatabase(JdbcTemplate jdbc) {}
}
