package org.carnetsante.smart;

import static org.carnetsante.smart.PatientPage.escape;
import static org.carnetsante.smart.PatientPage.hidden;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The scope approval page: which app asks (its name and publisher), which space it would open (one's
 * own, a child's, or one a relative entrusted), what each scope lets it do in plain words
 * ({@link ScopeWording}), and where the access is withdrawn later ({@link AuthorizedAppsPage}). Every
 * scope asked for is listed ticked, and the person unticks what they refuse before approving (SMART
 * App Launch: the user may grant fewer scopes than asked), or refuses the whole access. Spring
 * Authorization Server's built-in page lists them unticked; this one replaces it.
 */
@RestController
class ConsentPage {

	static final String CONSENT_PATH = "/smart/consent";

	private final RegisteredClientRepository clients;
	private final OAuth2AuthorizationService authorizations;
	private final UserAccounts accounts;
	private final SpaceNames spaces;
	private final PatientPageText text;

	ConsentPage(RegisteredClientRepository clients, OAuth2AuthorizationService authorizations, UserAccounts accounts,
			ca.uhn.fhir.jpa.api.dao.DaoRegistry daos, PatientPageText text) {
		this.clients = clients;
		this.authorizations = authorizations;
		this.accounts = accounts;
		this.spaces = new SpaceNames(accounts, daos);
		this.text = text;
	}

	@GetMapping(value = CONSENT_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String approveScopes(
			HttpServletRequest request,
			Principal user,
			@RequestParam("client_id") String clientId,
			@RequestParam("scope") String scope,
			@RequestParam("state") String state) {
		PatientPageText.Words words = text.forRequest(request);
		RegisteredClient client = clients.findByClientId(clientId);
		if (client == null) {
			// No page that names an app nobody registered on the real domain (Spring Authorization Server
			// never sends a person here for one).
			throw new org.springframework.web.server.ResponseStatusException(org.springframework.http.HttpStatus.BAD_REQUEST,
					"unknown client_id");
		}
		String appName = client.getClientName();
		String publisher = CarnetClients.publisherOf(client)
				.orElse(words.get("consent.publisher.unknown"));
		List<String> scopes = Arrays.stream(scope.split(" ")).filter(requested -> !requested.isBlank())
				.sorted(ScopeWording.READING_ORDER).toList();
		Optional<OAuth2AuthorizationRequest> pending = pendingRequest(state);
		String action = request.getContextPath() + "/oauth2/authorize";

		StringBuilder content = new StringBuilder()
				.append("<h1>").append(escape(words.get("consent.heading", appName))).append("</h1>")
				.append("<dl class=\"facts\">")
				.append(fact(words.get("consent.app"), appName))
				.append(fact(words.get("consent.publisher"), publisher));
		if (scopes.contains(LaunchContext.LAUNCH_PATIENT)) {
			content.append(fact(words.get("consent.space"), spaceOpened(user.getName(), pending, words)));
		}
		String signedIn = accounts.find(user.getName()).map(UserAccounts.Account::displayName).orElse(user.getName());
		content.append(fact(words.get("consent.signed-in"), signedIn)).append("</dl>")
				.append(emergencyNotice(pending, words))
				.append("<form method=\"post\" action=\"").append(action).append("\" class=\"card\">")
				.append(hidden("client_id", clientId))
				.append(hidden("state", state))
				.append("<fieldset><legend><span class=\"legend-title\">").append(escape(words.get("consent.scopes")))
				.append("</span></legend><p class=\"hint\" id=\"scopes-hint\">").append(escape(words.get("consent.scopes.hint")))
				.append("</p><ul class=\"scopes\">");
		int index = 0;
		for (String requested : scopes) {
			ScopeWording.Phrase phrase = ScopeWording.of(requested, words);
			if (OidcScopes.OPENID.equals(requested)) {
				// Always granted with the others (OpenID Connect): told, not offered.
				content.append("<li class=\"scope scope-always\"><span>").append(escape(phrase.text()))
						.append(" <span class=\"scope-note\">").append(escape(words.get("consent.scopes.always")))
						.append("</span></span></li>");
				continue;
			}
			index++;
			content.append("<li class=\"scope\"><input type=\"checkbox\" id=\"scope-").append(index)
					.append("\" name=\"scope\" aria-describedby=\"scopes-hint\" value=\"").append(escape(requested))
					.append("\" checked><label for=\"scope-").append(index).append("\">").append(escape(phrase.text()));
			if (phrase.plain()) {
				content.append(" <span class=\"scope-code\" lang=\"en\">").append(escape(requested)).append("</span>");
			}
			content.append("</label></li>");
		}
		content.append("</ul></fieldset><div class=\"actions\"><button type=\"submit\" id=\"submit-consent\" class=\"button\">")
				.append(escape(words.get("consent.approve"))).append("</button></div></form>")
				// No scope at all is a refusal: the app is told access_denied.
				.append("<form method=\"post\" action=\"").append(action).append("\" class=\"refuse\">")
				.append(hidden("client_id", clientId)).append(hidden("state", state))
				.append("<button type=\"submit\" id=\"refuse-consent\" class=\"button button-secondary\">")
				.append(escape(words.get("consent.refuse"))).append("</button></form>")
				.append("<section class=\"withdraw\" aria-labelledby=\"withdraw-heading\"><h2 id=\"withdraw-heading\">")
				.append(escape(words.get("consent.withdraw.heading"))).append("</h2><p>")
				.append(escape(words.get("consent.withdraw.text"))).append(" <a href=\"").append(request.getContextPath())
				.append(AuthorizedAppsPage.APPS_PATH).append("\">").append(escape(words.get("apps.title"))).append("</a>.</p></section>");
		return PatientPage.render(request, words, words.get("consent.title", appName), content.toString());
	}

	private static String fact(String term, String value) {
		return "<div><dt>" + escape(term) + "</dt><dd>" + escape(value) + "</dd></div>";
	}

	/** The space the token would open: the one chosen on the picker, or the account's only one. */
	private String spaceOpened(String username, Optional<OAuth2AuthorizationRequest> pending, PatientPageText.Words words) {
		Object chosen = pending.map(request -> request.getAdditionalParameters().get(LaunchContext.CHOSEN_PATIENT_PARAMETER))
				.orElse(null);
		List<String> own = accounts.spacesOf(username);
		String patientId = chosen != null ? chosen.toString() : own.size() == 1 ? own.get(0) : null;
		return Optional.ofNullable(patientId)
				.flatMap(id -> spaces.describe(username, id, words))
				.map(space -> words.get("consent.space.value", space.name(), space.relationship()))
				// The token is refused later anyway (LaunchContext): say no space will open.
				.orElse(words.get("consent.space.none"));
	}

	private Optional<OAuth2AuthorizationRequest> pendingRequest(String state) {
		OAuth2Authorization pending = authorizations.findByToken(state, new OAuth2TokenType(OAuth2ParameterNames.STATE));
		return Optional.ofNullable(pending)
				.map(authorization -> authorization.getAttribute(OAuth2AuthorizationRequest.class.getName()));
	}

	/** A professional asking for emergency access is told what it entails before approving. */
	private static String emergencyNotice(Optional<OAuth2AuthorizationRequest> pending, PatientPageText.Words words) {
		Object purpose = pending.map(request -> request.getAdditionalParameters().get(LaunchContext.EMERGENCY_PURPOSE_PARAMETER))
				.orElse(null);
		if (purpose == null) {
			return "";
		}
		return "<div class=\"alert alert-warning\" id=\"emergency-notice\"><p><strong>"
				+ escape(words.get("consent.emergency.title", purpose.toString())) + "</strong> "
				+ escape(words.get("consent.emergency.text")) + "</p></div>";
	}
}
