package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
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
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * SMART App Launch, standalone, driven over HTTP as a browser and an app would: authorization
 * request with PKCE S256, login form, patient picker, consent page where scopes can be unticked, code
 * exchange; then the token's patient context, fhirUser, refresh, revocation and introspection.
 */
class SmartAppLaunchTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String REDIRECT = SmartLaunch.REDIRECT;
	private static final String PASSWORD = "correct horse battery staple";
	private static final List<String> APP_SCOPES = List.of(
			"openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs", "patient/Observation.rs");

	@Autowired
	UserAccounts accounts;

	@Autowired
	PasswordEncoder passwords;

	private String motherId;
	private String childId;
	private String mother;

	@BeforeEach
	void aMotherWithAChild() {
		motherId = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		// In the care of the test hospital, whose doctors may then read it.
		childId = patientInOurCare(Fixtures.child("Lou"));
		mother = "claire-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(mother, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + motherId, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(mother, motherId, UserAccounts.Relationship.SELF);
		accounts.allowSpace(mother, childId, UserAccounts.Relationship.LEGAL_REPRESENTATIVE);
	}

	@Test
	void personWithOneSpaceGetsItsPatientContextAndFhirUser() throws Exception {
		String single = "solo-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(single, CarnetCaller.Kind.PATIENT, "Claire Martin",
				"Patient/" + motherId, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(single, motherId, UserAccounts.Relationship.SELF);
		String app = publicApp();
		Pkce pkce = Pkce.s256();

		String callback = authorize(new TestBrowser(), app, APP_SCOPES, single, null, Set.of(), pkce);
		JsonNode tokens = exchange(app, null, SmartLaunch.code(callback), pkce.verifier());

		assertThat(tokens.get("patient").asText()).isEqualTo(motherId);
		assertThat(SignedJWT.parse(tokens.get("id_token").asText()).getJWTClaimsSet().getStringClaim("fhirUser"))
				.isEqualTo("Patient/" + motherId);
		assertThat(tokens.has("refresh_token")).as("no refresh token for a public app").isFalse();
		assertThat(fhirGet("/Patient/" + motherId, tokens.get("access_token").asText()).statusCode()).isEqualTo(200);
	}

	@Test
	void parentChoosesTheChildsSpaceOnThePickerAndUntickedScopesAreNotGranted() throws Exception {
		String app = publicApp();
		Pkce pkce = Pkce.s256();

		String callback = authorize(new TestBrowser(), app, APP_SCOPES, mother, childId, Set.of("patient/Observation.rs"), pkce);
		JsonNode tokens = exchange(app, null, SmartLaunch.code(callback), pkce.verifier());

		assertThat(tokens.get("patient").asText()).isEqualTo(childId);
		assertThat(tokens.get("scope").asText().split(" ")).contains("patient/*.rs", "launch/patient")
				.doesNotContain("patient/Observation.rs");
		assertThat(SignedJWT.parse(tokens.get("access_token").asText()).getJWTClaimsSet().getStringClaim("patient"))
				.isEqualTo(childId);
	}

	@Test
	void patientScopesWithoutAPatientContextGrantNothing() {
		String app = publicApp();
		List<String> noLaunch = List.of("openid", "fhirUser", "patient/*.rs");

		JsonNode tokens = launch().tokens(app, noLaunch, mother, PASSWORD, motherId);

		assertThat(tokens.has("patient")).isFalse();
		assertThat(fhirGet("/Observation", tokens.get("access_token").asText()).statusCode()).isEqualTo(403);
		assertThat(fhirGet("/Patient/" + childId, tokens.get("access_token").asText()).statusCode()).isEqualTo(403);
	}

	@Test
	void aChosenPatientOutsideTheAccountsSpacesGetsNoToken() {
		String stranger = fhirClient().create().resource(Fixtures.insPatient()).execute().getId().getIdPart();
		String app = publicApp();
		Pkce pkce = Pkce.s256();

		String callback = authorize(new TestBrowser(), app, APP_SCOPES, mother, stranger, Set.of(), pkce);
		HttpResponse<String> token = tokenRequest(app, null, SmartLaunch.code(callback), pkce.verifier());

		assertThat(token.statusCode()).as(token.body()).isEqualTo(400);
		assertThat(token.body()).contains("invalid_grant");
	}

	@Test
	void confidentialAppWithOfflineAccessRefreshesAndRevocationEndsIt() throws Exception {
		String secret = UUID.randomUUID().toString();
		String app = "confidential-app-" + UUID.randomUUID();
		clients.registerApp(app, "Confidential patient app", CarnetClients.Kind.PATIENT_APP, List.of(REDIRECT),
				APP_SCOPES, secret, passwords::encode);
		Pkce pkce = Pkce.s256();

		String callback = authorize(new TestBrowser(), app, APP_SCOPES, mother, motherId, Set.of(), pkce);
		JsonNode tokens = exchange(app, secret, SmartLaunch.code(callback), pkce.verifier());
		String refreshToken = tokens.get("refresh_token").asText();
		HttpResponse<String> refreshed = form("/oauth2/token", app, secret,
				"grant_type=refresh_token&refresh_token=" + refreshToken);
		JsonNode renewed = JSON.readTree(refreshed.body());
		JsonNode activeBefore = JSON.readTree(form("/oauth2/introspect", app, secret,
				"token=" + renewed.get("access_token").asText()).body());
		HttpResponse<String> revoked = form("/oauth2/revoke", app, secret,
				"token=" + renewed.get("refresh_token").asText() + "&token_type_hint=refresh_token");
		JsonNode activeAfter = JSON.readTree(form("/oauth2/introspect", app, secret,
				"token=" + renewed.get("access_token").asText()).body());
		HttpResponse<String> refreshAfterRevocation = form("/oauth2/token", app, secret,
				"grant_type=refresh_token&refresh_token=" + renewed.get("refresh_token").asText());

		assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
		assertThat(renewed.get("patient").asText()).isEqualTo(motherId);
		assertThat(activeBefore.get("active").asBoolean()).isTrue();
		assertThat(revoked.statusCode()).isEqualTo(200);
		assertThat(activeAfter.get("active").asBoolean()).isFalse();
		assertThat(refreshAfterRevocation.statusCode()).isEqualTo(400);
	}

	@Test
	void professionalLoginGivesAUserTokenWithTheProfessionalsIdentityAndNoPatientContext() throws Exception {
		String doctor = "dr-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(doctor, CarnetCaller.Kind.PROFESSIONAL, "Dr Jean Martin",
				"Practitioner/810000000001", "810000000001", "10", "SM54", "1750000000", null), PASSWORD);
		List<String> scopes = List.of("openid", "fhirUser", "user/*.rs");
		String app = "practitioner-software-" + UUID.randomUUID();
		clients.registerApp(app, "Practitioner software", CarnetClients.Kind.PRACTITIONER_SOFTWARE, List.of(REDIRECT),
				scopes, null, null);

		JsonNode tokens = launch().tokens(app, scopes, doctor, PASSWORD, null);
		var claims = SignedJWT.parse(tokens.get("access_token").asText()).getJWTClaimsSet();

		assertThat(tokens.has("patient")).isFalse();
		assertThat(claims.getStringClaim("fhirUser")).isEqualTo("Practitioner/810000000001");
		assertThat(claims.getStringClaim("idnat")).isEqualTo("810000000001");
		assertThat(claims.getStringClaim("profession")).isEqualTo("10");
		assertThat(claims.getStringClaim("specialty")).isEqualTo("SM54");
		assertThat(fhirGet("/Patient/" + childId, tokens.get("access_token").asText()).statusCode()).isEqualTo(200);
		assertThat(send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient"))
				.header("Authorization", "Bearer " + tokens.get("access_token").asText())
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(Fixtures.insPatient())))
				.build()).statusCode()).as("user/*.rs cannot create").isEqualTo(403);
	}

	@Test
	void authorizationRequestsThatBreakTheRulesAreRefused() {
		String app = publicApp();
		Pkce pkce = Pkce.s256();
		TestBrowser browser = new TestBrowser();
		login(browser, authorizeUrl(app, APP_SCOPES, REDIRECT, pkce.challenge(), "S256"), mother);

		// The mother's own space is chosen up front, so that the picker does not come first.
		String ownSpace = "&carnet_patient=" + motherId;
		HttpResponse<String> plain = browser.get(authorizeUrl(app, APP_SCOPES, REDIRECT, pkce.verifier(), "plain") + ownSpace);
		HttpResponse<String> noPkce = browser.get(authorizeUrl(app, APP_SCOPES, REDIRECT, null, null) + ownSpace);
		HttpResponse<String> unregisteredRedirect = browser.get(
				authorizeUrl(app, APP_SCOPES, "https://evil.example/steal", pkce.challenge(), "S256") + ownSpace);
		HttpResponse<String> unregisteredScope = browser.get(
				authorizeUrl(app, List.of("openid", "system/*.*"), REDIRECT, pkce.challenge(), "S256"));
		HttpResponse<String> otherAudience = browser.get(
				authorizeUrl(app, APP_SCOPES, REDIRECT, pkce.challenge(), "S256").replace(
						"aud=" + java.net.URLEncoder.encode(fhirBase(), java.nio.charset.StandardCharsets.UTF_8).replace("%3A", ":").replace("%2F", "/"),
						"aud=https://phishing.example/fhir"));

		assertThat(SmartLaunch.errorOf(plain)).as("PKCE plain").isEqualTo("invalid_request");
		assertThat(SmartLaunch.errorOf(noPkce)).as("PKCE missing").isEqualTo("invalid_request");
		assertThat(unregisteredRedirect.statusCode()).as("redirect URI not registered: no redirect at all").isEqualTo(400);
		assertThat(SmartLaunch.errorOf(unregisteredScope)).as("scope not registered").isEqualTo("invalid_scope");
		assertThat(otherAudience.statusCode()).as("aud naming another FHIR server").isEqualTo(400);
	}

	private String publicApp() {
		String app = "patient-app-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(REDIRECT), APP_SCOPES, null, null);
		return app;
	}

	private String authorize(TestBrowser browser, String app, List<String> scopes, String username,
			String chosenPatient, Set<String> untick, Pkce pkce) {
		return launch().authorize(browser, app, scopes, username, PASSWORD, chosenPatient, untick, pkce);
	}

	private String login(TestBrowser browser, String authorizeUrl, String username) {
		return launch().login(browser, authorizeUrl, username, PASSWORD);
	}

	private String authorizeUrl(String app, List<String> scopes, String redirect, String challenge, String method) {
		return launch().authorizeUrl(app, scopes, redirect, challenge, method);
	}

	private JsonNode exchange(String app, String secret, String code, String verifier) throws Exception {
		HttpResponse<String> response = tokenRequest(app, secret, code, verifier);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	private HttpResponse<String> tokenRequest(String app, String secret, String code, String verifier) {
		return launch().tokenRequest(app, secret, code, verifier);
	}

	private HttpResponse<String> form(String path, String app, String secret, String form) {
		return launch().form(path, app, secret, form);
	}

	private SmartLaunch launch() {
		return new SmartLaunch(baseUrl());
	}

	private HttpResponse<String> fhirGet(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}

}
