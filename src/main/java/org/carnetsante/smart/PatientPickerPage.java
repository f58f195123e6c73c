package org.carnetsante.smart;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The page where a parent or a delegate chooses whose space an app may open. It resubmits the
 * pending authorization request with the chosen patient; the choice is checked again when the token
 * is made ({@link LaunchContext}).
 */
@RestController
class PatientPickerPage {

	private final UserAccounts accounts;
	private final DaoRegistry daos;

	PatientPickerPage(UserAccounts accounts, DaoRegistry daos) {
		this.accounts = accounts;
		this.daos = daos;
	}

	@GetMapping(value = PatientPickerRedirect.PICKER_PATH, produces = MediaType.TEXT_HTML_VALUE)
	String choosePatient(HttpServletRequest request, Principal user) {
		StringBuilder page = new StringBuilder("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
				+ "<title>Carnet: choose a space</title></head><body><h1>Whose space should this app open?</h1>"
				+ "<form method=\"get\" action=\"" + request.getContextPath() + "/oauth2/authorize\">");
		for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
			for (String value : parameter.getValue()) {
				page.append("<input type=\"hidden\" name=\"").append(HtmlUtils.htmlEscape(parameter.getKey()))
						.append("\" value=\"").append(HtmlUtils.htmlEscape(value)).append("\">");
			}
		}
		boolean first = true;
		for (String patientId : accounts.spacesOf(user.getName())) {
			page.append("<p><label><input type=\"radio\" name=\"").append(LaunchContext.CHOSEN_PATIENT_PARAMETER)
					.append("\" value=\"").append(HtmlUtils.htmlEscape(patientId)).append("\"")
					.append(first ? " checked" : "").append("> ")
					.append(HtmlUtils.htmlEscape(nameOf(patientId))).append("</label></p>");
			first = false;
		}
		return page.append("<button type=\"submit\">Continue</button></form></body></html>").toString();
	}

	private String nameOf(String patientId) {
		try {
			IFhirResourceDao<Patient> patients = daos.getResourceDao(Patient.class);
			Patient patient = patients.read(new IdType("Patient", patientId), new SystemRequestDetails());
			return patient.getNameFirstRep().getNameAsSingleString();
		} catch (RuntimeException e) {
			return "Patient/" + patientId;
		}
	}
}
