package org.carnetsante.smart;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
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
	public SecurityFilterChain authorizationServerEndpoints(HttpSecurity http, ClientAssertionVerifier assertions)
			throws Exception {
		OAuth2AuthorizationServerConfigurer authorizationServer = OAuth2AuthorizationServerConfigurer.authorizationServer();
		http.securityMatcher(authorizationServer.getEndpointsMatcher())
				.with(authorizationServer, server -> server.clientAuthentication(clients -> clients
						.authenticationConverter(new SmartClientAssertionConverter())
						.authenticationProviders(providers -> providers.forEach(provider -> {
							if (provider instanceof JwtClientAssertionAuthenticationProvider assertion) {
								assertion.setJwtDecoderFactory(assertions);
							}
						}))))
				.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
				.sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.csrf(csrf -> csrf.ignoringRequestMatchers(authorizationServer.getEndpointsMatcher()));
		return http.build();
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

	@Bean
	public OAuth2AuthorizationService authorizationService(
			SmartDatabase database, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationService(database.jdbc(), clients);
	}

	@Bean
	public OAuth2AuthorizationConsentService authorizationConsentService(
			SmartDatabase database, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationConsentService(database.jdbc(), clients);
	}

	@Bean
	public JWKSource<SecurityContext> jwkSource(SmartDatabase database) {
		SigningKeyStore keys = new SigningKeyStore(database.jdbc());
		keys.keys(); // create the first key at start, not on the first token request
		return (selector, context) -> selector.select(keys.keys());
	}

	@Bean
	public AuthorizationServerSettings authorizationServerSettings(SmartProperties smart) {
		AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
		if (!smart.issuer().isBlank()) {
			settings.issuer(smart.issuer());
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

	/** Access tokens are for the FHIR endpoint, and say which client they were issued to. */
	@Bean
	public OAuth2TokenCustomizer<JwtEncodingContext> accessTokenClaims(TokenClaimNames claims) {
		return context -> {
			if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
				String issuer = context.getAuthorizationServerContext().getIssuer();
				context.getClaims()
						.audience(java.util.List.of(issuer + FHIR_AUDIENCE_PATH))
						.claim(claims.clientId(), context.getRegisteredClient().getClientId());
				Object organization = context.getRegisteredClient().getClientSettings()
						.getSetting(CarnetClients.ORGANIZATION_SETTING);
				if (organization != null) {
					context.getClaims().claim(claims.organization(), organization.toString());
				}
			}
		};
	}

	/** The JDBC access the authorization server's stores share, created after its schema. */
	public record SmartDatabase(JdbcTemplate jdbc) {}
}
