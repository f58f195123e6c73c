package org.carnetsante.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.Http;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What may change in a stored document and who may change it ({@link DocumentChangeRules},
 * docs/documents.md "Replace, update, delete"), over real HTTP: every refusal with its status, and what
 * it leaves stored. The rights of an author are the recorded sender's: each document here is pushed by
 * the test hospital's system but declares another hospital of the patient's care team as its author,
 * which gains nothing from it.
 */
class DocumentChangesTest extends CarnetServerTest {

	private static final String ARCHIVED = "https://carnet.example/ig/StructureDefinition/document-archived";

	@Autowired
	UserAccounts accounts;

	private static TestSpace space;
	/** Another hospital of the patient's care team, named as the declared author of the documents below. */
	private static String declaredAuthor;

	@BeforeEach
	void aSpaceAndADeclaredAuthorWhoDidNotSend() {
		if (space == null) {
			space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
			declaredAuthor = TestBackendClient.registerRsa(clients, baseUrl(), List.of(ALL_SYSTEM_SCOPES), "1750000077",
					TestBackendClient.PUBLIC_HOSPITAL_SECTOR).accessToken(ALL_SYSTEM_SCOPES);
			assertThat(post(declaredAuthor, "/CareTeam", Fixtures.careTeam(space.id(Item.PATIENT), "1750000077")).statusCode())
					.isEqualTo(201);
		}
	}

	@Test
	void aPutChangingMoreThanStatusLabelsOrTheArchivedFlagIsRefusedWith405() {
		String id = pushed();

		HttpResponse<String> described = put(token(), id, document -> document.setDescription("Autre chose"));
		HttpResponse<String> tagged = put(token(), id, document -> document.getMeta().addTag("urn:test", "relu", null));
		HttpResponse<String> narrated = put(token(), id, document -> document.getText()
				.setStatus(org.hl7.fhir.r4.model.Narrative.NarrativeStatus.GENERATED)
				.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">Résumé réécrit</div>"));

		for (HttpResponse<String> refused : List.of(described, tagged, narrated)) {
			assertThat(refused.statusCode()).as(refused.body()).isEqualTo(405);
			assertThat(diagnostics(refused)).contains("changes only status, securityLabel and the archived flag");
		}
		assertThat(versionOf(id)).as("nothing stored").isEqualTo("1");

