package org.carnetsante.agenda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.carnetsante.support.FhirResponses.json;
import static org.carnetsante.support.FhirResponses.matches;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.carnetsante.fhir.ClusterLease;
import org.carnetsante.notify.NotificationOutbox;
import org.carnetsante.support.Await;
import org.carnetsante.support.CorrespondenceTest;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestPostgres;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.ImmunizationRecommendation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Reminders end to end, with real tokens and a real SMTP server: a child's schedule follows the immunizations
 * recorded and the parent reads it; an adult woman is invited to the screening programmes of her age; an appointment
 * is reminded the day before; each reminder is e-mailed once although two instances of the job (each with its own
 * connections and lease, as on two nodes) work on the same database at the same time.
 *
 * <p>The tests' server runs the job only when a test asks (its timer is set to an hour), and only for this class's
 * spaces: the other classes' spaces are not this test's to remind.
 */
class ReminderTest extends CorrespondenceTest {

	private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

	@Autowired
	ReminderJob serverJob;
	@Autowired
	AgendaProperties agenda;
	@Autowired
	DaoRegistry daos;
	@Autowired
	ReminderSchedules schedules;

	private ReminderJob secondNode;
	private String minor;
	private String minorAddress;

	@BeforeAll
	void aSecondNodeOnTheSameDatabase() {
		DriverManagerDataSource database = new DriverManagerDataSource(TestPostgres.jdbcUrl(), TestPostgres.user(), "");
		AgendaProperties.Reminders settings = agenda.reminders();
		Clock clock = Clock.systemUTC();
		secondNode = new ReminderJob(new ReminderStore(database, clock),
				new ComputedReminders(daos, new ReminderForecast(schedules, settings.horizon()), schedules, settings.zone()),
				new NotificationOutbox(database, clock), new ClusterLease(database, "reminders", settings.lease()), settings, clock);
		minor = space.id(Item.MINOR);
	}

	@AfterAll
	void theLeaseIsFreeAgain() {
		jdbc.update("DELETE FROM carnet_cluster_lease WHERE name = 'reminders'");
	}

