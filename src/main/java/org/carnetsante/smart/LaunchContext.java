package org.carnetsante.smart;

import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;

/**
 * The patient context of a standalone launch ({@code launch/patient}): whose space the token opens.
 * A patient with only their own space gets it; someone who may open several (a parent, a delegate)
 * chose one on the picker page, which adds {@value #CHOSEN_PATIENT_PARAMETER} to the authorization
 * request. The choice is checked against the account's spaces again when the token is made, so a
 * client cannot slip in another patient.
 */
public class LaunchContext {

	static final String LAUNCH_PATIENT = "launch/patient";
	static final String CHOSEN_PATIENT_PARAMETER = "carnet_patient";
	/**
	 * Authorization request parameter by which a professional asks for emergency access: {@code BTG}
	 * (break the glass) or {@code ETREAT} (centre 15). The token then carries it as its purpose of use.
	 */
	static final String EMERGENCY_PURPOSE_PARAMETER = "purpose_of_use";
	private static final Set<String> EMERGENCY_PURPOSES = Set.of("BTG", "ETREAT");

	private final UserAccounts accounts;
	private final TokenClaimNames claims;

	public LaunchContext(UserAccounts accounts, TokenClaimNames claims) {
		this.accounts = accounts;
		this.claims = claims;
	}

	/** The patient the token is for, if {@code launch/patient} was granted. */
	public Optional<String> patientOf(OAuth2Authorization authorization, Set<String> grantedScopes, UserAccounts.Account account) {
		if (!grantedScopes.contains(LAUNCH_PATIENT) || authorization == null) {
			return Optional.empty();
		}
		List<String> spaces = accounts.spacesOf(account.username());
		Object chosen = requestParameter(authorization, CHOSEN_PATIENT_PARAMETER);
		if (chosen != null && spaces.contains(chosen.toString())) {
			return Optional.of(chosen.toString());
		}
		if (chosen == null && spaces.size() == 1) {
			return Optional.of(spaces.get(0));
		}
		throw new OAuth2AuthenticationException(new OAuth2Error(
				OAuth2ErrorCodes.INVALID_GRANT, "No space this account may open was chosen", null));
	}

	/** How the account relates to the space the token opens: its own, a minor's it represents, a delegation. */
	public Optional<CarnetCaller.SpaceRelationship> relationshipOf(UserAccounts.Account account, String patient) {
		return accounts.relationshipTo(account.username(), patient)
				.map(relationship -> CarnetCaller.SpaceRelationship.valueOf(relationship.name()));
	}

	/** Who the account is in the space the token opens, when not its own FHIR user (a delegate's RelatedPerson). */
	public Optional<String> actingAs(UserAccounts.Account account, String patient) {
		return accounts.actingAs(account.username(), patient);
	}

	/**
	 * The emergency purpose a professional asked for in the authorization request, if any. Anyone else
	 * asking for one is refused: an emergency is a professional's declaration, audited as such.
	 */
	public Optional<String> emergencyPurposeOf(OAuth2Authorization authorization, UserAccounts.Account account) {
		Object asked = requestParameter(authorization, EMERGENCY_PURPOSE_PARAMETER);
		if (asked == null) {
			return Optional.empty();
		}
		if (account.kind() != CarnetCaller.Kind.PROFESSIONAL || !EMERGENCY_PURPOSES.contains(asked.toString())) {
			throw new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST,
					"Emergency access (purpose_of_use BTG or ETREAT) is for professionals only", null));
		}
		return Optional.of(asked.toString());
	}

	private static Object requestParameter(OAuth2Authorization authorization, String name) {
		if (authorization == null) {
			return null;
		}
		OAuth2AuthorizationRequest request = authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
		return request == null ? null : request.getAdditionalParameters().get(name);
	}

	/** SMART's token response names the patient beside the token (SMART App Launch 2.x §2.0.8). */
	void addPatientToTokenResponse(OAuth2AccessTokenAuthenticationContext context) {
		OAuth2AccessTokenAuthenticationToken issued = context.getAuthentication();
		try {
			Object patient = SignedJWT.parse(issued.getAccessToken().getTokenValue()).getJWTClaimsSet().getClaim(claims.patient());
			if (patient != null) {
				Map<String, Object> parameters = new HashMap<>(issued.getAdditionalParameters());
				parameters.put("patient", patient.toString());
				context.getAccessTokenResponse().additionalParameters(parameters);
			}
		} catch (ParseException e) {
			throw new IllegalStateException("Carnet issued an access token it cannot read", e);
		}
	}
}
