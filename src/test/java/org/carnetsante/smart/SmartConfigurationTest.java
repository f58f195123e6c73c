package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.SmartLaunch.Pkce;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;

/**
 * {@code .well-known/smart-configuration} over HTTP (SMART App Launch 2.x, "Conformance"): it declares
 * every capability, scope form, grant and client authentication the server has, and nothing it lacks
 * (a form POST of the authorization request is driven here: it does not resume after login, so
 * {@code authorize-post} is not declared, but its {@code aud} is checked as a GET's).
 */
class SmartConfigurationTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PASSWORD = "correct horse battery staple";
	private static final List<String> APP_SCOPES = List.of("openid", "fhirUser", "launch/patient", "patient/*.rs");

	@Autowired
	UserAccounts accounts;

	@Autowired
	PasswordEncoder passwords;

	@Autowired
	RegisteredClientRepository registeredClients;

	@Test
	void declaresEveryCapabilityTheServerHasAndNoneItLacks() throws Exception {
		JsonNode configuration = smartConfiguration();

		assertThat(strings(configuration.get("capabilities"))).containsExactlyInAnyOrder(
				"launch-standalone",
				"client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
				"context-standalone-patient", "sso-openid-connect",
				"permission-offline", "permission-patient", "permission-user", "permission-v1", "permission-v2");
	}

	@Test
	void listsEveryScopeFormTheServerReadsAndOnlyThose() throws Exception {
		List<String> scopes = strings(smartConfiguration().get("scopes_supported"));
		List<String> resourceScopes = scopes.stream().filter(scope -> scope.contains("/*.")).toList();

		assertThat(scopes).contains("openid", "fhirUser", "launch/patient", "offline_access",
				"patient/*.read", "patient/*.write", "patient/*.*", "patient/*.cruds", "patient/*.rs", "patient/*.c",
				"user/*.read", "user/*.rs", "user/*.cud", "system/*.*", "system/*.rs", "system/*.s")
				// no EHR launch, no online access: they would be accepted and grant nothing
				.doesNotContain("launch", "online_access", "launch/encounter")
				.doesNotHaveDuplicates();
		// 3 contexts, each with the 3 v1 words and the 31 non-empty subsets of c r u d s.
		assertThat(resourceScopes).hasSize(3 * (3 + 31)).allSatisfy(scope -> assertThat(SmartScope.parse(scope)).isPresent());
		assertThat(scopes).hasSize(resourceScopes.size() + 4);
	}

	@Test
	void grantsAndClientAuthenticationsAreThoseClientsAreRegisteredWith() throws Exception {
		List<RegisteredClient> registered = List.of(
				clients.registerApp("public-" + UUID.randomUUID(), "Public app", CarnetClients.Kind.PATIENT_APP,
						List.of(SmartLaunch.REDIRECT), APP_SCOPES, null, null),
				clients.registerApp("confidential-" + UUID.randomUUID(), "Confidential app", CarnetClients.Kind.PATIENT_APP,
						List.of(SmartLaunch.REDIRECT), APP_SCOPES, UUID.randomUUID().toString(), passwords::encode),
				registeredClients.findByClientId(
						TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/Patient.rs")).clientId()));
		Set<String> grants = new HashSet<>();
		Set<String> methods = new HashSet<>();
		for (RegisteredClient client : registered) {
			client.getAuthorizationGrantTypes().stream().map(AuthorizationGrantType::getValue).forEach(grants::add);
			client.getClientAuthenticationMethods().stream().map(ClientAuthenticationMethod::getValue).forEach(methods::add);
		}
		JsonNode configuration = smartConfiguration();

		assertThat(strings(configuration.get("grant_types_supported"))).containsExactlyInAnyOrderElementsOf(grants);
		assertThat(strings(configuration.get("token_endpoint_auth_methods_supported"))).containsExactlyInAnyOrderElementsOf(methods);
		assertThat(strings(configuration.get("token_endpoint_auth_signing_alg_values_supported")))
				.containsExactlyInAnyOrder("RS384", "ES384");
		assertThat(strings(configuration.get("response_types_supported"))).containsExactly("code");
		assertThat(strings(configuration.get("code_challenge_methods_supported"))).containsExactly("S256");
	}

	@Test
	void everyEndpointItNamesAnswersThere() throws Exception {
		JsonNode configuration = smartConfiguration();
		String issuer = configuration.get("issuer").asText();

		assertThat(issuer).isEqualTo(baseUrl());
		HttpResponse<String> keys = send(HttpRequest.newBuilder(URI.create(configuration.get("jwks_uri").asText())).GET().build());
		assertThat(keys.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(keys.body()).get("keys").size()).isPositive();
		for (String endpoint : List.of("token_endpoint", "revocation_endpoint", "introspection_endpoint")) {
			HttpResponse<String> unauthenticated = send(HttpRequest.newBuilder(URI.create(configuration.get(endpoint).asText()))
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString("token=x&grant_type=client_credentials")).build());
			assertThat(configuration.get(endpoint).asText()).startsWith(issuer + "/oauth2/");
			assertThat(unauthenticated.statusCode()).as(endpoint + ": " + unauthenticated.body()).isEqualTo(401);
			assertThat(unauthenticated.body()).as(endpoint).contains("invalid_client");
		}
		HttpResponse<String> authorize = send(HttpRequest.newBuilder(
				URI.create(configuration.get("authorization_endpoint").asText())).GET().build());
		assertThat(authorize.statusCode()).as("an authorization request without aud").isEqualTo(400);
	}

	@Test
	void aPostedAuthorizationRequestIsNotResumedAfterLoginSoAuthorizePostIsNotDeclared() throws Exception {
		String app = "posting-app-" + UUID.randomUUID();
		clients.registerApp(app, "Posting app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), APP_SCOPES,
				null, null);
		String patientId = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		String person = "posted-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(person, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + patientId, null, null, null, null, null), PASSWORD);
		TestBrowser browser = new TestBrowser();

		HttpResponse<String> posted = browser.postForm(baseUrl() + "/oauth2/authorize", authorizationForm(app, Pkce.s256(), fhirBase()));
		assertThat(TestBrowser.location(posted)).as("the person logs in first").endsWith("/login");
		String csrf = TestBrowser.inputs(browser.get(TestBrowser.location(posted)).body()).get("_csrf").get(0);
		HttpResponse<String> loggedIn = browser.postForm(baseUrl() + "/login",
				List.of(Map.entry("username", person), Map.entry("password", PASSWORD), Map.entry("_csrf", csrf)));

		// Were this to change, the launch would resume here and authorize-post could be declared.
		assertThat(TestBrowser.location(loggedIn)).doesNotContain("/oauth2/authorize");
		assertThat(strings(smartConfiguration().get("capabilities"))).doesNotContain("authorize-post");
	}

	@Test
	void aPostedAuthorizationRequestNamingAnotherFhirServerIsRefused() {
		String app = "posting-app-" + UUID.randomUUID();
		clients.registerApp(app, "Posting app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), APP_SCOPES,
				null, null);

		HttpResponse<String> posted = new TestBrowser().postForm(baseUrl() + "/oauth2/authorize",
				authorizationForm(app, Pkce.s256(), "https://phishing.example/fhir"));

		assertThat(posted.statusCode()).as(posted.body()).isEqualTo(400);
		assertThat(posted.headers().firstValue("Location")).isEmpty();
	}

	private static List<Map.Entry<String, String>> authorizationForm(String app, Pkce pkce, String audience) {
		return List.of(
				Map.entry("response_type", "code"),
				Map.entry("client_id", app),
				Map.entry("redirect_uri", SmartLaunch.REDIRECT),
				Map.entry("scope", String.join(" ", APP_SCOPES)),
				Map.entry("state", UUID.randomUUID().toString()),
				Map.entry("aud", audience),
				Map.entry("code_challenge", pkce.challenge()),
				Map.entry("code_challenge_method", "S256"));
	}

	private JsonNode smartConfiguration() throws Exception {
		HttpResponse<String> response = send(HttpRequest.newBuilder(
				URI.create(fhirBase() + "/.well-known/smart-configuration")).GET().build());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
		return JSON.readTree(response.body());
	}

	private static List<String> strings(JsonNode array) {
		assertThat(array).isNotNull();
		return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
	}
}