	@Test
	void aChildsScheduleFollowsTheImmunizationsRecordedAndTheParentReadsIt() throws InterruptedException {
		LocalDate birth = LocalDate.now(PARIS).minusMonths(2).minusDays(3);
		minorAddress = "leo-" + java.util.UUID.randomUUID() + "@example.org";
		Patient leo = fhirClient().read().resource(Patient.class).withId(minor).execute();
		leo.setBirthDateElement(new DateType(birth.toString()));
		leo.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(minorAddress);
		fhirClient().update().resource(leo).execute();
		String parent = space.parentToken();

		runTheJob();

		JsonNode first = recommendationOf(parent);
		assertThat(series(first, "dtcap-hib-hepb").get("doseNumberPositiveInt").asInt()).isEqualTo(1);
		assertThat(dateCriterion(series(first, "dtcap-hib-hepb"), "30980-7")).isEqualTo(birth.plusMonths(2).toString());
		assertThat(series(first, "dtcap-hib-hepb").at("/forecastStatus/coding/0/code").asText()).isEqualTo("due");
		assertThat(first.at("/authority/display").asText()).as("the schedule it came from").contains("2025");
		Await.until("the due vaccination's e-mail", Duration.ofSeconds(30), () -> subjects(minorAddress).contains(VACCINATION));

		Immunization firstDose = new Immunization();
		firstDose.setStatus(Immunization.ImmunizationStatus.COMPLETED);
		firstDose.setPatient(new Reference(minor));
		firstDose.setVaccineCode(new CodeableConcept(new Coding(ComputedReminders.ATC, "J07CA09", "DTCaP-Hib-HepB")));
		firstDose.setOccurrence(new DateTimeType(LocalDate.now(PARIS).toString()));
		String immunization = fhirClient().create().resource(firstDose).execute().getId().toUnqualifiedVersionless().getValue();
		runTheJob();

		JsonNode second = recommendationOf(parent);
		JsonNode hexavalent = series(second, "dtcap-hib-hepb");
		assertThat(hexavalent.get("doseNumberPositiveInt").asInt()).isEqualTo(2);
		assertThat(dateCriterion(hexavalent, "30980-7")).isEqualTo(birth.plusMonths(4).toString());
		assertThat(hexavalent.at("/supportingImmunization/0/reference").asText()).isEqualTo(immunization);
		assertThat(second.get("id").asText()).as("one recommendation per space, updated").isEqualTo(first.get("id").asText());
		serverJob.pass();
		Thread.sleep(1000); // the outbox's passes (every 200 ms here) would send a second e-mail by now
		assertThat(subjects(minorAddress)).as("reminded once; the next dose is not due yet").containsOnlyOnce(VACCINATION);

		// Carnet's, not the clients': the parent may not change it, the GP may not delete it, nobody may forge one.
		String id = "ImmunizationRecommendation/" + second.get("id").asText();
		HttpResponse<String> changed = send("PUT", parent, "/" + id, second.toString());
		assertThat(changed.statusCode()).as(changed.body()).isEqualTo(403);
		HttpResponse<String> deleted = send("DELETE", fhirToken(), "/" + id, null);
		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(403);
		ImmunizationRecommendation forged = new ImmunizationRecommendation();
		forged.getMeta().addTag(ComputedReminders.TAG_SYSTEM, ComputedReminders.TAG_CODE, null);
		forged.setPatient(new Reference(minor));
		forged.setDateElement(new DateTimeType("2026-01-01"));
		forged.addRecommendation().addVaccineCode().setText("x");
		forged.getRecommendationFirstRep().setForecastStatus(new CodeableConcept().setText("due"));
		HttpResponse<String> created = send("POST", fhirToken(), "/ImmunizationRecommendation",
				FHIR.newJsonParser().encodeResourceToString(forged));
		assertThat(created.statusCode()).as(created.body()).isEqualTo(422);

		// The dose was recorded by mistake: deleted (the recommendation's reference does not hold it), counted no more.
		HttpResponse<String> mistake = send("DELETE", fhirToken(), "/" + immunization, null);
		assertThat(mistake.statusCode()).as(mistake.body()).isIn(200, 204);
		runTheJob();
		assertThat(series(recommendationOf(parent), "dtcap-hib-hepb").get("doseNumberPositiveInt").asInt()).isEqualTo(1);

		// Nobody is reminded of anything once dead.
		Patient deceased = fhirClient().read().resource(Patient.class).withId(minor).execute();
		deceased.setDeceased(new org.hl7.fhir.r4.model.BooleanType(true));
		fhirClient().update().resource(deceased).execute();
		runTheJob();
		assertThat(json(send("GET", parent, "/ImmunizationRecommendation?patient=" + minor, null)).get("total").asInt()).isZero();
	}

