package org.carnetsante.smart;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Arrays;
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
import org.springframework.web.util.HtmlUtils;

/**
 * The scope approval page: every scope the app asks for is listed ticked, and the person unticks
 * what they refuse before approving (SMART App Launch: the user may grant fewer scopes than asked).
 * Spring Authorization Server's built-in page lists them unticked; this one replaces it.
 */
@RestController
class ConsentPage {

	static final String CONSENT_PATH = "/smart/consent";

	private final RegisteredClientRepository clients;
	private final OAuth2AuthorizationService authorizations;

	ConsentPage(RegisteredClientRepository clients, OAuth2AuthorizationService authorizations) {
		this.clients = clients;
		this.authorizations = authorizations;
	}

	@GetMapping(value = CONSENT_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String approveScopes(
			HttpServletRequest request,
			Principal user,
			@RequestParam("client_id") String clientId,
			@RequestParam("scope") String scope,
			@RequestParam("state") String state) {
		RegisteredClient client = clients.findByClientId(clientId);
		String appName = client == null ? clientId : client.getClientName();
		StringBuilder page = new StringBuilder("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
				+ "<title>Carnet: approve access</title></head><body>")
				.append("<h1>").append(HtmlUtils.htmlEscape(appName)).append(" asks to access your space</h1>")
				.append("<p>Signed in as ").append(HtmlUtils.htmlEscape(user.getName()))
				.append(". Untick what you do not want to share.</p>")
				.append(emergencyNotice(state))
				.append("<form method=\"post\" action=\"").append(request.getContextPath()).append("/oauth2/authorize\">")
				.append(hidden("client_id", clientId))
				.append(hidden("state", state));
		Arrays.stream(scope.split(" "))
				.filter(requested -> !requested.isBlank() && !OidcScopes.OPENID.equals(requested))
				.forEach(requested -> page.append("<p><label><input type=\"checkbox\" name=\"scope\" value=\"")
						.append(HtmlUtils.htmlEscape(requested)).append("\" checked> ")
						.append(HtmlUtils.htmlEscape(requested)).append("</label></p>"));
		return page.append("<button type=\"submit\" id=\"submit-consent\">Approve</button></form></body></html>")
				.toString();
	}

	/** A professional asking for emergency access is told what it entails before approving. */
	private String emergencyNotice(String state) {
		OAuth2Authorization pending = authorizations.findByToken(state, new OAuth2TokenType(OAuth2ParameterNames.STATE));
		OAuth2AuthorizationRequest request = pending == null
				? null : pending.getAttribute(OAuth2AuthorizationRequest.class.getName());
		Object purpose = request == null
				? null : request.getAdditionalParameters().get(LaunchContext.EMERGENCY_PURPOSE_PARAMETER);
		if (purpose == null) {
			return "";
		}
		return "<p id=\"emergency-notice\"><strong>Emergency access (" + HtmlUtils.htmlEscape(purpose.toString())
				+ ")</strong>: every access is recorded with this purpose and the patient is told of it; a patient"
				+ " who refused emergency access stays closed.</p>";
	}

	private static String hidden(String name, String value) {
		return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + HtmlUtils.htmlEscape(value) + "\">";
	}
}
