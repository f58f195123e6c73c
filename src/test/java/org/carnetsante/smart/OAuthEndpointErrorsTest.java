package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The endpoints clients call directly (token, introspection, revocation) answer every refusal with an
 * OAuth error in JSON (RFC 6749 §5.2), never a redirect to the login page or HTML, whatever the
 * {@code Accept} header: only the browser-facing authorization endpoint sends people to log in.
 */
class OAuthEndpointErrorsTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs");

	@Autowired
	PasswordEncoder passwords;

	@Test
	void aPublicClientAskingForAnotherGrantThanTheCodeExchangeGetsInvalidClient() throws Exception {
		String app = "public-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES, null, null);

		for (String form : List.of(
				"grant_type=client_credentials&scope=patient/*.rs&client_id=" + app,
				"grant_type=refresh_token&refresh_token=" + UUID.randomUUID() + "&client_id=" + app,
				"grant_type=authorization_code&code=" + UUID.randomUUID() + "&redirect_uri=" + SmartLaunch.REDIRECT
						+ "&client_id=" + app, // no code_verifier: not even a public client's exchange
				"grant_type=password&username=marie&password=demo&client_id=" + app)) {
			for (String accept : List.of("text/html", "*/*", "application/json")) {
				assertOAuthError(post("/oauth2/token", form, accept, null), 401, "invalid_client", form + " / " + accept);
			}
		}
	}

	@Test
	void introspectionAndRevocationWithoutClientAuthenticationGetInvalidClient() throws Exception {
		for (String endpoint : List.of("/oauth2/introspect", "/oauth2/revoke")) {
			for (String accept : List.of("text/html", "*/*")) {
				assertOAuthError(post(endpoint, "token=" + UUID.randomUUID(), accept, null), 401, "invalid_client",
						endpoint + " / " + accept);
			}
		}
		assertOAuthError(post("/oauth2/token", "grant_type=client_credentials", "text/html", null), 401,
				"invalid_client", "no client at all");
	}

	@Test
	void aConfidentialClientGetsTheErrorOfWhatItGotWrong() throws Exception {
		String app = "confidential-" + UUID.randomUUID();
		clients.registerApp(app, "Practitioner software", CarnetClients.Kind.PRACTITIONER_SOFTWARE,
				List.of(SmartLaunch.REDIRECT), SCOPES, "s3cret", passwords::encode);

		HttpResponse<String> wrongSecret = post("/oauth2/token", "grant_type=client_credentials", "text/html", basic(app, "wrong"));
		HttpResponse<String> grantNotRegistered = post("/oauth2/token", "grant_type=client_credentials&scope=patient/*.rs",
				"text/html", basic(app, "s3cret"));
		HttpResponse<String> unknownGrant = post("/oauth2/token", "grant_type=password&username=a&password=b", "text/html",
				basic(app, "s3cret"));
		HttpResponse<String> unknownRefreshToken = post("/oauth2/token", "grant_type=refresh_token&refresh_token=x",
				"text/html", basic(app, "s3cret"));

		assertOAuthError(wrongSecret, 401, "invalid_client", "wrong secret");
		assertThat(wrongSecret.headers().firstValue("WWW-Authenticate")).as("challenge after Basic authentication")
				.hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Basic"));
		assertOAuthError(grantNotRegistered, 400, "unauthorized_client", "client_credentials not registered");
		assertOAuthError(unknownGrant, 400, "unsupported_grant_type", "password grant");
		assertOAuthError(unknownRefreshToken, 400, "invalid_grant", "unknown refresh token");
	}

	@Test
	void onlyTheAuthorizationEndpointSendsAPersonToTheLoginPage() {
		String app = "public-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), SCOPES, null, null);
		String authorize = new SmartLaunch(baseUrl()).authorizeUrl(app, SCOPES, SmartLaunch.REDIRECT,
				SmartLaunch.Pkce.s256().challenge(), "S256");

		HttpResponse<String> page = new TestBrowser().get(authorize);

		assertThat(page.statusCode()).isEqualTo(302);
		assertThat(TestBrowser.location(page)).endsWith("/login");
	}

	private void assertOAuthError(HttpResponse<String> response, int status, String error, String what) throws Exception {
		assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Location")).as(what + ": no redirect").isEmpty();
		assertThat(response.headers().firstValue("Content-Type")).as(what)
				.hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
		assertThat(JSON.readTree(response.body()).path("error").asText()).as(what).isEqualTo(error);
	}

	private HttpResponse<String> post(String path, String form, String accept, String authorization) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.header("Accept", accept)
				.POST(HttpRequest.BodyPublishers.ofString(form));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return send(request.build());
	}

	private static String basic(String client, String secret) {
		return "Basic " + Base64.getEncoder().encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
	}
}
