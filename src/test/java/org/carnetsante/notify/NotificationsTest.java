package org.carnetsante.notify;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Patients are told, by e-mail over real SMTP (GreenMail), when a document arrives or is replaced and
 * when their space is opened in an emergency; as they chose; without the push ever waiting for the mail.
 */
class NotificationsTest extends CarnetServerTest {

	@Autowired
	UserAccounts accounts;

	private static TestSpace space;
	private static String spaceAddress;

	@BeforeEach
	void oneSpaceWithAnAddress() {
		if (space == null) {
			space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
			spaceAddress = "claire-" + UUID.randomUUID() + "@example.org";
			Patient claire = fhirClient().read().resource(Patient.class).withId(space.id(Item.PATIENT)).execute();
			claire.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(spaceAddress);
			fhirClient().update().resource(claire).execute();
		}
	}

	@Test
	void aPatientIsEmailedWhenADocumentArrivesButNotWhatItSays() throws Exception {
		String address = "marie-" + UUID.randomUUID() + "@example.org";
		Patient marie = Fixtures.insPatient();
		marie.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(address);
		String patient = patientInOurCare(marie);
		DocumentReference document = Fixtures.documentReference("Patient/" + patient);
		document.getContentFirstRep().getAttachment().setTitle("Sérologie VIH");

		assertThat(post(token(), "/DocumentReference", document).statusCode()).isEqualTo(201);

		MimeMessage mail = eventually(() -> TestMailServer.messagesTo(address), messages -> !messages.isEmpty()).get(0);
		assertThat(mail.getSubject()).isEqualTo("Un nouveau document dans votre espace santé");
		String body = mail.getContent().toString();
		assertThat(body).contains("Un nouveau document a été ajouté").doesNotContain("VIH").doesNotContain("Sérologie");
	}

	@Test
	void aPushThatFailsTellsNobody() {
		String patient = patientInOurCare();
		DocumentReference wrong = Fixtures.documentReference("Patient/" + patient);
		wrong.getContentFirstRep().getAttachment().setSize(1);

		assertThat(post(token(), "/DocumentReference", wrong).statusCode()).isEqualTo(422);
		assertThat(notificationsOf(patient)).isZero();
	}

	@Test
	void aPatientWhoDoesNotWantDocumentMailsGetsNone() {
		String claire = space.patientToken();
		String operation = "/" + space.id(Item.PATIENT) + "/$notification-preferences";
		HttpResponse<String> set = post(claire, operation, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"preference\","
				+ "\"part\":[{\"name\":\"kind\",\"valueCode\":\"DOCUMENT_REPLACED\"},{\"name\":\"email\",\"valueBoolean\":false}]}]}");
		assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
		assertThat(set.body()).contains("DOCUMENT_REPLACED");
		assertThat(post(space.professionalToken(space.pharmacist), operation, "{\"resourceType\":\"Parameters\"}").statusCode())
				.as("a professional does not set them").isEqualTo(403);

		String first = location(post(token(), "/DocumentReference", Fixtures.documentReference(space.id(Item.PATIENT))));
		DocumentReference replacement = Fixtures.documentReference(space.id(Item.PATIENT));
		replacement.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES)
				.setTarget(new org.hl7.fhir.r4.model.Reference(first));
		String second = location(post(token(), "/DocumentReference", replacement));

		assertThat(eventually(() -> outcomeOf(second), outcome -> outcome != null)).isEqualTo("NOT_WANTED");
		assertThat(eventually(() -> outcomeOf(first), outcome -> outcome != null)).isEqualTo("SENT");
	}

	@Test
	void anEmergencyAccessIsToldOnceWithItsMode() throws Exception {
		String btg = space.emergencyToken(space.emergencyDoctor, "BTG");
		int before = TestMailServer.messagesTo(spaceAddress).size();

		assertThat(get(btg, "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(200);
		assertThat(get(btg, "/" + space.id(Item.BIOLOGY)).statusCode()).isEqualTo(200);

		List<MimeMessage> mails = eventually(() -> TestMailServer.messagesTo(spaceAddress).stream()
				.filter(mail -> subjectOf(mail).startsWith("Accès en urgence")).toList(), list -> !list.isEmpty());
		Thread.sleep(1_000); // a second notification would have been sent by now
		assertThat(TestMailServer.messagesTo(spaceAddress).stream().filter(mail -> subjectOf(mail).startsWith("Accès en urgence")))
				.as("once per professional and mode, not per request").hasSize(1);
		assertThat(mails.get(0).getContent().toString()).contains("bris de glace");
		assertThat(TestMailServer.messagesTo(spaceAddress).size()).isGreaterThan(before);
	}

	@Test
	void anSmtpServerDownNeverFailsThePushAndTheMailIsRetried() {
		String address = "lea-" + UUID.randomUUID() + "@example.org";
		Patient lea = Fixtures.insPatient();
		lea.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(address);
		String patient = patientInOurCare(lea);
		TestMailServer.stop();
		try {
			HttpResponse<String> pushed = post(token(), "/DocumentReference", Fixtures.documentReference("Patient/" + patient));
			assertThat(pushed.statusCode()).isEqualTo(201);
			Map<String, Object> failed = eventually(() -> rowOf(patient), row -> row != null && ((Number) row.get("attempts")).intValue() >= 1);
			assertThat(failed.get("done_at")).as("not given up").isNull();
			assertThat((String) failed.get("last_error")).isNotBlank();
		} finally {
			TestMailServer.restart();
		}
		assertThat(eventually(() -> TestMailServer.messagesTo(address), messages -> !messages.isEmpty())).hasSize(1);
		assertThat(rowOf(patient).get("outcome")).isEqualTo("SENT");
	}

	// --- the pieces ---

	private long notificationsOf(String patient) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_notification WHERE patient_id = ?", Long.class, patient);
	}

	private Map<String, Object> rowOf(String patient) {
		List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM carnet_notification WHERE patient_id = ?", patient);
		return rows.isEmpty() ? null : rows.get(0);
	}

	private String outcomeOf(String document) {
		List<String> outcomes = jdbc.queryForList("SELECT outcome FROM carnet_notification WHERE about = ?", String.class, document);
		return outcomes.isEmpty() ? null : outcomes.get(0);
	}

	private static String subjectOf(MimeMessage mail) {
		try {
			return mail.getSubject();
		} catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static <T> T eventually(Supplier<T> probe, java.util.function.Predicate<T> done) {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
		T value = probe.get();
		while (!done.test(value) && Instant.now().isBefore(deadline)) {
			try {
				Thread.sleep(100);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
			value = probe.get();
		}
		assertThat(done.test(value)).as("within 20 s: " + value).isTrue();
		return value;
	}

	private HttpResponse<String> post(String token, String path, IBaseResource resource) {
		return post(token, path, FHIR.newJsonParser().encodeResourceToString(resource));
	}

	private HttpResponse<String> post(String token, String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).build());
	}

	private static String location(HttpResponse<String> created) {
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return new org.hl7.fhir.r4.model.IdType(created.headers().firstValue("Location").orElseThrow())
				.toUnqualifiedVersionless().getValue().replaceFirst("^.*/fhir/", "");
	}
}
