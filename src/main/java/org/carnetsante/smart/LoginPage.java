package org.carnetsante.smart;

import static org.carnetsante.smart.PatientPage.escape;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Carnet's login page, in French or English. A failed login says only that it failed: never whether
 * the user name or the password was wrong (nor whether the account exists), and a login refused
 * because of too many failures says so in the same words plus "try again later" ({@link LoginAttempts}
 * counts unknown names as known ones). The message is announced ({@code role="alert"}) and tied to both
 * fields ({@code aria-invalid}, {@code aria-describedby}): RGAA 11.10, WCAG 2.1 SC 3.3.1 and 4.1.3.
 */
@RestController
class LoginPage {

	static final String LOGIN_PATH = "/login";
	/** Query parameter value of the failure redirect when the attempt was refused for too many failures. */
	static final String LATER = "later";

	private final PatientPageText text;

	LoginPage(PatientPageText text) {
		this.text = text;
	}

	@GetMapping(value = LOGIN_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String login(HttpServletRequest request) {
		PatientPageText.Words words = text.forRequest(request);
		String error = request.getParameter("error");
		boolean failed = error != null;
		String invalid = failed ? " aria-invalid=\"true\" aria-describedby=\"login-error\"" : "";
		StringBuilder content = new StringBuilder();
		content.append("<h1>").append(escape(words.get("login.heading"))).append("</h1>")
				.append("<p class=\"lead\">").append(escape(words.get("login.intro"))).append("</p>");
		if (failed) {
			content.append("<div class=\"alert alert-error\" id=\"login-error\" role=\"alert\"><p>")
					.append(escape(words.get("login.failed")));
			if (LATER.equals(error)) {
				content.append(' ').append(escape(words.get("login.failed.later")));
			}
			content.append("</p></div>");
		}
		if (request.getParameter("logout") != null) {
			content.append("<div class=\"alert alert-info\" role=\"status\"><p>")
					.append(escape(words.get("login.logged-out"))).append("</p></div>");
		}
		CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
		content.append("<form class=\"card\" method=\"post\" action=\"").append(request.getContextPath()).append(LOGIN_PATH)
				.append("\" novalidate>")
				.append("<p class=\"hint\">").append(escape(words.get("form.required"))).append("</p>")
				.append("<div class=\"field\"><label for=\"username\">").append(escape(words.get("login.username")))
				.append("</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\"")
				.append(" autocapitalize=\"none\" spellcheck=\"false\" required").append(invalid).append("></div>")
				.append("<div class=\"field\"><label for=\"password\">").append(escape(words.get("login.password")))
				.append("</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\"")
				.append(" required").append(invalid).append("></div>");
		if (csrf != null) {
			content.append(PatientPage.hidden(csrf.getParameterName(), csrf.getToken()));
		}
		content.append("<div class=\"actions\"><button type=\"submit\" class=\"button\">")
				.append(escape(words.get("login.submit"))).append("</button></div></form>")
				.append("<p class=\"note\">").append(escape(words.get("login.privacy"))).append("</p>");
		String title = failed ? words.get("login.title.failed") : words.get("login.title");
		return PatientPage.render(request, words, title, content.toString());
	}
}
