package org.carnetsante.smart;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import org.springframework.security.config.Customizer;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtIssuerAuthenticationManagerResolver;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.carnetsante.fhir.OperationOutcomes;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * Every {@code /fhir} request carries a valid bearer token (signature, issuer, audience, expiry),
 * except the CapabilityStatement and the SMART configuration; otherwise 401 with
 * {@code WWW-Authenticate} and an OperationOutcome. The verified token becomes the request's
 * {@link CarnetCaller}; its scopes are then checked by {@link ScopeCheck} before any query.
 */
@Configuration(proxyBeanMethods = false)
public class ResourceServerConfig {

	/** Every bearer token of the API is verified through this: fully once per node, then remembered. */
	@Bean
	public VerifiedTokens verifiedTokens(JwtDecoder tokens, TokenClaimNames claims, ExternalIssuers externalIssuers,
			Clock clock, SmartProperties smart, RevokedAccessTokens revoked) {
		return new VerifiedTokens(tokenIssuers(tokens, claims, externalIssuers, clock), revoked, clock, smart,
				smart.verifiedTokenCapacity(), longest(smart.accessTokenLifetime(), smart.appAccessTokenLifetime()));
	}

	@Bean
	@Order(3)
	@ConditionalOnWebApplication
	public SecurityFilterChain fhirApi(HttpSecurity http, VerifiedTokens verifiedTokens) throws Exception {
		BearerTokenAuthenticationEntryPoint challenge = new BearerTokenAuthenticationEntryPoint();
		BearerTokenAccessDeniedHandler denied = new BearerTokenAccessDeniedHandler();
		http.authorizeHttpRequests(requests -> requests
						.requestMatchers(HttpMethod.GET, "/fhir/metadata", "/fhir/.well-known/smart-configuration")
						.permitAll()
						// The API description and the probes hold no health data.
						.requestMatchers(HttpMethod.GET, "/fhir/api-docs", "/fhir/swagger-ui/**").permitAll()
						.requestMatchers(HttpMethod.GET, "/actuator/health/**", "/actuator/info", "/actuator/prometheus")
						.permitAll()
						.requestMatchers("/error").permitAll()
						.anyRequest().authenticated())
				.oauth2ResourceServer(resourceServer -> resourceServer
						.bearerTokenResolver(bearerTokens())
						.authenticationManagerResolver(verifiedTokens)
						.authenticationEntryPoint((request, response, failure) -> {
							challenge.commence(request, response, failure);
							OperationOutcomes.write(response, HttpServletResponse.SC_UNAUTHORIZED, "login",
									"A valid bearer token is required: " + failure.getMessage());
						})
						.accessDeniedHandler((request, response, failure) -> {
							denied.handle(request, response, failure);
							OperationOutcomes.write(response, HttpServletResponse.SC_FORBIDDEN, "forbidden",
									failure.getMessage());
						}))
				.cors(Customizer.withDefaults())
				.sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.csrf(csrf -> csrf.disable());
		return http.build();
	}

	/**
	 * No Micrometer observation around each security filter of each request: with an observation
	 * registry present (the actuator's), Spring Security wraps every filter of the chain in one, which
	 * cost about a tenth of a read's CPU. Nothing here uses them (no tracing); the HTTP request metrics
	 * are the web server's, not these.
	 */
	@Bean
	public org.springframework.security.config.observation.SecurityObservationSettings noSecurityFilterObservations() {
		return org.springframework.security.config.observation.SecurityObservationSettings.noObservations();
	}

	private static Duration longest(Duration one, Duration other) {
		return one.compareTo(other) >= 0 ? one : other;
	}

	/**
	 * The token is read from the Authorization header; on the websocket handshake only, browsers (which
	 * cannot set headers on a WebSocket) may pass it as the {@code access_token} query parameter.
	 */
	private static org.springframework.security.oauth2.server.resource.web.BearerTokenResolver bearerTokens() {
		return new BearerHeaderTokens(org.carnetsante.fhir.FhirJpaConfig.WEBSOCKET_PATH);
	}

	/** Every request's header names and values checked as Spring Security does, by a cheaper test. */
	@Bean
	public org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer headerCharacterFirewall() {
		return web -> web.httpFirewall(HeaderCharacterFirewall.strict());
	}

