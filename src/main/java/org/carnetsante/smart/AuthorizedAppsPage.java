package org.carnetsante.smart;

import static org.carnetsante.smart.PatientPage.escape;
import static org.carnetsante.smart.PatientPage.hidden;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The signed-in person's list of the apps they authorized, each with what it may do and a button that
 * withdraws the access at once ({@link AppAccessWithdrawal}). The consent page points here.
 */
@RestController
class AuthorizedAppsPage {

	static final String APPS_PATH = "/smart/apps";
	static final String WITHDRAW_PATH = APPS_PATH + "/withdraw";
	private static final String WITHDRAWN_ATTRIBUTE = AuthorizedAppsPage.class.getName() + ".withdrawn";

	private final AppAccessWithdrawal apps;
	private final PatientPageText text;

	AuthorizedAppsPage(AppAccessWithdrawal apps, PatientPageText text) {
		this.apps = apps;
		this.text = text;
	}

	@GetMapping(value = APPS_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String list(HttpServletRequest request, Principal user) {
		PatientPageText.Words words = text.forRequest(request);
		StringBuilder content = new StringBuilder()
				.append("<h1>").append(escape(words.get("apps.title"))).append("</h1>")
				.append("<p class=\"lead\">").append(escape(words.get("apps.intro"))).append("</p>");
		// Said once, after the redirect of a withdrawal (kept in the session, not in a URL anyone could forge).
		Object withdrawn = request.getSession().getAttribute(WITHDRAWN_ATTRIBUTE);
		if (withdrawn != null) {
			request.getSession().removeAttribute(WITHDRAWN_ATTRIBUTE);
			content.append("<div class=\"alert alert-success\" role=\"status\"><p>")
					.append(escape(words.get("apps.withdrawn", withdrawn.toString()))).append("</p></div>");
		}
		List<AppAccessWithdrawal.AuthorizedApp> authorized = apps.authorizedBy(user.getName());
		if (authorized.isEmpty()) {
			content.append("<p>").append(escape(words.get("apps.none"))).append("</p>");
		}
		CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
		int index = 0;
		for (AppAccessWithdrawal.AuthorizedApp app : authorized) {
			index++;
			String name = app.client().getClientName();
			content.append("<section class=\"card app\" aria-labelledby=\"app-").append(index).append("\"><h2 id=\"app-")
					.append(index).append("\">").append(escape(name)).append("</h2><p class=\"app-publisher\">")
					.append(escape(words.get("apps.publisher",
							CarnetClients.publisherOf(app.client()).orElse(words.get("consent.publisher.unknown")))))
					.append("</p><p>").append(escape(words.get("apps.may"))).append("</p><ul class=\"granted\">");
			app.scopes().stream().sorted().sorted(ScopeWording.READING_ORDER).forEach(scope -> content.append("<li>")
					.append(escape(ScopeWording.of(scope, words).text())).append("</li>"));
			content.append("</ul><form method=\"post\" action=\"").append(request.getContextPath()).append(WITHDRAW_PATH)
					.append("\">").append(hidden("client", app.client().getId()));
			if (csrf != null) {
				content.append(hidden(csrf.getParameterName(), csrf.getToken()));
			}
			content.append("<button type=\"submit\" class=\"button button-danger\" id=\"withdraw-").append(index)
					.append("\" aria-describedby=\"app-").append(index).append("\">")
					.append(escape(words.get("apps.withdraw"))).append("</button></form></section>");
		}
		content.append("<p class=\"note\">").append(escape(words.get("apps.after"))).append("</p>")
				.append("<form method=\"post\" action=\"").append(request.getContextPath()).append("/logout\" class=\"logout\">");
		if (csrf != null) {
			content.append(hidden(csrf.getParameterName(), csrf.getToken()));
		}
		content.append("<button type=\"submit\" class=\"button button-secondary\">").append(escape(words.get("apps.logout")))
				.append("</button></form>");
		return PatientPage.render(request, words, words.get("apps.title"), content.toString());
	}

	@PostMapping(WITHDRAW_PATH)
	void withdraw(HttpServletRequest request, HttpServletResponse response, Principal user,
			@RequestParam("client") String registeredClientId) throws IOException {
		String name = apps.authorizedBy(user.getName()).stream()
				.filter(app -> app.client().getId().equals(registeredClientId))
				.map(app -> app.client().getClientName())
				.findFirst()
				.orElse(null);
		apps.withdraw(user.getName(), registeredClientId);
		if (name != null) {
			request.getSession().setAttribute(WITHDRAWN_ATTRIBUTE, name);
		}
		// Post/redirect/get: a reload does not post again.
		response.sendRedirect(request.getContextPath() + APPS_PATH);
	}
}
