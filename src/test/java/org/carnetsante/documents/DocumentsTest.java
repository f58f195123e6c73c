package org.carnetsante.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.Http;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Documents end to end over real HTTP with real tokens (IHE MHD as profiled by PDSm): the hospital's
 * system pushes provide bundles (ITI-65) and simplified publishes (ITI-105), the GP finds (ITI-67) and
 * retrieves (ITI-68) them, the patient sees and uploads her own; every refusal leaves nothing behind.
 */
class DocumentsTest extends CarnetServerTest {

	/** The space's patient carries a demo INS (design.md: fixtures use the test and demo systems). */
	private static final String INS_NIR = Fixtures.INS_DEMO_SYSTEM;
	private static final String PDF = "application/pdf";

	@Autowired
	UserAccounts accounts;

	private static TestSpace space;

	@BeforeEach
	void oneSpaceForTheClass() {
		if (space == null) {
			space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		}
	}

	@Test
	void provideBundleIsStoredFoundAndRetrievedAsBytes() {
		byte[] pdf = pdfLike("Bilan sanguin du jour");
		HttpResponse<String> pushed = post(token(), "", provideBundle(pdf));

		assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
		Bundle response = parse(pushed, Bundle.class);
		assertThat(response.getType()).isEqualTo(Bundle.BundleType.TRANSACTIONRESPONSE);
		assertThat(response.getEntry()).hasSize(3)
				.allSatisfy(entry -> assertThat(entry.getResponse().getLocation()).as("one Location per entry").isNotBlank());
		String documentId = new IdType(response.getEntry().get(1).getResponse().getLocation()).toUnqualifiedVersionless().getValue();

		// The GP of her care team finds it by the patient's INS (ITI-67)…
		String gp = space.professionalToken(space.gp);
		HttpResponse<String> found = get(gp, "/DocumentReference?patient.identifier=" + INS_NIR + "|" + space.nir
				+ "&status=current&type=http://loinc.org|11502-2");
		assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
		DocumentReference document = parse(found, Bundle.class).getEntry().stream()
				.map(entry -> (DocumentReference) entry.getResource())
				.filter(candidate -> candidate.getIdElement().toUnqualifiedVersionless().getValue().equals(documentId))
				.findFirst().orElseThrow();
		String url = document.getContentFirstRep().getAttachment().getUrl();
		assertThat(url).as("the attachment points at the stored Binary").startsWith("Binary/");

		// …and retrieves the bytes with the document's MIME type (ITI-68), or the Binary as FHIR.
		HttpResponse<byte[]> raw = Http.sendBytes(http, HttpRequest.newBuilder(URI.create(fhirBase() + "/" + url))
				.header("Authorization", "Bearer " + gp).header("Accept", PDF).build());
		assertThat(raw.statusCode()).isEqualTo(200);
		assertThat(raw.headers().firstValue("Content-Type").orElse("")).startsWith(PDF);
		assertThat(raw.body()).isEqualTo(pdf);
		HttpResponse<String> asFhir = get(gp, "/" + url);
		assertThat(asFhir.statusCode()).isEqualTo(200);
		assertThat(parse(asFhir, Binary.class).getData()).isEqualTo(pdf);

		// The patient sees it in her space.
		HttpResponse<String> hers = get(space.patientToken(), "/" + documentId);
		assertThat(hers.statusCode()).isEqualTo(200);
	}

