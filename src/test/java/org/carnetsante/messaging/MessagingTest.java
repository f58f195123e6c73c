package org.carnetsante.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.carnetsante.support.FhirResponses.json;
import static org.carnetsante.support.FhirResponses.matches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.carnetsante.support.Await;
import org.carnetsante.support.CorrespondenceTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestMailServer;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * The secure messaging end to end, over HTTP with real tokens from real launches: a professional opens, the
 * patient answers; who reads; read receipts and unread searches; an attachment filed among the documents;
 * the patient's view; and every refusal answering as the rules say.
 */
class MessagingTest extends CorrespondenceTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PATIENT_DOCUMENT_TYPES = "urn:oid:1.2.250.1.213.1.1.4.12";

	@Test
	void aGpWritesThePatientIsEmailedRepliesAndFilesTheAttachment() throws Exception {
		byte[] prescription = "Ordonnance : amoxicilline 1 g matin et soir pendant 6 jours".getBytes(StandardCharsets.UTF_8);
		Communication opening = TestSpace.message(claire, new Reference(claire), "Voici votre ordonnance.");
		opening.addPayload().setContent(Fixtures.attachment("text/plain", prescription, "Ordonnance"));

		HttpResponse<String> sent = post(gp, "/Communication", opening);
		assertThat(sent.statusCode()).as(sent.body()).isEqualTo(201);
		JsonNode stored = JSON.readTree(sent.body());
		String first = "Communication/" + stored.get("id").asText();
		assertThat(stored.at("/sender/identifier/value").asText()).as("the sender is recorded from the token").isEqualTo(space.gp.idNat());
		assertThat(stored.has("sent")).isTrue();
		String thread = threadOf(stored);
		assertThat(thread).isNotBlank();

		MimeMessage mail = eventually(() -> TestMailServer.messagesTo(claireAddress).stream()
				.filter(each -> subjectOf(each).equals("Un nouveau message dans votre espace santé")).toList()).get(0);
		assertThat(mail.getContent().toString()).contains("vous a écrit").doesNotContain("ordonnance").doesNotContain("amoxicilline")
				.doesNotContain(space.gp.idNat());

		// Unread, then read: the receipt names her and sets received.
		assertThat(matches(get(claireToken, "/Communication?subject=" + claire + "&received:missing=true"))).contains(first);
		HttpResponse<String> read = post(claireToken, "/" + first + "/$mark-read", "{\"resourceType\":\"Parameters\"}");
		assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
		JsonNode marked = JSON.readTree(read.body());
		assertThat(marked.has("received")).isTrue();
		assertThat(marked.toString()).contains(MessageThreads.READ_RECEIPT).contains(claire);
		assertThat(matches(get(claireToken, "/Communication?subject=" + claire + "&received:missing=true"))).doesNotContain(first);
		HttpResponse<String> again = post(claireToken, "/" + first + "/$mark-read", "{\"resourceType\":\"Parameters\"}");
		assertThat(JSON.readTree(again.body()).findValues("url").stream().filter(url -> url.asText().equals(MessageThreads.READ_RECEIPT)))
				.as("one receipt per reader").hasSize(1);

		// She answers the GP, in the thread.
		Communication reply = TestSpace.message(claire, TestSpace.professionalReference(space.gp), "Merci docteur.");
		reply.addInResponseTo(new Reference(first));
		HttpResponse<String> replied = post(claireToken, "/Communication", reply);
		assertThat(replied.statusCode()).as(replied.body()).isEqualTo(201);
		JsonNode answer = JSON.readTree(replied.body());
		assertThat(threadOf(answer)).isEqualTo(thread);
		assertThat(answer.at("/partOf/0/reference").asText()).isEqualTo(first);
		assertThat(answer.at("/sender/reference").asText()).isEqualTo(claire);
		String second = "Communication/" + answer.get("id").asText();

		// The GP's inbox across spaces, and the thread with what each message answers.
		assertThat(matches(get(gp, "/Communication?recipient-identifier=" + encode(Fixtures.PROFESSIONAL_ID_SYSTEM + "|" + space.gp.idNat()))))
				.contains(second);
		JsonNode withThread = json(get(gp, "/Communication?identifier=" + encode(MessageThreads.THREAD_SYSTEM + "|" + thread)
				+ "&subject=" + claire + "&_include=Communication:in-response-to&_sort=-sent"));
		assertThat(matches(withThread)).containsExactly(second, first);

		// She files the prescription among her documents: the GP is its author, it links back to the message.
		HttpResponse<String> filed = post(claireToken, "/" + first + "/$file-attachment", "{\"resourceType\":\"Parameters\",\"parameter\":["
				+ "{\"name\":\"type\",\"valueCoding\":{\"system\":\"" + PATIENT_DOCUMENT_TYPES + "\",\"code\":\"DOCPAT03\"}}]}");
		assertThat(filed.statusCode()).as(filed.body()).isEqualTo(200);
		JsonNode document = JSON.readTree(filed.body());
		assertThat(document.get("resourceType").asText()).isEqualTo("DocumentReference");
		assertThat(document.at("/author/0/identifier/value").asText()).isEqualTo(space.gp.idNat());
		assertThat(document.at("/context/related/0/reference").asText()).isEqualTo(first);
		assertThat(document.at("/content/0/attachment/size").asInt()).isEqualTo(prescription.length);
		String bytesAt = document.at("/content/0/attachment/url").asText();
		HttpResponse<byte[]> bytes = org.carnetsante.support.Http.sendBytes(http, HttpRequest.newBuilder(URI.create(fhirBase() + "/" + bytesAt))
				.header("Authorization", "Bearer " + claireToken).header("Accept", "text/plain").GET().build());
		assertThat(bytes.body()).isEqualTo(prescription);
		assertThat(matches(get(claireToken, "/DocumentReference?status=current&patient=" + claire)))
				.contains("DocumentReference/" + document.get("id").asText());
	}

	@Test
	void onlyItsCorrespondentsAndThePatientsSideReadAMessage() {
		String message = space.id(Item.MESSAGE);
		assertThat(get(gp, "/" + message).statusCode()).as("its sender").isEqualTo(200);
		assertThat(get(claireToken, "/" + message).statusCode()).as("its recipient").isEqualTo(200);
		assertThat(get(space.delegateToken(), "/" + message).statusCode()).as("a delegate within the delegation").isEqualTo(200);
		for (String outsider : List.of(space.professionalToken(space.pharmacist), space.professionalToken(space.psychiatrist),
				space.emergencyToken(space.emergencyDoctor, "BTG"), token())) {
			HttpResponse<String> hidden = get(outsider, "/" + message);
			HttpResponse<String> absent = get(outsider, "/Communication/987654321");
			assertThat(hidden.statusCode()).isEqualTo(404).isEqualTo(absent.statusCode());
			assertThat(hidden.body().replace(message, "X")).isEqualTo(absent.body().replace("Communication/987654321", "X"));
			JsonNode search = json(get(outsider, "/Communication?subject=" + claire + "&_total=accurate"));
			assertThat(matches(search)).isEmpty();
			assertThat(search.get("total").asInt()).isZero();
			HttpResponse<String> hiddenMark = post(outsider, "/" + message + "/$mark-read", "{\"resourceType\":\"Parameters\"}");
			HttpResponse<String> absentMark = post(outsider, "/Communication/987654321/$mark-read", "{\"resourceType\":\"Parameters\"}");
			assertThat(hiddenMark.statusCode()).as("an operation on a message one may not see answers as for one that does not exist")
					.isEqualTo(absentMark.statusCode()).isBetween(403, 404);
			assertThat(hiddenMark.body().replace(message, "X")).isEqualTo(absentMark.body().replace("Communication/987654321", "X"));
		}
		// With the scopes to mark messages read, an outsider still meets a message that does not exist.
		String pharmacistMessaging = space.professionalMessagingToken(space.pharmacist);
		HttpResponse<String> hiddenMark = post(pharmacistMessaging, "/" + message + "/$mark-read", "{\"resourceType\":\"Parameters\"}");
		HttpResponse<String> absentMark = post(pharmacistMessaging, "/Communication/987654321/$mark-read", "{\"resourceType\":\"Parameters\"}");
		assertThat(hiddenMark.statusCode()).as(hiddenMark.body()).isEqualTo(404).isEqualTo(absentMark.statusCode());
		assertThat(hiddenMark.body().replace(message, "X")).isEqualTo(absentMark.body().replace("Communication/987654321", "X"));
		assertThat(get(space.systemToken("3100000000", "SA24"), "/" + message).statusCode()).as("insurers").isEqualTo(403);
	}

	@Test
	void aProfessionalSearchesOnlyHisOwnMessagesAcrossSpaces() {
		HttpResponse<String> someoneElses = get(gp, "/Communication?recipient-identifier="
				+ encode(Fixtures.PROFESSIONAL_ID_SYSTEM + "|" + space.pharmacist.idNat()));
		assertThat(someoneElses.statusCode()).as(someoneElses.body()).isEqualTo(400);
		assertThat(get(gp, "/Communication?sender-identifier=" + encode(Fixtures.PROFESSIONAL_ID_SYSTEM + "|" + space.gp.idNat()))
				.statusCode()).isEqualTo(200);
	}

	@Test
	void aPatientAnswersButNeitherOpensAThreadNorWritesToAnotherPatientOrOutsideTheThread() {
		HttpResponse<String> opening = post(claireToken, "/Communication",
				TestSpace.message(claire, TestSpace.professionalReference(space.gp), "Bonjour docteur"));
		assertThat(opening.statusCode()).as(opening.body()).isEqualTo(403);

		Communication toAnotherPatient = TestSpace.message(claire, new Reference(space.id(Item.MINOR)), "Coucou");
		toAnotherPatient.addInResponseTo(new Reference(space.id(Item.MESSAGE)));
		assertThat(post(claireToken, "/Communication", toAnotherPatient).statusCode()).isBetween(400, 499);

		Communication toSomeoneOutsideTheThread = TestSpace.message(claire, TestSpace.professionalReference(space.pharmacist), "?");
		toSomeoneOutsideTheThread.addInResponseTo(new Reference(space.id(Item.MESSAGE)));
		HttpResponse<String> refused = post(claireToken, "/Communication", toSomeoneOutsideTheThread);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(refused.body()).contains("Communication.recipient");

		Communication inAnotherSpace = TestSpace.message(space.id(Item.MINOR), TestSpace.professionalReference(space.gp), "Léo");
		inAnotherSpace.addInResponseTo(new Reference(space.id(Item.MESSAGE)));
		assertThat(post(claireToken, "/Communication", inAnotherSpace).statusCode()).isBetween(400, 499);
	}

	@Test
	void referencesThatWouldProbeWhatExistsAndMarksASenderMayNotSetAreRefused() {
		// An absolute URL is refused before anything is read: the same answer whether the message exists or not.
		String message = space.id(Item.MESSAGE);
		Communication toExisting = TestSpace.message(claire, new Reference(claire), "?");
		toExisting.addInResponseTo(new Reference(fhirBase() + "/" + message));
		Communication toAbsent = TestSpace.message(claire, new Reference(claire), "?");
		toAbsent.addInResponseTo(new Reference(fhirBase() + "/Communication/987654321"));
		HttpResponse<String> existing = post(gp, "/Communication", toExisting);
		HttpResponse<String> absent = post(gp, "/Communication", toAbsent);
		assertThat(existing.statusCode()).as(existing.body()).isEqualTo(422).isEqualTo(absent.statusCode());
		assertThat(existing.body()).isEqualTo(absent.body());

		// A patient's reply names the thread's professional by every key, or is refused.
		Communication smuggled = TestSpace.message(claire, new Reference("Practitioner/" + space.pharmacist.idNat())
				.setIdentifier(TestSpace.professionalReference(space.gp).getIdentifier()), "Pour la pharmacienne");
		smuggled.addInResponseTo(new Reference(message));
		HttpResponse<String> refused = post(claireToken, "/Communication", smuggled);
		assertThat(refused.statusCode()).as(refused.body()).isBetween(400, 499);

		// Nobody sends a message already hidden from the patient.
		Communication hidden = TestSpace.message(claire, new Reference(claire), "caché");
		hidden.getMeta().addTag(org.carnetsante.access.MessageFacts.TAG_SYSTEM, org.carnetsante.access.MessageFacts.REMOVED_FROM_PATIENT_VIEW, null);
		assertThat(post(gp, "/Communication", hidden).statusCode()).isEqualTo(422);
	}

	@Test
	void onlyWhatAProfessionalSentIsFiledAndUnderThePatientsDocumentRules() {
		Communication withAttachment = TestSpace.message(claire, new Reference(claire), "Le compte rendu");
		byte[] html = "<html>compte rendu</html>".getBytes(StandardCharsets.UTF_8);
		withAttachment.addPayload().setContent(Fixtures.attachment("text/html", html, "CR"));
		String sent = "Communication/" + json(post(gp, "/Communication", withAttachment)).get("id").asText();
		HttpResponse<String> html2 = post(claireToken, "/" + sent + "/$file-attachment", "{\"resourceType\":\"Parameters\",\"parameter\":["
				+ "{\"name\":\"type\",\"valueCoding\":{\"system\":\"" + PATIENT_DOCUMENT_TYPES + "\",\"code\":\"DOCPAT03\"}}]}");
		assertThat(html2.statusCode()).as("a format patients may not put among their documents").isEqualTo(422);

		Communication reply = TestSpace.message(claire, TestSpace.professionalReference(space.gp), "Ma photo");
		reply.addInResponseTo(new Reference(sent));
		byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
		reply.addPayload().setContent(Fixtures.attachment("image/png", png, "photo"));
		String own = "Communication/" + json(post(claireToken, "/Communication", reply)).get("id").asText();
		HttpResponse<String> ownFiled = post(claireToken, "/" + own + "/$file-attachment", "{\"resourceType\":\"Parameters\",\"parameter\":["
				+ "{\"name\":\"type\",\"valueCoding\":{\"system\":\"" + PATIENT_DOCUMENT_TYPES + "\",\"code\":\"DOCPAT03\"}}]}");
		assertThat(ownFiled.statusCode()).as(ownFiled.body()).isEqualTo(400);
	}

	@Test
	void aBlockedProfessionalCannotWriteAndIsAnsweredAsForASpaceThatDoesNotExist() {
		String blocked = space.professionalMessagingToken(space.blockedGp);
		HttpResponse<String> refused = post(blocked, "/Communication", TestSpace.message(claire, new Reference(claire), "Bonjour"));
		HttpResponse<String> absent = post(blocked, "/Communication",
				TestSpace.message("Patient/987654321", new Reference("Patient/987654321"), "Bonjour"));
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(absent.statusCode()).isBetween(400, 499);
		assertThat(refused.body().replace(claire, "X")).isEqualTo(absent.body().replace("Patient/987654321", "X"));
	}

	@Test
	void aMinorsParentReadsAndAnswers() {
		String minor = space.id(Item.MINOR);
		HttpResponse<String> sent = post(gp, "/Communication", TestSpace.message(minor, new Reference(minor), "Rappel du vaccin de Léo"));
		assertThat(sent.statusCode()).as(sent.body()).isEqualTo(201);
		String message = "Communication/" + json(sent).get("id").asText();
		String parent = space.parentToken();
		assertThat(get(parent, "/" + message).statusCode()).isEqualTo(200);
		Communication reply = TestSpace.message(minor, TestSpace.professionalReference(space.gp), "Merci, nous viendrons mardi.");
		reply.addInResponseTo(new Reference(message));
		HttpResponse<String> replied = post(parent, "/Communication", reply);
		assertThat(replied.statusCode()).as(replied.body()).isEqualTo(201);
		HttpResponse<String> adults = get(parent, "/Communication?subject=" + claire);
		if (adults.statusCode() == 200) {
			assertThat(matches(json(adults))).as("the parent's token opens the child's space, not the adult's").isEmpty();
		} else {
			assertThat(adults.statusCode()).isBetween(400, 499);
		}
		assertThat(matches(json(get(gp, "/Communication?subject=" + minor)))).contains(message,
				"Communication/" + json(replied).get("id").asText());
	}

	@Test
	void aDelegateRepliesOnlyWhenTheDelegationSaysSoAndAsThemselves() {
		HttpResponse<String> sent = post(gp, "/Communication", TestSpace.message(claire, new Reference(claire), "Avez-vous pris rendez-vous ?"));
		String message = "Communication/" + json(sent).get("id").asText();
		String delegate = space.delegateToken();
		assertThat(get(delegate, "/" + message).statusCode()).as("the delegation opens the space for reading").isEqualTo(200);
		Communication reply = TestSpace.message(claire, TestSpace.professionalReference(space.gp), "Je m'en occupe pour ma soeur.");
		reply.addInResponseTo(new Reference(message));

		HttpResponse<String> refused = post(delegate, "/Communication", reply);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);

		// Claire lets her brother answer her messages for a week.
		org.hl7.fhir.r4.model.Consent replies = TestSpace.consent(claire, claire, org.hl7.fhir.r4.model.Consent.ConsentProvisionType.PERMIT,
				new Reference(space.delegateRelatedPerson), "TREAT");
		replies.getProvision().addClass_(new org.hl7.fhir.r4.model.Coding("http://hl7.org/fhir/resource-types", "Communication", null));
		replies.getProvision().addAction(new org.hl7.fhir.r4.model.CodeableConcept(new org.hl7.fhir.r4.model.Coding(
				org.carnetsante.access.AccessRule.DELEGATION_RIGHTS, "reply-to-messages", null)));
		replies.getProvision().setPeriod(new org.hl7.fhir.r4.model.Period().setStart(new java.util.Date())
				.setEnd(java.util.Date.from(java.time.Instant.now().plus(java.time.Duration.ofDays(7)))));
		HttpResponse<String> granted = post(claireToken, "/Consent", FHIR.newJsonParser().encodeResourceToString(replies));
		assertThat(granted.statusCode()).as(granted.body()).isEqualTo(201);

		HttpResponse<String> replied = post(delegate, "/Communication", reply);
		assertThat(replied.statusCode()).as(replied.body()).isEqualTo(201);
		assertThat(json(replied).at("/sender/reference").asText()).as("who wrote it: the delegate, from the token")
				.isEqualTo(space.delegateRelatedPerson);
		assertThat(matches(json(get(gp, "/Communication?subject=" + claire)))).contains("Communication/" + json(replied).get("id").asText());
		Communication opening = TestSpace.message(claire, TestSpace.professionalReference(space.gp), "Une nouvelle question");
		HttpResponse<String> opened = post(delegate, "/Communication", opening);
		assertThat(opened.statusCode()).as("a delegate replies, as the patient does, but opens no thread").isBetween(400, 499);
	}

	@Test
	void anAttachmentTooLargeToTravelInlineTravelsAsTheMessagesOwnBinary() throws Exception {
		byte[] scan = new byte[1_200_000];
		new java.util.Random(14).nextBytes(scan);
		Communication inline = TestSpace.message(claire, new Reference(claire), "Le compte rendu complet");
		inline.addPayload().setContent(Fixtures.attachment("application/octet-stream", scan, "Compte rendu"));
		HttpResponse<String> tooLarge = post(gp, "/Communication", inline);
		assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(422);
		assertThat(tooLarge.body()).contains("Binary");

		HttpResponse<String> sent = post(gp, "/", messageWithItsBinary(scan, "text/plain", fileable -> {}));
		assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
		String binary = locationOf(sent, "Binary");
		String message = locationOf(sent, "Communication");
		assertThat(json(get(gp, "/" + message)).at("/payload/1/contentAttachment/url").asText()).isEqualTo(binary);
		HttpResponse<String> bytes = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + binary))
				.header("Authorization", "Bearer " + claireToken).header("Accept", "application/octet-stream").GET().build());
		assertThat(bytes.statusCode()).isEqualTo(200);
		String pharmacist = space.professionalToken(space.pharmacist);
		assertThat(get(pharmacist, "/" + binary).statusCode()).as("the message's bytes are seen as the message is")
				.isEqualTo(get(pharmacist, "/Binary/987654321").statusCode()).isEqualTo(404);

		// The Binary is that message's: another message cannot point at it, a wrong hash stores nothing.
		Communication another = TestSpace.message(claire, new Reference(claire), "Le même fichier");
		another.addPayload().setContent(Fixtures.attachment("text/plain", scan, "Copie").setUrl(binary).setData(null));
		HttpResponse<String> taken = post(gp, "/Communication", another);
		assertThat(taken.statusCode()).as(taken.body()).isEqualTo(422);
		long before = storedResourceVersions();
		HttpResponse<String> lying = post(gp, "/", messageWithItsBinary(scan, "text/plain",
				attachment -> attachment.setHash(new byte[20])));
		assertThat(lying.statusCode()).as(lying.body()).isEqualTo(422);
		assertThat(storedResourceVersions()).as("nothing half-written").isEqualTo(before);

		// A small one sent as a Binary is filed like an inline one, with its bytes.
		byte[] letter = "Courrier de sortie : retour à domicile, contrôle dans 15 jours".getBytes(StandardCharsets.UTF_8);
		HttpResponse<String> small = post(gp, "/", messageWithItsBinary(letter, "text/plain", attachment -> {}));
		String smallMessage = locationOf(small, "Communication");
		HttpResponse<String> filed = post(claireToken, "/" + smallMessage + "/$file-attachment", "{\"resourceType\":\"Parameters\","
				+ "\"parameter\":[{\"name\":\"type\",\"valueCoding\":{\"system\":\"" + PATIENT_DOCUMENT_TYPES + "\",\"code\":\"DOCPAT03\"}}]}");
		assertThat(filed.statusCode()).as(filed.body()).isEqualTo(200);
		String documentBinary = json(filed).at("/content/0/attachment/url").asText();
		assertThat(documentBinary).as("the document's own Binary").startsWith("Binary/").isNotEqualTo(locationOf(small, "Binary"));
		HttpResponse<String> fileBytes = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + documentBinary))
				.header("Authorization", "Bearer " + claireToken).header("Accept", "text/plain").GET().build());
		assertThat(fileBytes.body()).isEqualTo(new String(letter, StandardCharsets.UTF_8));
	}

	/** A transaction: the message with a Binary of its own, named by the attachment's url. */
	private String messageWithItsBinary(byte[] bytes, String contentType, java.util.function.Consumer<org.hl7.fhir.r4.model.Attachment> change) {
		org.hl7.fhir.r4.model.Bundle transaction = new org.hl7.fhir.r4.model.Bundle().setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
		org.hl7.fhir.r4.model.Binary binary = new org.hl7.fhir.r4.model.Binary();
		binary.setContentType(contentType);
		binary.setData(bytes);
		String binaryUrl = "urn:uuid:" + java.util.UUID.randomUUID();
		transaction.addEntry().setFullUrl(binaryUrl).setResource(binary).getRequest()
				.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Binary");
		Communication message = TestSpace.message(claire, new Reference(claire), "Voici le compte rendu complet");
		org.hl7.fhir.r4.model.Attachment attachment = Fixtures.attachment(contentType, bytes, "Compte rendu");
		attachment.setData(null);
		attachment.setUrl(binaryUrl);
		change.accept(attachment);
		message.addPayload().setContent(attachment);
		transaction.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(message).getRequest()
				.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Communication");
		return FHIR.newJsonParser().encodeResourceToString(transaction);
	}

	private static String locationOf(HttpResponse<String> transactionResponse, String type) {
		for (JsonNode entry : json(transactionResponse).get("entry")) {
			String location = entry.at("/response/location").asText();
			if (location.startsWith(type + "/")) {
				return location.replaceAll("/_history/.*", "");
			}
		}
		throw new AssertionError("no " + type + " in " + transactionResponse.body());
	}

	@Test
	void aMessageIsNeitherChangedNorDeletedAndCarnetSetsWhatTheSenderDoesNotChoose() {
		String message = space.id(Item.MESSAGE);
		String body = get(gp, "/" + message).body();
		HttpResponse<String> changed = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + message))
				.header("Authorization", "Bearer " + gp).header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(body.replace("passez me voir", "ne venez pas"))).build());
		assertThat(changed.statusCode()).as(changed.body()).isEqualTo(405);
		HttpResponse<String> deleted = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + message))
				.header("Authorization", "Bearer " + claireToken).DELETE().build());
		assertThat(deleted.statusCode()).as(deleted.body()).isIn(403, 405);
		assertThat(get(claireToken, "/" + message).body()).contains("passez me voir");

		Communication alreadyRead = TestSpace.message(claire, new Reference(claire), "Lu ?");
		alreadyRead.setReceived(new java.util.Date());
		assertThat(post(gp, "/Communication", alreadyRead).statusCode()).isEqualTo(422);
		Communication inSomeoneElsesName = TestSpace.message(claire, new Reference(claire), "Signé Dr X");
		inSomeoneElsesName.setSender(TestSpace.professionalReference(space.pharmacist));
		HttpResponse<String> impersonation = post(gp, "/Communication", inSomeoneElsesName);
		assertThat(impersonation.statusCode()).as(impersonation.body()).isEqualTo(422);
		assertThat(impersonation.body()).contains("Communication.sender");
	}

	@Test
	void attachmentsTellTheTruthAboutTheirBytes() {
		byte[] bytes = "Compte rendu".getBytes(StandardCharsets.UTF_8);
		Communication wrongHash = TestSpace.message(claire, new Reference(claire), "Pièce jointe");
		wrongHash.addPayload().setContent(Fixtures.attachment("text/plain", bytes, "CR").setHash(new byte[20]));
		HttpResponse<String> refused = post(gp, "/Communication", wrongHash);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(refused.body()).contains("hash");

		byte[] tooLarge = new byte[1024 * 1024 + 1];
		Communication tooBig = TestSpace.message(claire, new Reference(claire), "Gros fichier");
		tooBig.addPayload().setContent(Fixtures.attachment("application/pdf", tooLarge, "Imagerie"));
		HttpResponse<String> tooBigAnswer = post(gp, "/Communication", tooBig);
		assertThat(tooBigAnswer.statusCode()).as(tooBigAnswer.body()).isEqualTo(422);
		assertThat(tooBigAnswer.body()).contains("at most");

		// An attachment stored out of the row (above 64 KB) comes back whole.
		byte[] scan = new byte[200 * 1024];
		new java.util.Random(7).nextBytes(scan);
		Communication large = TestSpace.message(claire, new Reference(claire), "Imagerie");
		large.addPayload().setContent(Fixtures.attachment("application/pdf", scan, "Radio"));
		HttpResponse<String> stored = post(gp, "/Communication", large);
		assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
		JsonNode read = json(get(claireToken, "/Communication/" + json(stored).get("id").asText()));
		assertThat(java.util.Base64.getDecoder().decode(read.at("/payload/1/contentAttachment/data").asText())).isEqualTo(scan);
	}

	@Test
	void thePatientRemovesAThreadFromHerViewAndTheSendersCopyStays() {
		HttpResponse<String> sent = post(gp, "/Communication", TestSpace.message(claire, new Reference(claire), "À supprimer"));
		String message = "Communication/" + json(sent).get("id").asText();
		Communication reply = TestSpace.message(claire, TestSpace.professionalReference(space.gp), "D'accord");
		reply.addInResponseTo(new Reference(message));
		String answer = "Communication/" + json(post(claireToken, "/Communication", reply)).get("id").asText();

		assertThat(post(gp, "/" + message + "/$remove-from-view", "{\"resourceType\":\"Parameters\"}").statusCode())
				.as("the patient's view is hers").isEqualTo(403);
		HttpResponse<String> removed = post(claireToken, "/" + message + "/$remove-from-view", "{\"resourceType\":\"Parameters\"}");
		assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
		assertThat(get(claireToken, "/" + message).statusCode()).isEqualTo(404);
		assertThat(get(claireToken, "/" + answer).statusCode()).isEqualTo(404);
		assertThat(matches(json(get(claireToken, "/Communication?subject=" + claire)))).doesNotContain(message, answer);
		assertThat(get(gp, "/" + message).statusCode()).isEqualTo(200);
		assertThat(get(gp, "/" + answer).statusCode()).isEqualTo(200);
		List<String> log = new ArrayList<>();
		json(get(claireToken, "/Patient/" + claire.substring(8) + "/$access-log?_count=50")).findValues("reference")
				.forEach(reference -> log.add(reference.asText()));
		assertThat(log).as("the removal is in her access log").contains(message);
	}

	private static String threadOf(JsonNode message) {
		for (JsonNode identifier : message.path("identifier")) {
			if (MessageThreads.THREAD_SYSTEM.equals(identifier.path("system").asText())) {
				return identifier.path("value").asText();
			}
		}
		return null;
	}

	private static <T extends List<?>> T eventually(java.util.function.Supplier<T> probe) {
		Await.until("a mail", Duration.ofSeconds(30), () -> !probe.get().isEmpty());
		return probe.get();
	}

	private static String subjectOf(MimeMessage mail) {
		try {
			return mail.getSubject();
		} catch (jakarta.mail.MessagingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}

	private HttpResponse<String> post(String token, String path, Communication message) {
		return post(token, path, FHIR.newJsonParser().encodeResourceToString(message));
	}

	private HttpResponse<String> post(String token, String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
	}



}