	@Test
	void aWomanOfFiftyIsInvitedToScreeningAndEachReminderIsEmailedOnceWhateverTheNodes() throws Exception {
		Patient claireNow = fhirClient().read().resource(Patient.class).withId(claire).execute();
		// Her fiftieth birthday two days ago: the breast, colorectal and cervical rounds started that day.
		claireNow.setBirthDateElement(new DateType(LocalDate.now(PARIS).minusDays(2).minusYears(50).toString()));
		claireNow.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
		fhirClient().update().resource(claireNow).execute();
		Appointment soon = TestSpace.appointment(claire, space.gp);
		soon.setStart(Date.from(Instant.now().plus(3, ChronoUnit.HOURS)));
		soon.setEnd(Date.from(Instant.now().plus(4, ChronoUnit.HOURS)));
		assertThat(send("POST", gp, "/Appointment", FHIR.newJsonParser().encodeResourceToString(soon)).statusCode()).isEqualTo(201);
		Appointment cancelledLater = TestSpace.appointment(claire, space.gp);
		cancelledLater.setStart(Date.from(Instant.now().plus(5, ChronoUnit.HOURS)));
		cancelledLater.setEnd(Date.from(Instant.now().plus(6, ChronoUnit.HOURS)));
		HttpResponse<String> booked = send("POST", gp, "/Appointment", FHIR.newJsonParser().encodeResourceToString(cancelledLater));
		JsonNode cancelled = json(booked);
		((com.fasterxml.jackson.databind.node.ObjectNode) cancelled).put("status", "cancelled");
		assertThat(send("PUT", gp, "/Appointment/" + cancelled.get("id").asText(), cancelled.toString()).statusCode()).isEqualTo(200);
		onlyThisClassesSpaces();

		// Both nodes' timers fire together, again and again: only the node holding the lease works.
		ExecutorService nodes = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < 5; round++) {
				Future<Integer> onTheServer = nodes.submit(serverJob::pass);
				Future<Integer> onTheSecondNode = nodes.submit(secondNode::pass);
				int server = onTheServer.get();
				int second = onTheSecondNode.get();
				assertThat(server == 0 || second == 0).as("round " + round + ": " + server + " and " + second).isTrue();
				if (round == 0) {
					assertThat(server + second).as("the space and its reminders handled in the first round").isPositive();
				}
			}
		} finally {
			nodes.shutdown();
		}

		List<String> screenings = matches(send("GET", claireToken, "/ServiceRequest?subject=" + claire, null));
		assertThat(screenings).hasSize(3);
		JsonNode breast = json(send("GET", claireToken, "/ServiceRequest?subject=" + claire + "&code="
				+ ComputedReminders.SCREENING_SYSTEM + "%7Cbreast", null));
		assertThat(breast.at("/entry/0/resource/intent").asText()).isEqualTo("proposal");
		assertThat(breast.at("/entry/0/resource/occurrencePeriod/start").asText())
				.isEqualTo(LocalDate.now(PARIS).minusDays(2).toString());
		String pharmacist = space.professionalToken(space.pharmacist);
		HttpResponse<String> hidden = send("GET", pharmacist, "/" + screenings.get(0), null);
		assertThat(hidden.statusCode()).as("not in the pharmacist's row of the matrix: as absent")
				.isEqualTo(send("GET", pharmacist, "/ServiceRequest/987654321", null).statusCode()).isEqualTo(404);

		Await.until("the reminders' e-mails", Duration.ofSeconds(30),
				() -> subjects(claireAddress).contains(SCREENING) && subjects(claireAddress).contains(APPOINTMENT));
		// More passes on both nodes, and the outbox's own: nothing is sent twice.
		serverJob.pass();
		secondNode.pass();
		Thread.sleep(1500);
		List<String> received = subjects(claireAddress);
		assertThat(count(received, SCREENING)).as("the three rounds that started the same day: one e-mail").isEqualTo(1);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_reminder WHERE patient_id = ? AND kind = 'SCREENING_DUE'"
				+ " AND sent_at IS NOT NULL", Integer.class, claire.substring("Patient/".length())))
				.as("each round handled once").isEqualTo(3);
		assertThat(count(received, APPOINTMENT)).as("the cancelled appointment is not reminded").isEqualTo(1);
		assertThat(count(received, VACCINATION)).as("her booster at 45 is long past: recorded, not e-mailed").isZero();
	}

	@Test
	void whenTheNodeHoldingTheJobDiesAnotherTakesItOver() {
		serverJob.pass(); // the server's node holds the lease
		assertThat(secondNode.pass()).as("the lease is held").isZero();

		// The server's node stops renewing (dies): its lease runs out.
		jdbc.update("UPDATE carnet_cluster_lease SET held_until = ? WHERE name = 'reminders'",
				java.sql.Timestamp.from(Instant.now().minusSeconds(1)));
		Patient claireNow = fhirClient().read().resource(Patient.class).withId(claire).execute();
		claireNow.setBirthDateElement(new DateType(LocalDate.now(PARIS).minusDays(2).minusYears(50).toString()));
		claireNow.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.MALE);
		fhirClient().update().resource(claireNow).execute();
		onlyThisClassesSpaces();

		assertThat(secondNode.pass()).as("the second node took the job and computed the space").isPositive();
		assertThat(serverJob.pass()).as("now held by the second node").isZero();
		assertThat(matches(send("GET", claireToken, "/ServiceRequest?subject=" + claire, null)))
				.as("computed again by the second node: no breast or cervical screening for a man").hasSize(1);
	}

	@Test
	void aChangeSomeoneMadeIsComputedBeforeABacklogWaitingLonger() {
		ReminderStore store = new ReminderStore(jdbc.getDataSource(), Clock.systemUTC());
		String prefix = "backlog-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
		for (int i = 0; i < 5; i++) {
			store.queue(prefix + i, Instant.now().minus(Duration.ofDays(30 - i)));
		}
		store.queueChange(prefix + "changed");
		store.queue(prefix + "tomorrow", Instant.now().plus(Duration.ofDays(1)));
		try {
			List<String> first = store.dueSpaces(1000).stream().map(ReminderStore.Queued::patientId)
					.filter(patient -> patient.startsWith(prefix)).toList();
			assertThat(first).as("the change, then the longest waiting").containsExactly(prefix + "changed", prefix + "0", prefix + "1", prefix + "2",
					prefix + "3", prefix + "4");
			assertThat(store.dueSpaces(100).stream().map(ReminderStore.Queued::patientId)).doesNotContain(prefix + "tomorrow");
		} finally {
			jdbc.update("DELETE FROM carnet_reminder_recompute WHERE patient_id LIKE ?", prefix + "%");
		}
	}

	private static final String VACCINATION = "Une vaccination recommandée pour vous";
	private static final String SCREENING = "Un dépistage recommandé pour vous";
	private static final String APPOINTMENT = "Rappel : un rendez-vous approche";

	/** One pass of the server's job (the other classes' spaces left out). */
	private void runTheJob() {
		onlyThisClassesSpaces();
		jdbc.update("DELETE FROM carnet_cluster_lease WHERE name = 'reminders'");
		assertThat(serverJob.pass()).isPositive();
	}

	private void onlyThisClassesSpaces() {
		String mine = "'" + claire.substring("Patient/".length()) + "', '" + minor.substring("Patient/".length()) + "'";
		jdbc.update("DELETE FROM carnet_reminder_recompute WHERE patient_id NOT IN (" + mine + ")");
		jdbc.update("DELETE FROM carnet_reminder WHERE sent_at IS NULL AND patient_id NOT IN (" + mine + ")");
	}

	private JsonNode recommendationOf(String token) {
		JsonNode bundle = json(send("GET", token, "/ImmunizationRecommendation?patient=" + minor, null));
		assertThat(bundle.get("total").asInt()).as(bundle.toString()).isEqualTo(1);
		return bundle.at("/entry/0/resource");
	}

	private static JsonNode series(JsonNode recommendation, String series) {
		for (JsonNode item : recommendation.get("recommendation")) {
			if (series.equals(item.path("series").asText())) {
				return item;
			}
		}
		throw new AssertionError("no recommendation for " + series + " in " + recommendation);
	}

	private static String dateCriterion(JsonNode item, String loinc) {
		for (JsonNode criterion : item.get("dateCriterion")) {
			if (loinc.equals(criterion.at("/code/coding/0/code").asText())) {
				return criterion.get("value").asText();
			}
		}
		throw new AssertionError("no date " + loinc + " in " + item);
	}

	private static List<String> subjects(String address) {
		return TestMailServer.messagesTo(address).stream().map(ReminderTest::subject).toList();
	}

	private static String subject(MimeMessage message) {
		try {
			return message.getSubject();
		} catch (MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static long count(List<String> subjects, String subject) {
		return subjects.stream().filter(subject::equals).count();
	}

	private String fhirToken() {
		return token();
	}

	private HttpResponse<String> send(String method, String token, String path, String body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Accept", "application/fhir+json");
		if (body == null) {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		} else {
			request.header("Content-Type", "application/fhir+json").method(method, HttpRequest.BodyPublishers.ofString(body));
		}
		return send(request.build());
	}
}
