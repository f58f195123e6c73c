package org.carnetsante.smart;

import java.time.Instant;
import java.util.Map;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * Spring Authorization Server's store of authorizations, which also tells {@link RevokedAccessTokens}
 * when the access tokens of an authorization stop standing. Spring Authorization Server marks tokens
 * invalidated in the authorization it saves: the access token revoked ({@code /oauth2/revoke}); the
 * refresh token revoked, which also invalidates the access token; a code used a second time
 * ({@code OAuth2AuthorizationCodeAuthenticationProvider}) or by a failed exchange
 * ({@link FailedCodeExchanges}), which invalidates the tokens issued from it. Those are self-contained
 * JWTs that {@code /fhir} verifies alone, so their ids go to the revoked list:
 * <ul>
 *   <li>refresh token invalidated: every access token issued from the authorization (there may have been
 *       several refreshes), as RFC 7009 §2.1 asks;
 *   <li>access token invalidated: that token;
 *   <li>authorization removed: every access token issued from it.
 * </ul>
 * Otherwise a new access token is remembered with its authorization, for the first case.
 */
public class RevocationTrackingAuthorizationService implements OAuth2AuthorizationService {

	private final OAuth2AuthorizationService authorizations;
	private final RevokedAccessTokens revoked;

	public RevocationTrackingAuthorizationService(OAuth2AuthorizationService authorizations, RevokedAccessTokens revoked) {
		this.authorizations = authorizations;
		this.revoked = revoked;
	}

	@Override
	public void save(OAuth2Authorization authorization) {
		authorizations.save(authorization);
		OAuth2Authorization.Token<OAuth2AccessToken> access = authorization.getAccessToken();
		boolean refreshInvalidated = authorization.getRefreshToken() != null && authorization.getRefreshToken().isInvalidated();
		if (refreshInvalidated) {
			revoked.revoke(authorization.getId(), idOf(access), expiryOf(access), true);
		} else if (access != null && access.isInvalidated()) {
			revoked.revoke(authorization.getId(), idOf(access), expiryOf(access), false);
		} else if (idOf(access) != null && expiryOf(access) != null) {
			revoked.issued(authorization.getId(), idOf(access), expiryOf(access));
		}
	}

	@Override
	public void remove(OAuth2Authorization authorization) {
		authorizations.remove(authorization);
		OAuth2Authorization.Token<OAuth2AccessToken> access = authorization.getAccessToken();
		revoked.revoke(authorization.getId(), idOf(access), expiryOf(access), true);
	}

	@Override
	public OAuth2Authorization findById(String id) {
		return authorizations.findById(id);
	}

	@Override
	public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
		return authorizations.findByToken(token, tokenType);
	}

	/** The {@code jti} of a JWT access token, as Spring Authorization Server keeps its claims. */
	private static String idOf(OAuth2Authorization.Token<OAuth2AccessToken> access) {
		if (access == null) {
			return null;
		}
		Map<String, Object> claims = access.getClaims();
		Object id = claims == null ? null : claims.get(JwtClaimNames.JTI);
		return id == null ? null : id.toString();
	}

	private static Instant expiryOf(OAuth2Authorization.Token<OAuth2AccessToken> access) {
		return access == null ? null : access.getToken().getExpiresAt();
	}
}