	/**
	 * Browser apps (a patient's web app) call the token and FHIR endpoints from their own origin; only
	 * the origins in {@code carnet.smart.cors-allowed-origins} may. Bearer tokens, not cookies, carry
	 * the authorization, so credentials are not allowed cross-origin.
	 */
	@Bean
	public CorsConfigurationSource corsConfigurationSource(SmartProperties smart) {
		CorsConfiguration cors = new CorsConfiguration();
		cors.setAllowedOrigins(smart.corsAllowedOrigins());
		cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"));
		cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "Prefer", "If-Match",
				"If-None-Exist", "If-None-Match", "If-Modified-Since", "X-Requested-With"));
		cors.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "WWW-Authenticate"));
		cors.setAllowCredentials(false);
		cors.setMaxAge(Duration.ofHours(1));
		UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
		// Every path: the FHIR servlet's paths are not under Spring MVC, and the rest (token, JWKS,
		// userinfo endpoints) are what browser apps call anyway.
		source.registerCorsConfiguration("/**", cors);
		return source;
	}

	/**
	 * Picks how to verify a token by its (not yet trusted) issuer: a configured external issuer's keys,
	 * audience and claim names, or else the embedded authorization server's, which also checks that
	 * the issuer is its own.
	 */
	private static JwtIssuerAuthenticationManagerResolver tokenIssuers(
			JwtDecoder embedded, TokenClaimNames claims, ExternalIssuers externalIssuers, Clock clock) {
		Map<String, AuthenticationManager> managers = new HashMap<>();
		for (ExternalIssuers.Issuer issuer : externalIssuers.externalIssuers()) {
			NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(issuer.jwkSetUri())
					.jwsAlgorithms(algorithms -> algorithms.addAll(List.of(
							SignatureAlgorithm.RS256, SignatureAlgorithm.RS384, SignatureAlgorithm.ES256, SignatureAlgorithm.ES384)))
					.build();
			JwtTimestampValidator timestamps = new JwtTimestampValidator();
			timestamps.setClock(clock);
			decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
					timestamps,
					new JwtIssuerValidator(issuer.issuer()),
					token -> expect(token.getAudience() != null && token.getAudience().contains(issuer.audience()),
							"the token is not meant for this FHIR server")));
			managers.put(issuer.issuer(), providerOf(decoder, issuer.claims().over(claims)));
		}
		AuthenticationManager embeddedManager = providerOf(embedded, claims);
		return new JwtIssuerAuthenticationManagerResolver(
				issuer -> managers.getOrDefault(issuer, embeddedManager));
	}

	private static AuthenticationManager providerOf(JwtDecoder decoder, TokenClaimNames claims) {
		JwtAuthenticationProvider provider = new JwtAuthenticationProvider(decoder);
		provider.setJwtAuthenticationConverter(new CallerFromToken(claims));
		return provider::authenticate;
	}

	/**
	 * Verifies tokens of the embedded authorization server, signed with the keys it publishes, and not
	 * revoked since (this node's copy of the revoked ids: no database query per request).
	 */
	@Bean
	public JwtDecoder fhirTokenDecoder(
			JWKSource<SecurityContext> keys, SmartProperties smart, Clock clock, RevokedAccessTokens revoked) {
		DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
		processor.setJWTClaimsSetVerifier((claimSet, context) -> {});
		NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
		JwtTimestampValidator timestamps = new JwtTimestampValidator(smart.clockSkew());
		timestamps.setClock(clock);
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
				timestamps,
				token -> expect(expectedIssuer(smart).equals(token.getClaimAsString("iss")), "the token's issuer is not trusted"),
				token -> expect(token.getAudience() != null
						&& token.getAudience().contains(expectedIssuer(smart) + AuthorizationServerConfig.FHIR_AUDIENCE_PATH),
						"the token is not meant for this FHIR server"),
				token -> expect(!revoked.isRevoked(token.getId()), "the token was revoked")));
		return decoder;
	}

	/**
	 * Websockets (FHIR subscriptions) close when the token of their handshake expires or is revoked.
	 * Not only for a web server: the websocket configuration asks for it in any context.
	 */
	@Bean
	public TokenBoundWebSockets tokenBoundWebSockets(RevokedAccessTokens revoked, Clock clock) {
		return new TokenBoundWebSockets(revoked, clock);
	}

	/** Steps 1 and 2 of the request path: scopes, then the patient compartment of patient tokens. */
	@Bean
	public FhirServerCustomizer scopeCheckAndPatientCompartment(
			FhirContext fhirContext, SmartProperties smart, IInterceptorService jpaInterceptors,
			AuthorizationServerSettings settings) {
		jpaInterceptors.registerInterceptor(new PatientWriteGuard(fhirContext));
		return server -> {
			server.registerInterceptor(new SmartCapabilityStatement(smart, settings));
			server.registerInterceptor(new ScopeCheck(fhirContext));
			server.registerInterceptor(new PatientCompartmentNarrowing());
			server.registerInterceptor(new PatientCompartmentRules());
		};
	}

	@Bean
	public ServletRegistrationBean<SmartConfigurationServlet> smartConfiguration(
			SmartProperties smart, AuthorizationServerSettings settings) {
		// An exact-path mapping wins over the FHIR servlet's /fhir/* prefix.
		return new ServletRegistrationBean<>(
				new SmartConfigurationServlet(smart, settings), "/fhir/.well-known/smart-configuration");
	}

	/** How the OpenAPI description says to get a token (Swagger UI's "Authorize"). */
	@Bean
	public SmartOpenApiSecurity smartOpenApiSecurity(
			SmartProperties smart, AuthorizationServerSettings settings, ExternalIssuers externalIssuers) {
		return new SmartOpenApiSecurity(smart, settings, externalIssuers);
	}

	/** The issuer of the request being authenticated (see {@link SmartProperties#issuerFor}). */
	static String expectedIssuer(SmartProperties smart) {
		return smart.issuerFor(
				((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest());
	}

	private static OAuth2TokenValidatorResult expect(boolean valid, String otherwise) {
		return valid
				? OAuth2TokenValidatorResult.success()
				: OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", otherwise, null));
	}
}
