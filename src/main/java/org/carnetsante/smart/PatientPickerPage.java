package org.carnetsante.smart;

import static org.carnetsante.smart.PatientPage.escape;
import static org.carnetsante.smart.PatientPage.hidden;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The page where a parent or a delegate chooses whose space an app may open: each space is named with
 * how the person relates to it (their own, their child's, one a relative entrusted to them and until
 * when). It resubmits the pending authorization request with the chosen patient; the choice is checked
 * again when the token is made ({@link LaunchContext}).
 */
@RestController
class PatientPickerPage {

	private final UserAccounts accounts;
	private final SpaceNames spaces;
	private final RegisteredClientRepository clients;
	private final PatientPageText text;

	PatientPickerPage(UserAccounts accounts, DaoRegistry daos, RegisteredClientRepository clients, PatientPageText text) {
		this.accounts = accounts;
		this.spaces = new SpaceNames(accounts, daos);
		this.clients = clients;
		this.text = text;
	}

	@GetMapping(value = PatientPickerRedirect.PICKER_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String choosePatient(HttpServletRequest request, Principal user) {
		PatientPageText.Words words = text.forRequest(request);
		String clientId = request.getParameter("client_id");
		RegisteredClient client = clientId == null ? null : clients.findByClientId(clientId);
		String appName = client == null ? words.get("picker.app.unknown") : client.getClientName();
		StringBuilder content = new StringBuilder()
				.append("<h1>").append(escape(words.get("picker.heading"))).append("</h1>")
				.append("<p class=\"lead\">").append(escape(words.get("picker.intro", appName))).append("</p>")
				.append("<form method=\"get\" action=\"").append(request.getContextPath()).append("/oauth2/authorize\" class=\"card\">");
		for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
			for (String value : parameter.getValue()) {
				content.append(hidden(parameter.getKey(), value));
			}
		}
		content.append("<fieldset><legend><span class=\"legend-title\">").append(escape(words.get("picker.legend")))
				.append("</span></legend><ul class=\"choices\">");
		int index = 0;
		for (String patientId : accounts.spacesOf(user.getName())) {
			var space = spaces.describe(user.getName(), patientId, words);
			if (space.isEmpty()) {
				continue;
			}
			index++;
			content.append("<li class=\"choice\"><input type=\"radio\" id=\"space-").append(index).append("\" name=\"")
					.append(LaunchContext.CHOSEN_PATIENT_PARAMETER).append("\" value=\"").append(escape(patientId)).append("\"")
					.append(index == 1 ? " checked" : "").append("><label for=\"space-").append(index).append("\">")
					.append("<span class=\"choice-name\">").append(escape(space.get().name())).append("</span>")
					.append("<span class=\"choice-detail\">").append(escape(space.get().relationship())).append("</span></label></li>");
		}
		content.append("</ul></fieldset><div class=\"actions\"><button type=\"submit\" class=\"button\">")
				.append(escape(words.get("picker.continue"))).append("</button></div></form>");
		return PatientPage.render(request, words, words.get("picker.title"), content.toString());
	}
}
