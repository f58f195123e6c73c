package org.carnetsante.smart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * What Carnet's embedded SMART authorization server supports, in the words of SMART App Launch 2.x
 * ("Conformance": capabilities, scopes, grants, client authentication), for
 * {@code .well-known/smart-configuration} and the OpenAPI description.
 *
 * <p>Each list is built from what the server enforces — the scope grammar ({@link SmartScope}), the
 * launch context ({@link LaunchContext}), the grants and client authentications clients are registered
 * with ({@link CarnetClients}), the client assertion algorithms ({@link ClientAssertionVerifier}) — so
 * that a change there changes the declaration too. Only what works is declared: there is no EHR launch
 * (no {@code launch} scope, no {@code context-ehr-*}), no {@code online_access}, no encounter context,
 * no {@code authorize-post}.
 */
public final class SmartCapabilities {

	public static final String OPENID = "openid";
	public static final String FHIR_USER = "fhirUser";
	public static final String OFFLINE_ACCESS = "offline_access";
	/** PKCE: Spring Authorization Server verifies S256 only, and every app must use it. */
	static final List<String> CODE_CHALLENGE_METHODS = List.of("S256");
	static final List<String> RESPONSE_TYPES = List.of("code");

	/** Contexts an app launched by a person may ask for (system scopes are for backend services). */
	static final List<SmartScope.Context> APP_CONTEXTS = List.of(SmartScope.Context.PATIENT, SmartScope.Context.USER);

	private SmartCapabilities() {}

	/**
	 * SMART capabilities (App Launch 2.x §"Capabilities"), each backed by a test over HTTP
	 * (SmartAppLaunchTest, BackendServicesTest, SmartConfigurationTest).
	 */
	public static List<String> capabilities() {
		List<String> capabilities = new ArrayList<>(List.of(
				// An app starts the authorization itself. Not authorize-post: a POSTed authorization request is
				// not resumed after the person logs in (Spring Security saves only GET requests for that).
				"launch-standalone",
				// Apps without a secret (PKCE only), apps with one (client_secret_basic), backend services signing
				// client assertions (private_key_jwt).
				"client-public",
				"client-confidential-symmetric",
				"client-confidential-asymmetric",
				// launch/patient: the person's own space, or the one chosen on the patient picker.
				"context-standalone-patient",
				// openid: an id_token naming the fhirUser.
				"sso-openid-connect",
				// offline_access: a refresh token, for confidential apps.
				"permission-offline"));
		for (SmartScope.Context context : APP_CONTEXTS) {
			capabilities.add("permission-" + SmartScope.prefixOf(context));
		}
		// SmartScope reads both the v1 words and the v2 letters.
		capabilities.add("permission-v1");
		capabilities.add("permission-v2");
		return List.copyOf(capabilities);
	}

	/**
	 * Every scope a client may ask for: the launch and identity scopes, then each context with every
	 * resource type ({@code *}) and every permission form. A named type ({@code patient/Observation.rs})
	 * and a v2 query constraint ({@code ?category=…}) are accepted wherever {@code *} is listed.
	 */
	public static List<String> scopesSupported() {
		List<String> scopes = new ArrayList<>(List.of(OPENID, FHIR_USER, LaunchContext.LAUNCH_PATIENT, OFFLINE_ACCESS));
		for (SmartScope.Context context : SmartScope.Context.values()) {
			for (String permission : SmartScope.permissionForms()) {
				scopes.add(SmartScope.prefixOf(context) + "/" + SmartScope.ANY_TYPE + "." + permission);
			}
		}
		return List.copyOf(scopes);
	}

	/** A short description of the main scopes of the given contexts, for a person choosing them (OpenAPI). */
	public static Map<String, String> describedScopes(List<SmartScope.Context> contexts, boolean launchScopes) {
		Map<String, String> described = new LinkedHashMap<>();
		if (launchScopes) {
			described.put(OPENID, "OpenID Connect: an id_token saying who logged in");
			described.put(FHIR_USER, "the id_token and access token name the person's FHIR resource (fhirUser)");
			described.put(LaunchContext.LAUNCH_PATIENT, "open one patient's space: the person's own, or one chosen on the picker");
			described.put(OFFLINE_ACCESS, "a refresh token (confidential apps only)");
		}
		for (SmartScope.Context context : contexts) {
			String prefix = SmartScope.prefixOf(context) + "/*.";
			String whose = switch (context) {
				case PATIENT -> "of the patient in context";
				case USER -> "the person may see";
				case SYSTEM -> "the system's organization may see";
			};
			described.put(prefix + "rs", "read and search every resource type " + whose + " (v2)");
			described.put(prefix + "cruds", "create, read, update, delete and search every resource type " + whose + " (v2)");
			described.put(prefix + "read", "v1 form of " + prefix + "rs");
			described.put(prefix + "*", "v1 form of " + prefix + "cruds");
		}
		return described;
	}

	static List<String> grantTypes() {
		return CarnetClients.GRANT_TYPES.stream().map(AuthorizationGrantType::getValue).toList();
	}

	static List<String> tokenEndpointAuthenticationMethods() {
		return CarnetClients.AUTHENTICATION_METHODS.stream().map(ClientAuthenticationMethod::getValue).toList();
	}

	static List<String> clientAssertionAlgorithms() {
		return ClientAssertionVerifier.algorithms().stream().map(algorithm -> algorithm.getName()).sorted().toList();
	}
}
