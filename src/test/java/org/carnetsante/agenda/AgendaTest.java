package org.carnetsante.agenda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.carnetsante.support.FhirResponses.json;
import static org.carnetsante.support.FhirResponses.matches;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.carnetsante.access.AppointmentFacts;
import org.carnetsante.support.Await;
import org.carnetsante.support.CorrespondenceTest;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * The health agenda's appointments end to end, with real tokens: booked by a professional's software or added
 * by the patient; seen by the patient's side and by those who take part; changed by whoever booked them.
 */
class AgendaTest extends CorrespondenceTest {

	@Test
	void aGpBooksThePatientIsToldAndSeesItWhileTheCareTeamDoesNot() throws Exception {
		Appointment booked = appointment(Instant.now().plus(3, ChronoUnit.DAYS), new Reference(claire),
				TestSpace.professionalReference(space.gp));
		booked.addExtension(AppointmentFacts.BOOKED_BY, TestSpace.professionalReference(space.pharmacist));
		HttpResponse<String> created = send("POST", gp, "/Appointment", booked);
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String id = "Appointment/" + json(created).get("id").asText();
		assertThat(json(created).toString()).as("who booked it is recorded from the token, whatever was sent")
				.contains(space.gp.idNat()).doesNotContain(space.pharmacist.idNat());

		Await.until("an e-mail", Duration.ofSeconds(30), () -> !TestMailServer.messagesTo(claireAddress).isEmpty());
		MimeMessage mail = TestMailServer.messagesTo(claireAddress).get(0);
		assertThat(mail.getSubject()).isEqualTo("Un rendez-vous dans votre agenda santé");

		String today = LocalDate.now(ZoneOffset.UTC).toString();
		assertThat(matches(send("GET", claireToken, "/Appointment?patient=" + claire + "&date=ge" + today, null))).contains(id);
		assertThat(send("GET", gp, "/" + id, null).statusCode()).isEqualTo(200);
		String pharmacist = space.professionalToken(space.pharmacist);
		HttpResponse<String> hidden = send("GET", pharmacist, "/" + id, null);
		HttpResponse<String> absent = send("GET", pharmacist, "/Appointment/987654321", null);
		assertThat(hidden.statusCode()).isEqualTo(404).isEqualTo(absent.statusCode());
		assertThat(matches(send("GET", pharmacist, "/Appointment?patient=" + claire, null))).doesNotContain(id);
		assertThat(send("GET", space.emergencyToken(space.emergencyDoctor, "BTG"), "/" + id, null).statusCode())
				.as("an emergency opens the record, not the agenda").isEqualTo(404);
	}

	@Test
	void whoeverBookedItChangesItAndNobodyElse() {
		Appointment booked = appointment(Instant.now().plus(5, ChronoUnit.DAYS), new Reference(claire),
				TestSpace.professionalReference(space.gp));
		HttpResponse<String> created = send("POST", gp, "/Appointment", booked);
		String id = json(created).get("id").asText();
		Appointment cancelled = FHIR.newJsonParser().parseResource(Appointment.class, created.body());
		cancelled.setStatus(Appointment.AppointmentStatus.CANCELLED);

		HttpResponse<String> byThePatient = send("PUT", claireToken, "/Appointment/" + id, cancelled);
		assertThat(byThePatient.statusCode()).as(byThePatient.body()).isEqualTo(403);
		HttpResponse<String> byTheGp = send("PUT", gp, "/Appointment/" + id, cancelled);
		assertThat(byTheGp.statusCode()).as(byTheGp.body()).isEqualTo(200);
		assertThat(json(send("GET", claireToken, "/Appointment/" + id, null)).get("status").asText()).isEqualTo("cancelled");
		assertThat(json(byTheGp).toString()).as("the booker is kept").contains(space.gp.idNat());
	}

	@Test
	void thePatientAddsHerOwnWhichProfessionalsNotTakingPartDoNotSee() {
		Appointment dentist = appointment(Instant.now().plus(10, ChronoUnit.DAYS), new Reference(claire),
				new Reference().setDisplay("Dr Dupuis, dentiste"));
		HttpResponse<String> created = send("POST", claireToken, "/Appointment", dentist);
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String id = "Appointment/" + json(created).get("id").asText();
		assertThat(send("GET", claireToken, "/" + id, null).statusCode()).isEqualTo(200);
		assertThat(send("GET", space.delegateToken(), "/" + id, null).statusCode()).as("her delegate").isEqualTo(200);
		assertThat(send("GET", gp, "/" + id, null).statusCode()).isEqualTo(404);
		assertThat(send("DELETE", gp, "/" + id, null).statusCode()).as("what he cannot see is absent to him").isEqualTo(404);
		assertThat(send("DELETE", claireToken, "/" + id, null).statusCode()).isEqualTo(200);
	}

	@Test
	void aProfessionalListsHisOwnAgendaAcrossSpacesButNotAnothers() {
		HttpResponse<String> mine = send("GET", gp, "/Appointment?actor-identifier=urn:oid:1.2.250.1.71.4.2.1%7C" + space.gp.idNat(), null);
		assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
		HttpResponse<String> someoneElses = send("GET", gp,
				"/Appointment?actor-identifier=urn:oid:1.2.250.1.71.4.2.1%7C" + space.pharmacist.idNat(), null);
		assertThat(someoneElses.statusCode()).as(someoneElses.body()).isEqualTo(400);
	}

	@Test
	void anAppointmentIsInOneSpace() {
		Appointment twoPatients = appointment(Instant.now().plus(2, ChronoUnit.DAYS), new Reference(claire),
				new Reference(space.id(Item.MINOR)), TestSpace.professionalReference(space.gp));
		HttpResponse<String> refused = send("POST", gp, "/Appointment", twoPatients);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(refused.body()).contains("Appointment.participant");
	}

	private static Appointment appointment(Instant start, Reference... participants) {
		Appointment appointment = new Appointment();
		appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
		appointment.setStart(Date.from(start));
		appointment.setEnd(Date.from(start.plus(30, ChronoUnit.MINUTES)));
		appointment.setDescription("Consultation de suivi");
		for (Reference participant : participants) {
			appointment.addParticipant().setActor(participant).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		}
		return appointment;
	}

	private HttpResponse<String> send(String method, String token, String path, Appointment body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Accept", "application/fhir+json");
		if (body == null) {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		} else {
			request.header("Content-Type", "application/fhir+json")
					.method(method, HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(body)));
		}
		return send(request.build());
	}


}
