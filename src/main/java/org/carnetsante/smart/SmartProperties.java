package org.carnetsante.smart;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.smart.*}: the embedded SMART authorization server and how {@code /fhir} checks tokens.
 *
 * @param issuer public base URL of the authorization server: the {@code iss} of its tokens, the only
 *     issuer {@code /fhir} accepts them from, and the base of the audience client assertions name.
 *     Required outside the {@code demo} profile ({@link IssuerRequirement}); under {@code demo} only,
 *     empty means the base URL each request arrives on (which trusts the {@code Host} header)
 * @param accessTokenLifetime lifetime of access tokens issued to backend services
 * @param appAccessTokenLifetime lifetime of access tokens issued to apps a person launched
 * @param refreshTokenLifetime lifetime of refresh tokens ({@code offline_access})
 * @param clientAssertionMaxLifetime how far in the future a client assertion's {@code exp} may be
 * @param corsAllowedOrigins origins of browser apps allowed to call the token and FHIR endpoints
 *     (cross-origin requests from any other origin get no CORS headers, so browsers block them)
 * @param clockSkew tolerance on {@code exp}, {@code nbf} and {@code iat} when checking tokens and
 *     assertions
 * @param revocation how each node learns of revoked access tokens ({@link RevokedAccessTokens})
 * @param verifiedTokenCapacity how many verified bearer tokens each node remembers, so that a token is
 *     verified once rather than on every request ({@link VerifiedTokens}); 0 verifies every request
 */
@ConfigurationProperties("carnet.smart")
public record SmartProperties(
		@DefaultValue("") String issuer,
		@DefaultValue("5m") Duration accessTokenLifetime,
		@DefaultValue("60m") Duration appAccessTokenLifetime,
		@DefaultValue("30d") Duration refreshTokenLifetime,
		@DefaultValue("5m") Duration clientAssertionMaxLifetime,
		@DefaultValue("30s") Duration clockSkew,
		java.util.List<String> corsAllowedOrigins,
		@DefaultValue Revocation revocation,
		@DefaultValue("10000") int verifiedTokenCapacity) {

	/**
	 * {@code carnet.smart.revocation.*}.
	 *
	 * @param reloadInterval how often each node reads the revoked access tokens again even without a
	 *     notification: the longest a revocation waits on a node that missed one
	 */
	public record Revocation(@DefaultValue("30s") Duration reloadInterval) {}

	public SmartProperties {
		issuer = issuer == null ? "" : issuer.strip();
		if (!issuer.isEmpty()) {
			issuer = IssuerRequirement.checkedIssuer(issuer);
		}
		corsAllowedOrigins = corsAllowedOrigins == null ? java.util.List.of() : java.util.List.copyOf(corsAllowedOrigins);
	}

	/**
	 * The issuer for this request: the configured one, never derived from the request when set; empty
	 * (the {@code demo} profile only), the base URL the request arrived on.
	 */
	public String issuerFor(jakarta.servlet.http.HttpServletRequest request) {
		return issuer.isBlank()
				? org.springframework.web.servlet.support.ServletUriComponentsBuilder.fromContextPath(request).build().toUriString()
				: issuer;
	}
}
