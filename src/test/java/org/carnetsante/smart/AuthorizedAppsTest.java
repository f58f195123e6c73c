package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.SmartLaunch.Pkce;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The consent page says which app asks (name, publisher), which space it opens and where the access is
 * withdrawn; the authorized apps page lists what the person approved and withdraws it: the app's
 * tokens are refused at once and its next launch asks again. Over HTTP, as a browser and an app would.
 */
class AuthorizedAppsTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PASSWORD = "correct horse battery staple";
	private static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "patient/*.rs");

	@Autowired
	UserAccounts accounts;

	@Autowired
	org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository registered;

	private String patientId;
	private String holder;
	private String app;

	@BeforeEach
	void aPatientAndAnApp() {
		patientId = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		holder = "holder-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(holder, CarnetCaller.Kind.PATIENT, "Alix Moreau", "Patient/" + patientId,
				null, null, null, null, null), PASSWORD);
		accounts.allowSpace(holder, patientId, UserAccounts.Relationship.SELF);
		app = "app-" + UUID.randomUUID();
		clients.registerApp(app, "Suivi Tension", "Éditions Santé Claire", CarnetClients.Kind.PATIENT_APP,
				List.of(SmartLaunch.REDIRECT), SCOPES, null, null);
	}

	@Test
	void theConsentPageNamesTheAppItsPublisherTheSpaceEachScopeInPlainWordsAndWhereToWithdraw() {
		SmartLaunch launch = new SmartLaunch(baseUrl());
		TestBrowser browser = new TestBrowser();
		String authorize = launch.authorizeUrl(app, SCOPES, SmartLaunch.REDIRECT, Pkce.s256().challenge(), "S256");

		HttpResponse<String> toConsent = browser.get(launch.login(browser, authorize, holder, PASSWORD));
		// French typography: no-break spaces inside « » and before ":"; compared here as plain spaces.
		String page = browser.get(TestBrowser.location(toConsent)).body().replace('\u00a0', ' ');

		assertThat(page)
				.contains("<html lang=\"fr\">")
				.contains("« Suivi Tension » demande l’accès à votre espace santé")
				.contains("<dt>Éditeur</dt><dd>Éditions Santé Claire</dd>")
				.contains("(votre espace)")
				.contains("voir toutes les informations de l’espace")
				.contains("connaître votre identité")
				.contains("href=\"/smart/apps\"")
				.contains("id=\"submit-consent\"")
				.contains("<main");
		assertThat(page.indexOf("fhirUser\" checked>")).as("identity before the data").isLessThan(page.indexOf("patient/*.rs\" checked>"));
	}

	@Test
	void withdrawingAnAppRevokesItsTokensAtOnceAndItsNextLaunchAsksAgain() throws Exception {
		TestBrowser browser = new TestBrowser();
		String accessToken = launchedToken(browser);
		assertThat(fhirRead(accessToken)).as("before the withdrawal").isEqualTo(200);

		String listed = browser.get(baseUrl() + AuthorizedAppsPage.APPS_PATH).body();
		assertThat(listed).contains("Suivi Tension").contains("Éditeur\u00a0: Éditions Santé Claire")
				.contains("voir toutes les informations de l’espace");
		Map<String, List<String>> form = TestBrowser.inputs(listed);
		HttpResponse<String> withdrawn = browser.postForm(baseUrl() + AuthorizedAppsPage.WITHDRAW_PATH, List.of(
				Map.entry("client", form.get("client").get(0)), Map.entry("_csrf", form.get("_csrf").get(0))));

		assertThat(TestBrowser.location(withdrawn)).endsWith(AuthorizedAppsPage.APPS_PATH);
		assertThat(fhirRead(accessToken)).as("the same token, just after the withdrawal").isEqualTo(401);
		String after = browser.get(baseUrl() + AuthorizedAppsPage.APPS_PATH).body().replace('\u00a0', ' ');
		assertThat(after).contains("role=\"status\"").contains("« Suivi Tension » a été retiré").doesNotContain("name=\"client\"");
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM oauth2_authorization_consent WHERE principal_name = ?",
				Integer.class, holder)).isZero();
		// Asked again: the authorization request leads to the consent page, not straight back to the app.
		SmartLaunch launch = new SmartLaunch(baseUrl());
		HttpResponse<String> again = browser.get(launch.authorizeUrl(app, SCOPES, SmartLaunch.REDIRECT, Pkce.s256().challenge(), "S256"));
		assertThat(TestBrowser.location(again)).contains(ConsentPage.CONSENT_PATH);
	}

	/**
	 * An app approved before asks for more: the consent page lists every scope, and what is unticked now is
	 * not given, even a scope approved the first time; refusing everything refuses the launch.
	 */
	@Test
	void anAppApprovedBeforeGetsOnlyWhatIsTickedNowAndARefusalRefusesIt() throws Exception {
		String observations = "patient/Observation.rs";
		String documents = "patient/DocumentReference.rs";
		String narrowApp = "app-" + UUID.randomUUID();
		clients.registerApp(narrowApp, "Carnet de mesures", "Éditions Santé Claire", CarnetClients.Kind.PATIENT_APP,
				List.of(SmartLaunch.REDIRECT), List.of("openid", "fhirUser", "launch/patient", observations, documents),
				null, null);
		SmartLaunch launch = new SmartLaunch(baseUrl());
		assertThat(grantedScopes(launch, narrowApp, List.of("openid", "fhirUser", "launch/patient", observations), Set.of()))
				.contains(observations);

		assertThat(grantedScopes(launch, narrowApp, List.of("openid", "fhirUser", "launch/patient", observations, documents),
				Set.of(observations)))
				.as("the scope approved the first time and unticked now").doesNotContain(observations).contains(documents);

		Pkce pkce = Pkce.s256();
		String refused = launch.authorize(new TestBrowser(), narrowApp,
				List.of("openid", "fhirUser", "launch/patient", observations, documents), holder, PASSWORD, null,
				Set.of("fhirUser", "launch/patient", observations, documents), pkce);
		assertThat(refused).as("nothing ticked, after earlier approvals").contains("error=access_denied")
				.doesNotContain("code=");
	}

	private List<String> grantedScopes(SmartLaunch launch, String client, List<String> scopes, Set<String> untick)
			throws Exception {
		Pkce pkce = Pkce.s256();
		String callback = launch.authorize(new TestBrowser(), client, scopes, holder, PASSWORD, null, untick, pkce);
		HttpResponse<String> response = launch.tokenRequest(client, null, SmartLaunch.code(callback), pkce.verifier());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return List.of(JSON.readTree(response.body()).get("scope").asText().split(" "));
	}

	@Test
	void nobodyWithdrawsAnotherPersonsApp() throws Exception {
		String accessToken = launchedToken(new TestBrowser());
		String registeredId = registered.findByClientId(app).getId();
		String other = "other-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(other, CarnetCaller.Kind.PATIENT, "Someone Else", "Patient/none",
				null, null, null, null, null), PASSWORD);
		TestBrowser otherBrowser = new TestBrowser();
		new SmartLaunch(baseUrl()).login(otherBrowser, baseUrl() + AuthorizedAppsPage.APPS_PATH, other, PASSWORD);
		String otherPage = otherBrowser.get(baseUrl() + AuthorizedAppsPage.APPS_PATH).body();
		assertThat(otherPage).doesNotContain("Suivi Tension");

		otherBrowser.postForm(baseUrl() + AuthorizedAppsPage.WITHDRAW_PATH, List.of(
				Map.entry("client", registeredId), Map.entry("_csrf", TestBrowser.inputs(otherPage).get("_csrf").get(0))));

		assertThat(fhirRead(accessToken)).as("the holder's token still stands").isEqualTo(200);
	}

	private String launchedToken(TestBrowser browser) throws Exception {
		SmartLaunch launch = new SmartLaunch(baseUrl());
		Pkce pkce = Pkce.s256();
		String callback = launch.authorize(browser, app, SCOPES, holder, PASSWORD, null, Set.of(), pkce);
		HttpResponse<String> response = launch.tokenRequest(app, null, SmartLaunch.code(callback), pkce.verifier());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode tokens = JSON.readTree(response.body());
		return tokens.get("access_token").asText();
	}

	private int fhirRead(String accessToken) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + patientId))
				.header("Authorization", "Bearer " + accessToken)
				.header("Accept", "application/fhir+json")
				.GET()
				.build()).statusCode();
	}
}
