package org.carnetsante.space;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.CarnetClients;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.Await;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SmartLaunch;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Invitations over HTTP with real tokens and real e-mails (docs/space.md): a delegate invited, accepting from
 * their own login, reading within the delegation and cut off at once when the holder ends it; a second legal
 * representative invited by the first; wrong codes and expired invitations answered alike.
 */
class InvitationsTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final Pattern CODE = Pattern.compile("l'invitation ([0-9a-f\\-]{36}) avec ce code : ([A-Z0-9]{10})");

	@Autowired
	UserAccounts accounts;

	private TestSpace space;

	@BeforeEach
	void aSpace() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
	}

	@Test
	void aDelegateInvitedAcceptsReadsWithinTheDelegationAndIsCutOffWhenItEnds() throws Exception {
		String claire = space.id(TestSpace.Item.PATIENT).replace("Patient/", "");
		String address = "anne-" + UUID.randomUUID() + "@example.org";
		HttpResponse<String> invited = operation(space.patientToken(), "Patient/" + claire + "/$invite", parameters(Map.of(
				"kind", "valueCode:delegate", "email", "valueString:" + address, "name", "valueString:Anne Martin",
				"end", "valueDate:" + LocalDate.now().plusDays(30), "manage-settings", "valueBoolean:true")));
		assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
		assertThat(parameter(invited, "state")).isEqualTo("pending");
		String[] invitation = invitationIn(mailTo(address));
		assertThat(invitation[0]).isEqualTo(parameter(invited, "id"));

		// Anne answers from her own login (she has her own space).
		String anne = newHolder("Anne");
		String anneToken = token(anne, null);
		assertThat(answer(anneToken, invitation[0], "WRONGCODE1", true).statusCode()).isEqualTo(422);
		HttpResponse<String> accepted = answer(anneToken, invitation[0], invitation[1], true);
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
		assertThat(parameter(accepted, "state")).isEqualTo("accepted");
		assertThat(answer(anneToken, invitation[0], invitation[1], true).statusCode()).isEqualTo(422); // answered already

		// Her login now offers Claire's space, where she is the RelatedPerson the delegation names.
		assertThat(accounts.spacesOf(anne)).contains(claire);
		assertThat(jdbc.queryForObject("SELECT valid_until FROM carnet_user_patient WHERE username = ? AND patient_id = ?",
				java.sql.Date.class, anne, claire).toLocalDate()).isEqualTo(LocalDate.now().plusDays(31)); // offered until its end
		String delegate = token(anne, claire);
		String document = space.id(TestSpace.Item.CONSULTATION);
		assertThat(get(document, delegate).statusCode()).isEqualTo(200);
		assertThat(get("Consent?patient=Patient/" + claire, delegate).statusCode()).isEqualTo(403);
		// Granted the settings: she manages Claire's notification preferences (a delegate without the right may not).
		assertThat(get("Patient/" + claire + "/$notification-preferences", delegate).statusCode()).isEqualTo(200);
		assertThat(get("Patient/" + claire + "/$notification-preferences", space.delegateToken()).statusCode()).isEqualTo(403);
		HttpResponse<String> listed = operation(space.patientToken(), "Patient/" + claire + "/$invitations", "{\"resourceType\":\"Parameters\"}");
		assertThat(listed.body()).contains("\"accepted\"").contains("Anne Martin");
		// A delegate invites no one and ends nothing.
		assertThat(operation(delegate, "Patient/" + claire + "/$invitations", "{\"resourceType\":\"Parameters\"}").statusCode()).isEqualTo(403);

		// Claire ends the delegation: refused at once, and her login no longer offers the space.
		HttpResponse<String> ended = operation(space.patientToken(), "Patient/" + claire + "/$end-invitation",
				parameters(Map.of("invitation", "valueString:" + invitation[0])));
		assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
		assertThat(parameter(ended, "state")).isEqualTo("revoked");
		Await.until("the ended delegation to be refused", Duration.ofSeconds(2), () -> get(document, delegate).statusCode() == 404);
		assertThat(accounts.spacesOf(anne)).doesNotContain(claire);
	}

	@Test
	void aSecondLegalRepresentativeIsInvitedByTheFirstAndSeesTheChildsSpaceButWhatIsHiddenFromParents() throws Exception {
		String leo = space.id(TestSpace.Item.MINOR).replace("Patient/", "");
		String address = "julie-" + UUID.randomUUID() + "@example.org";
		// Only a legal representative invites another, for a minor: not the adult patient for herself.
		assertThat(operation(space.patientToken(), space.id(TestSpace.Item.PATIENT) + "/$invite", parameters(Map.of(
				"kind", "valueCode:legal-representative", "email", "valueString:" + address, "name", "valueString:Julie")))
				.statusCode()).isEqualTo(403);
		HttpResponse<String> invited = operation(space.parentToken(), "Patient/" + leo + "/$invite", parameters(Map.of(
				"kind", "valueCode:legal-representative", "email", "valueString:" + address, "name", "valueString:Julie Martin")));
		assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
		String[] invitation = invitationIn(mailTo(address));
		String julie = newHolder("Julie");
		HttpResponse<String> accepted = answer(token(julie, null), invitation[0], invitation[1], true);
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);

		String mother = token(julie, leo);
		assertThat(get(space.id(TestSpace.Item.MINOR_CONSULTATION), mother).statusCode()).isEqualTo(200);
		assertThat(get(space.id(TestSpace.Item.MINOR_HIDDEN_FROM_PARENTS), mother).statusCode()).isEqualTo(404);
		assertThat(jdbc.queryForObject("SELECT valid_until FROM carnet_user_patient WHERE username = ? AND patient_id = ?",
				java.sql.Date.class, julie, leo).toLocalDate()).isEqualTo(LocalDate.now().minusYears(10).plusYears(18));
	}

	@Test
	void anExpiredInvitationIsAnsweredLikeAWrongCodeAndListedAsExpired() throws Exception {
		String claire = space.id(TestSpace.Item.PATIENT).replace("Patient/", "");
		String address = "paul-" + UUID.randomUUID() + "@example.org";
		operation(space.patientToken(), "Patient/" + claire + "/$invite", parameters(Map.of("kind", "valueCode:delegate",
				"email", "valueString:" + address, "name", "valueString:Paul", "end", "valueDate:" + LocalDate.now().plusDays(7))));
		String[] invitation = invitationIn(mailTo(address));
		// Its fortnight passes (the one state the test moves by hand: the server's clock is not the test's).
		jdbc.update("UPDATE carnet_space_invitation SET expires_at = ? WHERE id = ?",
				java.sql.Timestamp.from(java.time.Instant.now().minusSeconds(1)), invitation[0]);
		HttpResponse<String> late = answer(token(newHolder("Paul"), null), invitation[0], invitation[1], true);
		assertThat(late.statusCode()).isEqualTo(422);
		assertThat(late.body()).contains(SpaceInvitations.NO_MATCH);
		HttpResponse<String> unknown = answer(token(newHolder("Eve"), null), UUID.randomUUID().toString(), invitation[1], true);
		assertThat(unknown.body()).isEqualTo(late.body());
		assertThat(operation(space.patientToken(), "Patient/" + claire + "/$invitations", "{\"resourceType\":\"Parameters\"}").body())
				.contains("\"expired\"");
	}

	@Test
	void aPersonInvitedByInsGetsTheCodeAtTheAddressTheirSpaceKnowsAndAnUnknownInsIsAnsweredAlike() throws Exception {
		String claire = space.id(TestSpace.Item.PATIENT).replace("Patient/", "");
		String nir = Fixtures.randomNir();
		String address = "marc-" + UUID.randomUUID() + "@example.org";
		org.hl7.fhir.r4.model.Patient marc = Fixtures.insPatient(nir, "Martin", "Marc");
		marc.addTelecom().setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.EMAIL).setValue(address);
		fhirClient().create().resource(marc).execute();
		HttpResponse<String> known = operation(space.patientToken(), "Patient/" + claire + "/$invite",
				"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"kind\",\"valueCode\":\"delegate\"},"
						+ "{\"name\":\"ins\",\"valueIdentifier\":{\"system\":\"" + Fixtures.INS_DEMO_SYSTEM + "\",\"value\":\"" + nir + "\"}},"
						+ "{\"name\":\"name\",\"valueString\":\"Marc\"},{\"name\":\"end\",\"valueDate\":\"" + LocalDate.now().plusDays(3) + "\"}]}");
		assertThat(known.statusCode()).as(known.body()).isEqualTo(200);
		assertThat(invitationIn(mailTo(address))[0]).isEqualTo(parameter(known, "id"));
		HttpResponse<String> unknown = operation(space.patientToken(), "Patient/" + claire + "/$invite",
				"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"kind\",\"valueCode\":\"delegate\"},"
						+ "{\"name\":\"ins\",\"valueIdentifier\":{\"system\":\"" + Fixtures.INS_DEMO_SYSTEM + "\",\"value\":\""
						+ Fixtures.randomNir() + "\"}},{\"name\":\"name\",\"valueString\":\"Marc\"},{\"name\":\"end\",\"valueDate\":\""
						+ LocalDate.now().plusDays(3) + "\"}]}");
		assertThat(unknown.statusCode()).isEqualTo(200);
		assertThat(parameter(unknown, "state")).isEqualTo(parameter(known, "state"));
	}

	// ---- helpers

	/** A new person with their own space and login; answers the username. */
	private String newHolder(String given) {
		String patient = fhirClient().create().resource(Fixtures.insPatient(Fixtures.randomNir(), "Martin", given)).execute().getId()
				.getIdPart();
		String username = given.toLowerCase() + "-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PATIENT, given + " Martin", "Patient/" + patient, null,
				null, null, null, null), TestSpace.PASSWORD);
		accounts.allowSpace(username, patient, UserAccounts.Relationship.SELF);
		return username;
	}

	/** A token of a new app (each launch meets the consent page: a first approval for this app). */
	private String token(String username, String chosenPatient) {
		String chosen = chosenPatient != null ? chosenPatient : accounts.spacesOf(username).get(0);
		String app = "invitations-app-" + UUID.randomUUID();
		clients.registerApp(app, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT), TestSpace.PATIENT_SCOPES,
				null, null);
		return new SmartLaunch(baseUrl()).tokens(app, TestSpace.PATIENT_SCOPES, username, TestSpace.PASSWORD, chosen, Map.of())
				.get("access_token").asText();
	}

	private HttpResponse<String> answer(String token, String invitation, String code, boolean accept) {
		return operation(token, "$answer-invitation", parameters(Map.of("invitation", "valueString:" + invitation,
				"code", "valueString:" + code, "accept", "valueBoolean:" + accept)));
	}

	private HttpResponse<String> operation(String token, String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
	}

	private HttpResponse<String> get(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + path)).header("Authorization", "Bearer " + token).GET().build());
	}

	/** Parameters from "name" → "valueX:value" (valueBoolean unquoted). */
	private static String parameters(Map<String, String> values) {
		StringBuilder json = new StringBuilder("{\"resourceType\":\"Parameters\",\"parameter\":[");
		values.forEach((name, typed) -> {
			String[] parts = typed.split(":", 2);
			String value = "valueBoolean".equals(parts[0]) ? parts[1] : "\"" + parts[1] + "\"";
			json.append(json.charAt(json.length() - 1) == '[' ? "" : ",").append("{\"name\":\"").append(name).append("\",\"")
					.append(parts[0]).append("\":").append(value).append("}");
		});
		return json.append("]}").toString();
	}

	private static String parameter(HttpResponse<String> response, String name) throws Exception {
		for (JsonNode parameter : JSON.readTree(response.body()).path("parameter")) {
			if (name.equals(parameter.path("name").asText())) {
				JsonNode value = parameter.has("valueCode") ? parameter.get("valueCode") : parameter.path("valueString");
				return value.asText();
			}
		}
		return null;
	}

	private static String[] invitationIn(MimeMessage mail) throws Exception {
		Matcher found = CODE.matcher(mail.getContent().toString());
		assertThat(found.find()).as(mail.getContent().toString()).isTrue();
		return new String[] {found.group(1), found.group(2)};
	}

	private static MimeMessage mailTo(String address) {
		Await.until("an invitation e-mailed to " + address, Duration.ofSeconds(30), () -> !TestMailServer.messagesTo(address).isEmpty());
		return TestMailServer.messagesTo(address).get(0);
	}
}