	@Test
	void bytesAreStoredOutsideTheResourceRow() {
		byte[] large = pdfLike("x".repeat(200_000));
		HttpResponse<String> pushed = post(token(), "", provideBundle(large));
		assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
		String binaryId = new IdType(parse(pushed, Bundle.class).getEntry().get(2).getResponse().getLocation()).getIdPart();

		Long blobs = jdbc.queryForObject("SELECT COUNT(*) FROM hfj_binary_storage_blob WHERE blob_size = ?", Long.class, large.length);
		assertThat(blobs).as("the bytes are a blob of their own").isPositive();
		String stored = jdbc.queryForObject("SELECT v.res_text_vc FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id "
				+ "WHERE r.fhir_id = ? AND r.res_type = 'Binary'", String.class, binaryId);
		assertThat(stored == null ? 0 : stored.length()).as("the Binary row holds a reference, not the base64 bytes")
				.isLessThan(2_000);

		HttpResponse<byte[]> raw = Http.sendBytes(http, HttpRequest.newBuilder(URI.create(fhirBase() + "/Binary/" + binaryId))
				.header("Authorization", "Bearer " + space.professionalToken(space.gp)).header("Accept", PDF).build());
		assertThat(raw.statusCode()).isEqualTo(200);
		assertThat(raw.headers().firstValue("Content-Length")).contains(String.valueOf(large.length));
		assertThat(raw.body()).isEqualTo(large);
	}

	@Test
	void aDocumentTooLargeToInflateIsStreamedAsRawBytes() {
		byte[] large = pdfLike("y".repeat(1_500_000));
		HttpResponse<String> pushed = post(token(), "", provideBundle(large));
		assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
		String binary = new IdType(parse(pushed, Bundle.class).getEntry().get(2).getResponse().getLocation()).toUnqualifiedVersionless()
				.getValue().replaceFirst("^.*/fhir/", "");

		HttpResponse<byte[]> raw = Http.sendBytes(http, HttpRequest.newBuilder(URI.create(fhirBase() + "/" + binary))
				.header("Authorization", "Bearer " + space.professionalToken(space.gp)).header("Accept", PDF).build());
		assertThat(raw.statusCode()).isEqualTo(200);
		assertThat(raw.headers().firstValue("Content-Length")).contains(String.valueOf(large.length));
		assertThat(raw.body()).isEqualTo(large);
		HttpResponse<byte[]> hidden = Http.sendBytes(http, HttpRequest.newBuilder(URI.create(fhirBase() + "/" + binary))
				.header("Authorization", "Bearer " + space.systemToken("1750000042", "SA01")).header("Accept", PDF).build());
		assertThat(hidden.statusCode()).as("a caller outside her care gets nothing").isEqualTo(404);
	}

	@Test
	void sizeOrHashThatDoNotMatchTheBytesAreRefusedAndNothingIsStored() {
		long before = storedResourceVersions();
		Bundle wrongSize = provideBundle(pdfLike("taille"));
		document(wrongSize).getContentFirstRep().getAttachment().setSize(3);
		HttpResponse<String> sizeRefused = post(token(), "", wrongSize);
		assertThat(sizeRefused.statusCode()).as(sizeRefused.body()).isEqualTo(422);
		assertThat(expressionsOf(sizeRefused)).contains("DocumentReference.content[0].attachment.size");

		Bundle wrongHash = provideBundle(pdfLike("empreinte"));
		document(wrongHash).getContentFirstRep().getAttachment().setHash(Fixtures.sha1("autre chose".getBytes(StandardCharsets.UTF_8)));
		HttpResponse<String> hashRefused = post(token(), "", wrongHash);
		assertThat(hashRefused.statusCode()).as(hashRefused.body()).isEqualTo(422);
		assertThat(expressionsOf(hashRefused)).contains("DocumentReference.content[0].attachment.hash");

		assertThat(storedResourceVersions()).as("nothing half-written").isEqualTo(before);
	}

