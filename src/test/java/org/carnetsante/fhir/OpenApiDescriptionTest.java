package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.core.util.Yaml;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.security.OAuthFlow;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.TestExternalIssuer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code /fhir/api-docs} and {@code /fhir/swagger-ui/} over HTTP, without a token: the description lists
 * the served resource types and interactions only, says how to get a token (SMART App Launch with PKCE,
 * Backend Services, a pasted bearer token), carries Carnet's whole title; the Swagger UI page and its
 * assets load.
 */
class OpenApiDescriptionTest extends CarnetServerTest {

	private static final Pattern TYPE = Pattern.compile("^/([A-Z][A-Za-z]+)(/.*)?$");

	@Autowired
	FhirProperties fhir;

	@Test
	void declaresTheSmartWaysToGetATokenWithTheIssuersEndpoints() throws Exception {
		OpenAPI description = apiDocs();
		Map<String, SecurityScheme> schemes = description.getComponents().getSecuritySchemes();

		OAuthFlow appLaunch = schemes.get("smart-app-launch").getFlows().getAuthorizationCode();
		assertThat(appLaunch.getAuthorizationUrl()).isEqualTo(baseUrl() + "/oauth2/authorize");
		assertThat(appLaunch.getTokenUrl()).isEqualTo(baseUrl() + "/oauth2/token");
		assertThat(appLaunch.getScopes()).containsKeys("openid", "fhirUser", "launch/patient", "offline_access",
				"patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.read").doesNotContainKey("system/*.rs")
				.allSatisfy((scope, meaning) -> assertThat(meaning).isNotBlank());
		assertThat(schemes.get("smart-app-launch").getDescription()).contains("PKCE", "S256",
				fhirBase() + "/swagger-ui/oauth2-redirect.html");

		SecurityScheme backend = schemes.get("smart-backend-services");
		assertThat(backend.getFlows().getClientCredentials().getTokenUrl()).isEqualTo(baseUrl() + "/oauth2/token");
		assertThat(backend.getFlows().getClientCredentials().getScopes()).containsKeys("system/*.rs", "system/*.cruds")
				.doesNotContainKey("launch/patient");
		assertThat(backend.getDescription()).contains("private_key_jwt", "cannot sign", "bearer-token");

		assertThat(schemes.get("bearer-token").getType()).isEqualTo(SecurityScheme.Type.HTTP);
		assertThat(schemes.get("bearer-token").getScheme()).isEqualTo("bearer");
		// The test server accepts one external issuer: documented, with its discovery document.
		SecurityScheme external = schemes.get("external-issuer-1");
		assertThat(external.getType()).isEqualTo(SecurityScheme.Type.OPENIDCONNECT);
		assertThat(external.getOpenIdConnectUrl()).isEqualTo(
				TestExternalIssuer.get().issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration");
		assertThat(external.getDescription()).contains(TestExternalIssuer.AUDIENCE, "bearer-token");
		// One global requirement with the ways as alternatives: "Try it out" sends the token.
		assertThat(description.getSecurity()).extracting(SecurityRequirement::keySet).containsExactly(
				Set.of("smart-app-launch"), Set.of("smart-backend-services"), Set.of("bearer-token"), Set.of("external-issuer-1"));
	}

	@Test
	void listsEveryServedTypeAndNothingElse() throws Exception {
		OpenAPI description = apiDocs();
		Set<String> served = Set.copyOf(fhir.resourceTypes());
		Set<String> described = new HashSet<>();
		for (String path : description.getPaths().keySet()) {
			Matcher typed = TYPE.matcher(path);
			if (typed.matches()) {
				described.add(typed.group(1));
			}
		}

		assertThat(described).as("types with paths").containsExactlyInAnyOrderElementsOf(served);
		assertThat(description.getTags()).extracting(Tag::getName).filteredOn(name -> Character.isUpperCase(name.charAt(0)))
				.filteredOn(name -> name.matches("[A-Za-z]+")).isSubsetOf(served);
		assertThat(description.getPaths()).doesNotContainKeys("/Account", "/Account/{id}", "/Practitioner/{id}/$meta");
	}

	@Test
	void listsOnlyTheInteractionsCarnetServes() throws Exception {
		Map<String, PathItem> paths = apiDocs().getPaths();

		assertThat(paths).containsKeys("/metadata", "/Patient", "/Patient/{id}", "/Patient/{id}/_history",
				"/Patient/{id}/_history/{version_id}", "/Patient/{id}/$everything", "/DocumentReference/$validate", "/$export");
		assertThat(paths).as("type and server history, unserved operations").doesNotContainKeys(
				"/_history", "/Patient/_history", "/DocumentReference/_history", "/Patient/$meta", "/Patient/{id}/$meta",
				"/Patient/{id}/$meta-delete", "/$meta", "/$reindex", "/Patient/{id}/$expunge", "/$expunge",
				"/$get-resource-counts", "/$perform-reindexing-pass");
		paths.forEach((path, item) -> {
			assertThat(item.readOperations()).as(path).isNotEmpty();
			assertThat(path).as("no operation but the served ones").satisfiesAnyOf(
					p -> assertThat(p).doesNotContain("$"),
					p -> assertThat(p).containsAnyOf("$validate", "$everything", "$access-log", "$notification-preferences",
							"$mark-read", "$remove-from-view", "$file-attachment", "$activate", "$oppose", "$space-state",
							"$close", "$reopen", "$invite", "$invitations", "$end-invitation", "$answer-invitation", "$export"));
		});
		assertThat(paths.get("/Patient").getPut()).as("conditional update").isNull();
		assertThat(paths.get("/Patient").getDelete()).as("conditional delete").isNull();
		assertThat(paths.get("/Patient/{id}").getPut()).isNotNull();
	}

	@Test
	void carriesCarnetsWholeTitle() throws Exception {
		OpenAPI description = apiDocs();
		HttpResponse<String> page = get("/swagger-ui/", "text/html");

		assertThat(description.getInfo().getTitle()).isEqualTo("Carnet FHIR server");
		assertThat(description.getInfo().getDescription()).isEqualTo(CarnetCapabilityStatement.DESCRIPTION);
		// Its "é" survives: the YAML says its charset.
		assertThat(get("/api-docs", "*/*").headers().firstValue("Content-Type"))
				.hasValueSatisfying(type -> assertThat(type).containsIgnoringCase("charset=UTF-8"));
		assertThat(page.body()).contains("<title>Carnet FHIR server</title>")
				.contains("<span>Carnet FHIR server</span>")
				.contains(CarnetCapabilityStatement.DESCRIPTION)
				// HAPI's page: the description as heading next to a 100 px raccoon
				.doesNotContain("raccoon.png");
	}

	@Test
	void swaggerUiLoadsWithItsAssetsAndTheOAuthReturnPage() {
		HttpResponse<String> page = get("/swagger-ui/", "text/html");

		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
		// Thymeleaf writes the URLs as JavaScript strings, where "/" is escaped.
		assertThat(page.body()).contains("url: " + javaScript(fhirBase() + "/api-docs"))
				.contains("oauth2RedirectUrl: " + javaScript(fhirBase() + "/swagger-ui/oauth2-redirect.html"))
				.contains("usePkceWithAuthorizationCodeGrant: true")
				.contains("aud: " + javaScript(fhirBase()));
		for (String asset : List.of("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css")) {
			HttpResponse<String> loaded = get("/swagger-ui/" + asset, "*/*");
			assertThat(loaded.statusCode()).as(asset).isEqualTo(200);
			assertThat(loaded.body().length()).as(asset).isGreaterThan(1000);
			assertThat(loaded.headers().firstValue("Content-Type")).as(asset)
					.hasValueSatisfying(type -> assertThat(type).contains(asset.endsWith(".css") ? "css" : "javascript"));
		}
		HttpResponse<String> oauthReturn = get("/swagger-ui/oauth2-redirect.html?code=abc&state=xyz", "text/html");
		assertThat(oauthReturn.statusCode()).isEqualTo(200);
		assertThat(oauthReturn.body()).contains("swaggerUIRedirectOauth2");
	}

	private static String javaScript(String url) {
		return "\"" + url.replace("/", "\\/") + "\"";
	}

	private OpenAPI apiDocs() throws Exception {
		HttpResponse<String> response = get("/api-docs", "*/*");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return Yaml.mapper().readValue(response.body(), OpenAPI.class);
	}

	private HttpResponse<String> get(String fhirPath, String accept) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + fhirPath)).header("Accept", accept).GET().build());
	}
}