		HttpResponse<String> archived = put(token(), id, document -> document.addExtension(ARCHIVED,
				new org.hl7.fhir.r4.model.BooleanType(true)));
		assertThat(archived.statusCode()).as("the same PUT changing only the archived flag: %s", archived.body()).isEqualTo(200);
		assertThat(versionOf(id)).isEqualTo("2");
	}

	@Test
	void aDocumentsBytesAreNeitherReplacedNorDeletedOnTheirOwnEvenByItsSender() {
		String bytes = space.id(Item.CONSULTATION_BYTES);
		byte[] before = rawBytes(bytes);
		Binary replacement = new Binary();
		replacement.setId(bytes);
		replacement.setContentType("text/plain");
		replacement.setData("Autre compte rendu".getBytes(StandardCharsets.UTF_8));
		replacement.setSecurityContext(new Reference(space.id(Item.CONSULTATION)));

		HttpResponse<String> replaced = send(request("/" + bytes).header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(replacement))).build());
		HttpResponse<String> deleted = send(request("/" + bytes).DELETE().build());

		assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(405);
		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(405);
		assertThat(rawBytes(bytes)).as("the bytes are unchanged").isEqualTo(before);

		// To a writer who may not see them, they are bytes that do not exist.
		String stranger = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/*.cruds"), "1690000021", "SA01")
				.accessToken("system/*.cruds");
		HttpResponse<String> deletedByAStranger = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + bytes))
				.header("Authorization", "Bearer " + stranger).DELETE().build());
		HttpResponse<String> absentDeleted = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Binary/987654321"))
				.header("Authorization", "Bearer " + stranger).DELETE().build());
		assertThat(deletedByAStranger.statusCode()).as(deletedByAStranger.body()).isEqualTo(404);
		assertThat(deletedByAStranger.body().replace(bytes, "X")).isEqualTo(absentDeleted.body().replace("Binary/987654321", "X"));
		assertThat(rawBytes(bytes)).isEqualTo(before);
	}

	@Test
	void theDeclaredAuthorDoesNotChangeTheStatusItsSenderDoes() {
		String id = pushed();
		String retire = "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"entered-in-error\"}]";

		HttpResponse<String> byTheDeclaredAuthor = patch(declaredAuthor, id, retire);
		assertThat(byTheDeclaredAuthor.statusCode()).as(byTheDeclaredAuthor.body()).isEqualTo(403);
		assertThat(expressions(byTheDeclaredAuthor)).containsExactly("DocumentReference.author");
		assertThat(read(id).getStatus()).isEqualTo(DocumentReferenceStatus.CURRENT);

		HttpResponse<String> bySender = patch(token(), id, retire);
		assertThat(bySender.statusCode()).as(bySender.body()).isEqualTo(200);
		assertThat(read(id).getStatus()).isEqualTo(DocumentReferenceStatus.ENTEREDINERROR);
	}

	@Test
	void onlyTheSenderOfADocumentReplacesIt() {
		String id = pushed();
		long before = storedResourceVersions();

		HttpResponse<String> byTheDeclaredAuthor = post(declaredAuthor, "/DocumentReference", replacing(id));

		// Superseding is a status change of the replaced document, made as the caller: the sender's right.
		assertThat(byTheDeclaredAuthor.statusCode()).as(byTheDeclaredAuthor.body()).isEqualTo(403);
		assertThat(expressions(byTheDeclaredAuthor)).containsExactly("DocumentReference.author");
		assertThat(storedResourceVersions()).as("nothing of the replacement is stored").isEqualTo(before);
		assertThat(read(id).getStatus()).isEqualTo(DocumentReferenceStatus.CURRENT);

		HttpResponse<String> bySender = post(token(), "/DocumentReference", replacing(id));
		assertThat(bySender.statusCode()).as(bySender.body()).isEqualTo(201);
		assertThat(read(id).getStatus()).isEqualTo(DocumentReferenceStatus.SUPERSEDED);
	}

	@Test
	void thePatientMasksADocumentFromProfessionalsButHidesNothingElseNorLiftsWhatItsSenderHid() {
		String id = pushed();
		String claire = space.patientToken();
		String gp = space.professionalToken(space.gp);
		assertThat(get(gp, "/" + id).statusCode()).isEqualTo(200);

		HttpResponse<String> hiddenFromParents = patch(claire, id, addLabel("INVISIBLE_REPRESENTANTS_LEGAUX"));
		assertThat(hiddenFromParents.statusCode()).as(hiddenFromParents.body()).isEqualTo(403);
		assertThat(expressions(hiddenFromParents)).containsExactly("DocumentReference.author");
		HttpResponse<String> masked = patch(claire, id, addLabel("MASQUE_PS"));
		assertThat(masked.statusCode()).as(masked.body()).isEqualTo(200);
		assertThat(get(gp, "/" + id).statusCode()).as("masked from professionals").isEqualTo(404);

		// The sender hid this one from her until an announcement consultation: to her it is not there.
		String notYetHers = space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT);
		HttpResponse<String> lifted = patch(claire, notYetHers, "[{\"op\":\"remove\",\"path\":\"/meta/security\"}]");
		HttpResponse<String> absent = patch(claire, "DocumentReference/987654321", "[{\"op\":\"remove\",\"path\":\"/meta/security\"}]");
		assertThat(lifted.statusCode()).as(lifted.body()).isEqualTo(404);
		assertThat(lifted.body().replace(notYetHers, "X")).isEqualTo(absent.body().replace("DocumentReference/987654321", "X"));
		assertThat(read(notYetHers).getMeta().getSecurity()).extracting(org.hl7.fhir.r4.model.Coding::getCode)
				.contains("INVISIBLE_PATIENT");
	}

	@Test
	void onlyTheSenderDeletesADocumentNotItsDeclaredAuthorNorThePatient() {
		String id = pushed();

		HttpResponse<String> byTheDeclaredAuthor = delete(declaredAuthor, id);
		assertThat(byTheDeclaredAuthor.statusCode()).as(byTheDeclaredAuthor.body()).isEqualTo(403);
		assertThat(expressions(byTheDeclaredAuthor)).containsExactly("DocumentReference.author");
		HttpResponse<String> byThePatient = delete(space.patientToken(), id);
		assertThat(byThePatient.statusCode()).as("the patient masks or archives: %s", byThePatient.body()).isEqualTo(403);
		assertThat(get(token(), "/" + id).statusCode()).isEqualTo(200);

		HttpResponse<String> bySender = delete(token(), id);
		assertThat(bySender.statusCode()).as(bySender.body()).isEqualTo(200);
		assertThat(get(token(), "/" + id).statusCode()).as("gone, to its sender who saw it").isEqualTo(410);
		// A pharmacist never saw a consultation: to him it is a document that never existed.
		String pharmacist = space.professionalToken(space.pharmacist);
		HttpResponse<String> toThePharmacist = get(pharmacist, "/" + id);
		assertThat(toThePharmacist.statusCode()).isEqualTo(404);
		assertThat(toThePharmacist.body().replace(id, "X"))
				.isEqualTo(get(pharmacist, "/DocumentReference/987654321").body().replace("DocumentReference/987654321", "X"));
	}

	// --- the pieces ---

	/** A document of the space pushed by the test hospital, declaring the other hospital as its author. */
	private String pushed() {
		DocumentReference document = Fixtures.documentReference(space.id(Item.PATIENT));
		document.getAuthor().clear();
		document.addAuthor(new Reference().setIdentifier(new Identifier().setSystem(Fixtures.ORGANIZATION_ID_SYSTEM)
				.setValue("1750000077")));
		HttpResponse<String> created = post(token(), "/DocumentReference", document);
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return new IdType(created.headers().firstValue("Location").orElseThrow()).toUnqualifiedVersionless().getValue()
				.replaceFirst("^.*/fhir/", "");
	}

	private DocumentReference replacing(String id) {
		DocumentReference replacement = Fixtures.documentReference(space.id(Item.PATIENT));
		replacement.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(id));
		return replacement;
	}

	private static String addLabel(String code) {
		return "[{\"op\":\"add\",\"path\":\"/securityLabel/-\",\"value\":{\"coding\":[{\"system\":\"" + TestSpace.LABELS
				+ "\",\"code\":\"" + code + "\"}]}}]";
	}

	/** The document as stored, read by its sender's system (which sees every label). */
	private DocumentReference read(String id) {
		HttpResponse<String> response = get(token(), "/" + id);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return FHIR.newJsonParser().parseResource(DocumentReference.class, response.body());
	}

	/** The current version of a document. */
	private String versionOf(String id) {
		return read(id).getMeta().getVersionId();
	}

	private HttpResponse<String> put(String token, String id, Consumer<DocumentReference> change) {
		DocumentReference document = read(id);
		change.accept(document);
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + id)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.PUT(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(document))).build());
	}

	private byte[] rawBytes(String binary) {
		HttpResponse<byte[]> raw = Http.sendBytes(http, request("/" + binary).header("Accept", "text/plain").build());
		assertThat(raw.statusCode()).isEqualTo(200);
		return raw.body();
	}

	private HttpResponse<String> post(String token, String path, IBaseResource resource) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(resource))).build());
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Accept", "application/fhir+json").build());
	}

	private HttpResponse<String> patch(String token, String id, String jsonPatch) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + id)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/json-patch+json")
				.method("PATCH", HttpRequest.BodyPublishers.ofString(jsonPatch)).build());
	}

	private HttpResponse<String> delete(String token, String id) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + id)).header("Authorization", "Bearer " + token)
				.DELETE().build());
	}

	private static String diagnostics(HttpResponse<String> refused) {
		return FHIR.newJsonParser().parseResource(OperationOutcome.class, refused.body()).getIssueFirstRep().getDiagnostics();
	}

	private static List<String> expressions(HttpResponse<String> refused) {
		return FHIR.newJsonParser().parseResource(OperationOutcome.class, refused.body()).getIssue().stream()
				.flatMap(issue -> issue.getExpression().stream().map(org.hl7.fhir.r4.model.StringType::getValue)).toList();
	}
}
