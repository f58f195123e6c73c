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
import org.carnetsante.support.ProvideBundle;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
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

	/**
	 * The push is refused at the end of its transaction (the second document repeats the first's uniqueId),
	 * after the first document's notification was recorded in it: the refusal takes the notification with
	 * it. A notification not recorded cannot be sent later, so the empty outbox settles it without waiting.
	 */
	@Test
	void aPushThatFailsTellsNobody() {
		String address = "nina-" + UUID.randomUUID() + "@example.org";
		String patient = patientWithAddress(address);
		DocumentReference first = Fixtures.documentReference("Patient/" + patient);
		DocumentReference second = Fixtures.documentReference("Patient/" + patient);
		second.setMasterIdentifier(first.getMasterIdentifier().copy());
		long before = storedResourceVersions();

		HttpResponse<String> refused = post(token(), "", ProvideBundle.of("Patient/" + patient, List.of(first, second)));

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
		assertThat(refused.body()).contains("DocumentReference.masterIdentifier");
		assertThat(storedResourceVersions()).as("nothing of the push is stored").isEqualTo(before);
		assertThat(notificationsOf(patient)).as("the outbox row of the first document went with the transaction").isZero();
		assertThat(TestMailServer.messagesTo(address)).isEmpty();

		// The same push with distinct uniqueIds tells the patient of both documents, as the refused one would have.
		DocumentReference again = Fixtures.documentReference("Patient/" + patient);
		DocumentReference other = Fixtures.documentReference("Patient/" + patient);
		HttpResponse<String> accepted = post(token(), "", ProvideBundle.of("Patient/" + patient, List.of(again, other)));
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
		assertThat(notificationsOf(patient)).isEqualTo(2);
	}

	@Test
	void aDocumentHiddenFromThePatientIsToldWhenItsSenderLiftsTheLabelAndNotBefore() throws Exception {
		String address = "ines-" + UUID.randomUUID() + "@example.org";
		String patient = patientWithAddress(address);
		DocumentReference hidden = Fixtures.documentReference("Patient/" + patient);
		hidden.addSecurityLabel(new CodeableConcept(new Coding(TestSpace.LABELS, "INVISIBLE_PATIENT", null)));

		String document = location(post(token(), "/DocumentReference", hidden));

		// Recorded in the pushing transaction or never: nothing recorded, nothing will be sent.
		assertThat(notificationsAbout(document)).as("withheld while INVISIBLE_PATIENT").isEmpty();
		assertThat(TestMailServer.messagesTo(address)).isEmpty();

		HttpResponse<String> lifted = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + document))
				.header("Authorization", "Bearer " + token()).header("Content-Type", "application/json-patch+json")
				.method("PATCH", HttpRequest.BodyPublishers.ofString("[{\"op\":\"test\",\"path\":\"/securityLabel/1/coding/0/code\","
						+ "\"value\":\"INVISIBLE_PATIENT\"},{\"op\":\"remove\",\"path\":\"/securityLabel/1\"}]")).build());

		assertThat(lifted.statusCode()).as(lifted.body()).isEqualTo(200);
		assertThat(notificationsAbout(document)).as("told once, when the sender lifts the label").containsExactly("DOCUMENT_ADDED");
		MimeMessage mail = eventually(() -> TestMailServer.messagesTo(address), messages -> !messages.isEmpty()).get(0);
		assertThat(mail.getSubject()).isEqualTo("Un nouveau document dans votre espace santé");
		assertThat(eventually(() -> outcomeOf(document), outcome -> outcome != null)).isEqualTo("SENT");
		assertThat(TestMailServer.messagesTo(address)).as("its one notification is done: no other mail can follow").hasSize(1);
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
		String patient = space.id(Item.PATIENT).substring("Patient/".length());

		assertThat(get(btg, "/" + space.id(Item.CONSULTATION)).statusCode()).isEqualTo(200);
		assertThat(get(btg, "/" + space.id(Item.BIOLOGY)).statusCode()).isEqualTo(200);

		// Recorded with the access, before its response: one notification, not one per request.
		List<String> told = jdbc.queryForList("SELECT about FROM carnet_notification WHERE patient_id = ? AND kind = 'EMERGENCY_ACCESS'",
				String.class, patient);
		assertThat(told).as("once per professional and mode, not per request")
				.containsExactly("bris_de_glace " + space.emergencyDoctor.idNat());
		assertThat(eventually(() -> outcomeOf(told.get(0)), outcome -> outcome != null)).isEqualTo("SENT");
		List<MimeMessage> mails = TestMailServer.messagesTo(spaceAddress).stream()
				.filter(mail -> subjectOf(mail).startsWith("Accès en urgence")).toList();
		assertThat(mails).as("its one notification is done: no other mail can follow").hasSize(1);
		assertThat(mails.get(0).getContent().toString()).contains("bris de glace");
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
		// The sender records the outcome once the SMTP server has answered: just after the mail arrives.
		assertThat(eventually(() -> rowOf(patient).get("outcome"), outcome -> outcome != null)).isEqualTo("SENT");
	}

	// --- the pieces ---

	private long notificationsOf(String patient) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM carnet_notification WHERE patient_id = ?", Long.class, patient);
	}

	private List<String> notificationsAbout(String document) {
		return jdbc.queryForList("SELECT kind FROM carnet_notification WHERE about = ?", String.class, document);
	}

	/** A new patient with an e-mail address, in the test hospital's care; the patient's id. */
	private String patientWithAddress(String address) {
		Patient patient = Fixtures.insPatient();
		patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(address);
		return patientInOurCare(patient);
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
