package org.carnetsante.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * A SMART App Launch (standalone, authorization code + PKCE S256) as an app and its user's browser
 * perform it against Carnet over HTTP: authorization request, login form, patient picker, consent
 * page (where scopes can be unticked), code exchange.
 */
public final class SmartLaunch {

	public static final String REDIRECT = "https://app.example/callback";
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private final String baseUrl;
	private final String redirect;

	public SmartLaunch(String baseUrl) {
		this(baseUrl, REDIRECT);
	}

	/** A launch by an app registered with another redirect URI (the demo's apps). */
	public SmartLaunch(String baseUrl, String redirect) {
		this.baseUrl = baseUrl;
		this.redirect = redirect;
	}

	/** The whole launch for a public app; the token response. */
	public JsonNode tokens(String app, List<String> scopes, String username, String password, String chosenPatient) {
		return tokens(app, scopes, username, password, chosenPatient, Map.of());
	}

	/**
	 * The whole launch, with extra authorization request parameters (a professional's
	 * {@code purpose_of_use} for emergency access).
	 */
	public JsonNode tokens(String app, List<String> scopes, String username, String password, String chosenPatient,
			Map<String, String> extraParameters) {
		Pkce pkce = Pkce.s256();
		String callback = authorize(new TestBrowser(), app, scopes, username, password, chosenPatient, Set.of(), pkce,
				extraParameters);
		HttpResponse<String> response = tokenRequest(app, null, code(callback), pkce.verifier());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		try {
			return JSON.readTree(response.body());
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Runs the browser side; returns the redirect back to the app (carrying the code). */
	public String authorize(TestBrowser browser, String app, List<String> scopes, String username, String password,
			String chosenPatient, Set<String> untick, Pkce pkce) {
		return authorize(browser, app, scopes, username, password, chosenPatient, untick, pkce, Map.of());
	}

	public String authorize(TestBrowser browser, String app, List<String> scopes, String username, String password,
			String chosenPatient, Set<String> untick, Pkce pkce, Map<String, String> extraParameters) {
		StringBuilder extra = new StringBuilder();
		extraParameters.forEach((name, value) -> extra.append('&').append(enc(name)).append('=').append(enc(value)));
		String authorizeUrl = authorizeUrl(app, scopes, redirect, pkce.challenge(), "S256") + extra;
		String next = login(browser, authorizeUrl, username, password);
		HttpResponse<String> page = browser.get(next);
		if (page.statusCode() == 302 && TestBrowser.location(page).contains("/smart/choose-patient")) {
			HttpResponse<String> picker = browser.get(TestBrowser.location(page));
			assertThat(TestBrowser.inputs(picker.body()).get("carnet_patient")).isNotEmpty();
			page = browser.get(authorizeUrl + "&carnet_patient=" + chosenPatient);
		} else if (chosenPatient != null) {
			page = browser.get(authorizeUrl + "&carnet_patient=" + chosenPatient);
		}
		assertThat(TestBrowser.location(page)).as("the consent page").contains("/smart/consent");
		page = browser.get(TestBrowser.location(page));
		assertThat(page.statusCode()).as("consent page").isEqualTo(200);
		Map<String, List<String>> consent = TestBrowser.inputs(page.body());
		assertThat(page.body().split("type=\"checkbox\"", -1).length - 1)
				.as("every requested scope is offered, ticked")
				.isEqualTo(page.body().split("\" checked>", -1).length - 1)
				.isEqualTo(consent.getOrDefault("scope", List.of()).size());
		List<Map.Entry<String, String>> fields = new ArrayList<>();
		fields.add(Map.entry("client_id", consent.get("client_id").get(0)));
		fields.add(Map.entry("state", consent.get("state").get(0)));
		for (String scope : consent.getOrDefault("scope", List.of())) {
			if (!untick.contains(scope)) {
				fields.add(Map.entry("scope", scope));
			}
		}
		String callback = TestBrowser.location(browser.postForm(baseUrl + "/oauth2/authorize", fields));
		assertThat(callback).startsWith(redirect);
		return callback;
	}

	/** Logs in on the form the authorization request leads to; returns where the server sends us next. */
	public String login(TestBrowser browser, String authorizeUrl, String username, String password) {
		HttpResponse<String> start = browser.get(authorizeUrl);
		assertThat(TestBrowser.location(start)).endsWith("/login");
		HttpResponse<String> loginPage = browser.get(TestBrowser.location(start));
		String csrf = TestBrowser.inputs(loginPage.body()).get("_csrf").get(0);
		HttpResponse<String> loggedIn = browser.postForm(baseUrl + "/login", List.of(
				Map.entry("username", username), Map.entry("password", password), Map.entry("_csrf", csrf)));
		return TestBrowser.location(loggedIn);
	}

	public String authorizeUrl(String app, List<String> scopes, String redirect, String challenge, String method) {
		UriComponentsBuilder url = UriComponentsBuilder.fromUriString(baseUrl + "/oauth2/authorize")
				.queryParam("response_type", "code")
				.queryParam("client_id", app)
				.queryParam("redirect_uri", redirect)
				.queryParam("scope", String.join(" ", scopes))
				.queryParam("state", UUID.randomUUID().toString())
				.queryParam("aud", baseUrl + "/fhir");
		if (challenge != null) {
			url.queryParam("code_challenge", challenge).queryParam("code_challenge_method", method);
		}
		return url.encode().build().toUriString();
	}

	public HttpResponse<String> tokenRequest(String app, String secret, String code, String verifier) {
		String form = "grant_type=authorization_code&code=" + enc(code) + "&redirect_uri=" + enc(redirect)
				+ "&code_verifier=" + enc(verifier) + (secret == null ? "&client_id=" + enc(app) : "");
		return form("/oauth2/token", app, secret, form);
	}

	/** A form post to an authorization server endpoint, with HTTP Basic client authentication if a secret is given. */
	public HttpResponse<String> form(String path, String app, String secret, String form) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(form));
		if (secret != null) {
			request.header("Authorization", "Basic " + Base64.getEncoder()
					.encodeToString((enc(app) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8)));
		}
		return Http.send(HTTP, request.build());
	}

	public static String code(String callback) {
		return UriComponentsBuilder.fromUriString(callback).build().getQueryParams().getFirst("code");
	}

	public static String errorOf(HttpResponse<String> response) {
		return UriComponentsBuilder.fromUriString(TestBrowser.location(response)).build().getQueryParams().getFirst("error");
	}

	private static String enc(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	/** A PKCE pair: a random verifier and its S256 challenge. */
	public record Pkce(String verifier, String challenge) {

		public static Pkce s256() {
			String verifier = UUID.randomUUID() + "-" + UUID.randomUUID();
			try {
				byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
				return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
			} catch (NoSuchAlgorithmException e) {
				throw new IllegalStateException(e);
			}
		}
	}
}