	@Test
	void aTransactionThatFailsHalfWayLeavesNothing() {
		long before = storedResourceVersions();
		Bundle twoDocuments = provideBundle(pdfLike("premier"));
		DocumentReference second = Fixtures.documentReference(patientByIns());
		second.getContentFirstRep().getAttachment().setSize(1); // wrong: the second document fails
		twoDocuments.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(second)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");

		HttpResponse<String> refused = post(token(), "", twoDocuments);

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void requiredMetadataMissingIsRefusedNamingTheElement() {
		Bundle noHash = provideBundle(pdfLike("sans empreinte"));
		document(noHash).getContentFirstRep().getAttachment().setHash(null);
		document(noHash).setCustodian(null);

		HttpResponse<String> refused = post(token(), "", noHash);

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(refused.body()).contains("DocumentReference.custodian");
	}

	/**
	 * A closed space is one the sender may not see: it answers exactly as a space that does not exist,
	 * named by INS (a conditional reference that matches nothing: 404, as any conditional URL) or by id (a
	 * reference to an unknown resource: 400).
	 */
	@Test
	void unknownOrClosedSpacesAreRefusedAlike() {
		String closedNir = Fixtures.randomNir();
		String closed = "Patient/" + patientInOurCare(Fixtures.insPatient(closedNir, "Martin", "Claire"));
		org.hl7.fhir.r4.model.Patient patient = fhirClient().read().resource(org.hl7.fhir.r4.model.Patient.class).withId(closed).execute();
		patient.setActive(false);
		fhirClient().update().resource(patient).execute();
		String unknownNir = Fixtures.randomNir();
		long before = storedResourceVersions();

		HttpResponse<String> toAnUnknownIns = post(token(), "", provideBundleFor(unknownNir));
		HttpResponse<String> toAClosedIns = post(token(), "", provideBundleFor(closedNir));
		HttpResponse<String> intoClosed = post(token(), "/DocumentReference", Fixtures.documentReference(closed));
		HttpResponse<String> intoNone = post(token(), "/DocumentReference", Fixtures.documentReference("Patient/987650004"));

		assertThat(toAnUnknownIns.statusCode()).as(toAnUnknownIns.body()).isEqualTo(404);
		assertThat(parse(toAnUnknownIns, OperationOutcome.class).getIssueFirstRep().getDiagnostics())
				.isEqualTo("No resource matches Patient?identifier=" + INS_NIR + "|" + unknownNir);
		assertThat(toAClosedIns.statusCode()).as(toAClosedIns.body()).isEqualTo(404);
		assertThat(toAClosedIns.body().replace(closedNir, "NIR")).isEqualTo(toAnUnknownIns.body().replace(unknownNir, "NIR"));
		assertThat(intoClosed.statusCode()).as(intoClosed.body()).isEqualTo(intoNone.statusCode()).isEqualTo(400);
		assertThat(intoClosed.body().replace(closed, "X")).isEqualTo(intoNone.body().replace("Patient/987650004", "X"));
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	@Test
	void simplifiedPublishMovesInlineBytesIntoABinary() {
		byte[] bytes = pdfLike("publication simplifiée");
		DocumentReference document = Fixtures.documentReference(space.id(Item.PATIENT), bytes);
		document.getContentFirstRep().getAttachment().setContentType(PDF);

		HttpResponse<String> created = post(token(), "/DocumentReference", document);

		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		DocumentReference stored = parse(get(token(), "/" + locationOf(created)), DocumentReference.class);
		assertThat(stored.getContentFirstRep().getAttachment().hasData()).isFalse();
		String url = stored.getContentFirstRep().getAttachment().getUrl();
		assertThat(parse(get(token(), "/" + url), Binary.class).getData()).isEqualTo(bytes);
	}

	@Test
	void aDocumentCannotClaimTheBytesOfAnother() {
		DocumentReference first = Fixtures.documentReference(space.id(Item.PATIENT));
		String firstId = locationOf(post(token(), "/DocumentReference", first));
		String bytes = parse(get(token(), "/" + firstId), DocumentReference.class).getContentFirstRep().getAttachment().getUrl();
		DocumentReference thief = Fixtures.documentReference(space.id(Item.PATIENT));
		thief.getContentFirstRep().getAttachment().setData(null).setUrl(bytes);

		HttpResponse<String> refused = post(token(), "/DocumentReference", thief);

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(expressionsOf(refused)).contains("DocumentReference.content[0].attachment.url");
	}

	@Test
	void onlyAnAuthorChangesAStatusButThePatientMasks() {
		DocumentReference document = Fixtures.documentReference(space.id(Item.PATIENT));
		String id = locationOf(post(token(), "/DocumentReference", document));
		String claire = space.patientToken();

		HttpResponse<String> retired = patch(claire, "/" + id, "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"entered-in-error\"}]");
		assertThat(retired.statusCode()).as(retired.body()).isEqualTo(403);
		HttpResponse<String> masked = patch(claire, "/" + id, "[{\"op\":\"add\",\"path\":\"/securityLabel/-\",\"value\":{\"coding\":[{\"system\":\""
				+ TestSpace.LABELS + "\",\"code\":\"MASQUE_PS\"}]}}]");
		assertThat(masked.statusCode()).as(masked.body()).isEqualTo(200);
		assertThat(get(space.professionalToken(space.gp), "/" + id).statusCode()).as("masked from professionals").isEqualTo(404);
	}

	@Test
	void findingDocumentsNeedsThePatientAndTheStatus() {
		String gp = space.professionalToken(space.gp);
		String patient = space.id(Item.PATIENT);

		HttpResponse<String> noStatus = get(gp, "/DocumentReference?patient=" + patient);
		assertThat(noStatus.statusCode()).isEqualTo(400);
		assertThat(expressionsOf(noStatus)).contains("status");
		HttpResponse<String> noPatient = get(gp, "/DocumentReference?status=current");
		assertThat(noPatient.statusCode()).isEqualTo(400);
		HttpResponse<String> both = get(gp, "/DocumentReference?patient=" + patient + "&status=current");
		assertThat(both.statusCode()).isEqualTo(200);
		assertThat(parse(both, Bundle.class).getEntry()).isNotEmpty();
	}

	@Test
	void aReplacementSupersedesTheDocumentItReplaces() {
		String patient = space.id(Item.PATIENT);
		String first = locationOf(post(token(), "/DocumentReference", Fixtures.documentReference(patient)));
		DocumentReference second = Fixtures.documentReference(patient);
		second.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(first));
		HttpResponse<String> replaced = post(token(), "/DocumentReference", second);
		assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(201);
		String secondId = locationOf(replaced);
		DocumentReference third = Fixtures.documentReference(patient);
		third.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(secondId));
		assertThat(post(token(), "/DocumentReference", third).statusCode()).isEqualTo(201);

		assertThat(parse(get(token(), "/" + first), DocumentReference.class).getStatus()).isEqualTo(DocumentReferenceStatus.SUPERSEDED);
		assertThat(parse(get(token(), "/" + secondId), DocumentReference.class).getStatus()).isEqualTo(DocumentReferenceStatus.SUPERSEDED);

		long before = storedResourceVersions();
		DocumentReference replacingASupersededOne = Fixtures.documentReference(patient);
		replacingASupersededOne.addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(first));
		HttpResponse<String> refused = post(token(), "/DocumentReference", replacingASupersededOne);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(expressionsOf(refused)).contains("DocumentReference.relatesTo[0].target");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}

	/**
	 * ITI-65 names the patient by INS, a conditional reference HAPI resolves after Carnet checks the
	 * replacement: a push that replaces a document of the same patient is accepted, one whose INS names
	 * another patient is refused and stores nothing.
	 */
	@Test
	void aProvideBundleNamingThePatientByInsReplacesThatPatientsDocument() {
		String first = locationOf(post(token(), "/DocumentReference", Fixtures.documentReference(space.id(Item.PATIENT))));
		Bundle replacing = provideBundleFor(space.nir);
		document(replacing).addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(first));

		HttpResponse<String> accepted = post(token(), "", replacing);

		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
		assertThat(parse(get(token(), "/" + first), DocumentReference.class).getStatus()).isEqualTo(DocumentReferenceStatus.SUPERSEDED);

		String another = locationOf(post(token(), "/DocumentReference", Fixtures.documentReference(space.id(Item.PATIENT))));
		String otherNir = Fixtures.randomNir();
		patientInOurCare(Fixtures.insPatient(otherNir, "Durand", "Alice"));
		Bundle acrossPatients = provideBundleFor(otherNir);
		document(acrossPatients).addRelatesTo().setCode(DocumentReference.DocumentRelationshipType.REPLACES).setTarget(new Reference(another));
		long before = storedResourceVersions();

		HttpResponse<String> refused = post(token(), "", acrossPatients);

		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
		assertThat(refused.body()).contains("a document replaces only a document of the same patient");
		assertThat(storedResourceVersions()).isEqualTo(before);
		assertThat(parse(get(token(), "/" + another), DocumentReference.class).getStatus()).isEqualTo(DocumentReferenceStatus.CURRENT);
	}

	@Test
	void metadataPatchChangesOnlyStatusSecurityLabelAndTheArchivedFlag() {
		DocumentReference document = Fixtures.documentReference(space.id(Item.PATIENT));
		post(token(), "/DocumentReference", document);
		Identifier business = document.getIdentifierFirstRep();
		String byIdentifier = "/DocumentReference?identifier=" + business.getSystem() + "%7C" + business.getValue();

		HttpResponse<String> archived = patch(token(), byIdentifier, "[{\"op\":\"add\",\"path\":\"/extension\",\"value\":[{\"url\":"
				+ "\"https://carnet.example/ig/StructureDefinition/document-archived\",\"valueBoolean\":true}]},"
				+ "{\"op\":\"add\",\"path\":\"/securityLabel/-\",\"value\":{\"coding\":[{\"system\":\"" + TestSpace.LABELS
				+ "\",\"code\":\"MASQUE_PS\"}]}}]");
		assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
		DocumentReference patched = parse(archived, DocumentReference.class);
		assertThat(patched.getExtensionByUrl("https://carnet.example/ig/StructureDefinition/document-archived")).isNotNull();

		HttpResponse<String> retitled = patch(token(), byIdentifier,
				"[{\"op\":\"add\",\"path\":\"/description\",\"value\":\"Autre chose\"}]");
		assertThat(retitled.statusCode()).as(retitled.body()).isEqualTo(405);
		assertThat(parse(retitled, OperationOutcome.class).getIssueFirstRep().getDiagnostics()).contains("status, securityLabel");
	}

	@Test
	void onlyAnAuthorDeletesADocument() {
		String patient = space.id(Item.PATIENT);
		String id = locationOf(post(token(), "/DocumentReference", Fixtures.documentReference(patient)));
		// Another hospital of her care team may write in her space, but did not write this document.
		String otherHospital = TestBackendClient.registerRsa(clients, baseUrl(), java.util.List.of(ALL_SYSTEM_SCOPES),
				"1750000099", TestBackendClient.PUBLIC_HOSPITAL_SECTOR).accessToken(ALL_SYSTEM_SCOPES);
		assertThat(post(otherHospital, "/CareTeam", Fixtures.careTeam(patient, "1750000099")).statusCode()).isEqualTo(201);

		HttpResponse<String> byAnotherHospital = delete(otherHospital, "/" + id);
		assertThat(byAnotherHospital.statusCode()).as(byAnotherHospital.body()).isEqualTo(403);
		assertThat(expressionsOf(byAnotherHospital)).contains("DocumentReference.author");
		assertThat(delete(space.patientToken(), "/" + id).statusCode()).as("nor the patient").isEqualTo(403);
		assertThat(get(token(), "/" + id).statusCode()).isEqualTo(200);

		HttpResponse<String> byTheAuthor = delete(token(), "/" + id);
		assertThat(byTheAuthor.statusCode()).as(byTheAuthor.body()).isEqualTo(200);
		assertThat(get(token(), "/" + id).statusCode()).as("gone, to whoever could see it (UniformNotFound)").isEqualTo(410);
		assertThat(get(token(), "/" + id + "/_history/1").statusCode())
				.as("the delete is logical: the version stays in the history").isEqualTo(200);
	}

	@Test
	void theSameUniqueIdIsNotStoredTwice() {
		String patient = space.id(Item.PATIENT);
		DocumentReference first = Fixtures.documentReference(patient);
		assertThat(post(token(), "/DocumentReference", first).statusCode()).isEqualTo(201);
		DocumentReference again = Fixtures.documentReference(patient);
		again.setMasterIdentifier(first.getMasterIdentifier().copy());

		HttpResponse<String> duplicate = post(token(), "/DocumentReference", again);

		assertThat(duplicate.statusCode()).as(duplicate.body()).isEqualTo(409);
		assertThat(expressionsOf(duplicate)).contains("DocumentReference.masterIdentifier");
		Long stored = jdbc.queryForObject("SELECT COUNT(*) FROM hfj_spidx_token t JOIN hfj_resource r ON r.res_id = t.res_id "
				+ "WHERE r.res_type = 'DocumentReference' AND t.sp_name = 'identifier' AND t.sp_value = ? AND r.res_deleted_at IS NULL",
				Long.class, first.getMasterIdentifier().getValue());
		assertThat(stored).isEqualTo(1);
	}

	@Test
	void aPatientUploadsHerOwnDocumentMarkedAsHers() {
		String patient = space.id(Item.PATIENT);
		String claire = space.patientToken();
		DocumentReference upload = patientDocument(patient, "image/png", "DOCPAT03", new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});

		HttpResponse<String> created = post(claire, "/DocumentReference", upload);

		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		DocumentReference stored = parse(get(claire, "/" + locationOf(created)), DocumentReference.class);
		assertThat(stored.getAuthor()).extracting(Reference::getReference).containsExactly(patient);

		HttpResponse<String> wrongType = post(claire, "/DocumentReference",
				patientDocument(patient, "image/png", "11502-2", new byte[] {1, 2, 3}));
		assertThat(wrongType.statusCode()).isEqualTo(422);
		assertThat(expressionsOf(wrongType)).contains("DocumentReference.type");
		HttpResponse<String> wrongFormat = post(claire, "/DocumentReference",
				patientDocument(patient, "application/zip", "DOCPAT03", new byte[] {1, 2, 3}));
		assertThat(wrongFormat.statusCode()).isEqualTo(422);
		assertThat(expressionsOf(wrongFormat)).contains("DocumentReference.content[0].attachment.contentType");
		byte[] tooLarge = new byte[TEST_PATIENT_UPLOAD_MAX + 1];
		Arrays.fill(tooLarge, (byte) 'a');
		HttpResponse<String> tooBig = post(claire, "/DocumentReference", patientDocument(patient, "text/plain", "DOCPAT03", tooLarge));
		assertThat(tooBig.statusCode()).isEqualTo(422);
		assertThat(expressionsOf(tooBig)).contains("DocumentReference.content[0].attachment.size");
	}

	@Test
	void aMaskedDocumentIsInvisibleToAPharmacistButVisibleToItsAuthor() {
		String patient = space.id(Item.PATIENT);
		String masked = space.id(Item.MASKED_CONSULTATION);
		String search = "/DocumentReference?patient=" + patient + "&status=current";

		assertThat(idsIn(get(space.professionalToken(space.pharmacist), search))).doesNotContain(masked);
		assertThat(get(space.professionalToken(space.pharmacist), "/" + masked).statusCode()).isEqualTo(404);
		assertThat(idsIn(get(space.professionalToken(space.psychiatrist), search))).contains(masked);
		assertThat(get(space.professionalToken(space.psychiatrist), "/" + masked).statusCode()).isEqualTo(200);
	}

	// --- the pieces ---

	/** An ITI-65 provide bundle for the space's patient, named by INS: SubmissionSet, document, Binary. */
	private Bundle provideBundle(byte[] bytes) {
		String subject = patientByIns();
		String documentUuid = "urn:uuid:" + UUID.randomUUID();
		String binaryUuid = "urn:uuid:" + UUID.randomUUID();
		DocumentReference document = Fixtures.documentReference(subject, bytes);
		document.setType(new CodeableConcept(new Coding("http://loinc.org", "11502-2", "CR d'examens biologiques")));
		document.getContentFirstRep().setAttachment(Fixtures.attachment(PDF, bytes, "Bilan").setData(null).setUrl(binaryUuid));
		ListResource submissionSet = new ListResource();
		submissionSet.addIdentifier().setUse(Identifier.IdentifierUse.USUAL).setSystem("urn:ietf:rfc:3986").setValue(Fixtures.uniqueId());
		submissionSet.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
		submissionSet.setCode(new CodeableConcept(new Coding("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "submissionset", null)));
		submissionSet.setSubject(new Reference(subject)).setDate(new java.util.Date());
		submissionSet.addEntry().setItem(new Reference(documentUuid));
		submissionSet.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-submission-set");
		Binary binary = new Binary();
		binary.setContentType(PDF);
		binary.setData(bytes);

		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-provide-bundle");
		bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(submissionSet)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("List");
		bundle.addEntry().setFullUrl(documentUuid).setResource(document)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		bundle.addEntry().setFullUrl(binaryUuid).setResource(binary)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Binary");
		return bundle;
	}

	/** A provide bundle for whoever holds this INS (NIR). */
	private Bundle provideBundleFor(String nir) {
		Bundle bundle = provideBundle(pdfLike("pour " + nir));
		String subject = "Patient?identifier=" + INS_NIR + "|" + nir;
		document(bundle).setSubject(new Reference(subject));
		((ListResource) bundle.getEntryFirstRep().getResource()).setSubject(new Reference(subject));
		return bundle;
	}

	private String patientByIns() {
		return "Patient?identifier=" + INS_NIR + "|" + space.nir;
	}

	private static DocumentReference document(Bundle provideBundle) {
		return (DocumentReference) provideBundle.getEntry().get(1).getResource();
	}

	private static DocumentReference patientDocument(String patient, String contentType, String type, byte[] bytes) {
		DocumentReference document = Fixtures.documentReference(patient, bytes);
		document.setType(new CodeableConcept(new Coding("urn:oid:1.2.250.1.213.1.1.4.12", type, null)));
		document.getContentFirstRep().getAttachment().setContentType(contentType);
		document.getAuthor().clear();
		document.addAuthor(new Reference().setDisplay("Someone the app made up"));
		return document;
	}

	private static byte[] pdfLike(String text) {
		return ("%PDF-1.4\n% " + text + "\n%%EOF\n").getBytes(StandardCharsets.UTF_8);
	}

	private HttpResponse<String> post(String token, String path, IBaseResource resource) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(resource))).build());
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path.replace("|", "%7C"))).header("Authorization", "Bearer " + token)
				.header("Accept", "application/fhir+json").build());
	}

	private HttpResponse<String> delete(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).DELETE().build());
	}

	private HttpResponse<String> patch(String token, String path, String jsonPatch) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/json-patch+json").header("Prefer", "return=representation")
				.method("PATCH", HttpRequest.BodyPublishers.ofString(jsonPatch)).build());
	}

	private static String locationOf(HttpResponse<String> created) {
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return new IdType(created.headers().firstValue("Location").orElseThrow()).toUnqualifiedVersionless().getValue()
				.replaceFirst("^.*/fhir/", "");
	}

	private static java.util.List<String> idsIn(HttpResponse<String> searched) {
		assertThat(searched.statusCode()).as(searched.body()).isEqualTo(200);
		return parse(searched, Bundle.class).getEntry().stream()
				.map(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue()).toList();
	}

	private static java.util.List<String> expressionsOf(HttpResponse<String> refused) {
		return parse(refused, OperationOutcome.class).getIssue().stream()
				.flatMap(issue -> issue.getExpression().stream().map(org.hl7.fhir.r4.model.StringType::getValue)).toList();
	}

	private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
		return FHIR.newJsonParser().parseResource(type, response.body());
	}
}
