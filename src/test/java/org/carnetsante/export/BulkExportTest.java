package org.carnetsante.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Bulk Data export end to end over HTTP with real Backend Services tokens: a hospital of its own
 * (an organization no other test uses) is given the care of two spaces holding documents it may and
 * may not see; what comes out is compared with what the same hospital finds with ordinary searches
 * (the same policy through the REST path), and with what it must never get.
 */
class BulkExportTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String EXPORT_SCOPES = "system/*.rs";

	@Autowired
	UserAccounts accounts;

	@Autowired
	ca.uhn.fhir.jpa.api.dao.DaoRegistry daos;

	/** Built once for the class: the spaces, and the hospital that exports them. */
	private static TestSpace space;
	private static String organization;
	private static TestBackendClient exporter;
	/** A fresh token for each test (tokens last 5 minutes). */
	private String exporterToken;
	private static final String EXPORTER_SCOPES = EXPORT_SCOPES + " system/Group.cruds system/CareTeam.c";

	@BeforeEach
	void aHospitalCaringForTwoSpaces() {
		if (space != null) {
			exporterToken = exporter.accessToken(EXPORTER_SCOPES);
			return;
		}
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		organization = String.valueOf(1_000_000_000L + (long) (Math.random() * 8_000_000_000L));
		exporter = TestBackendClient.registerRsa(clients, baseUrl(), List.of(EXPORTER_SCOPES.split(" ")),
				organization, TestBackendClient.PUBLIC_HOSPITAL_SECTOR);
		exporterToken = exporter.accessToken(EXPORTER_SCOPES);
		// The hospital declares its own care of the two spaces.
		for (Item item : List.of(Item.PATIENT, Item.MINOR)) {
			declareCare(space.id(item));
		}
	}

	private void declareCare(String patient) {
		HttpResponse<String> declared = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/CareTeam"))
				.header("Authorization", "Bearer " + exporterToken).header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(
						Fixtures.careTeam(patient, organization)))).build());
		assertThat(declared.statusCode()).as(declared.body()).isEqualTo(201);
	}

	@Test
	void exportsExactlyWhatTheHospitalMaySeeAndLogsItInEachSpace() throws Exception {
		// A space the exporting hospital does not care for, with a document.
		String outsider = patientInOurCare();
		fhirClient().create().resource(Fixtures.documentReference("Patient/" + outsider)).execute();

		JsonNode manifest = completed(kickOff("/Patient/$export?_type=Patient,DocumentReference,Observation,CareTeam"));
		Map<String, List<JsonNode>> exported = download(manifest, exporterToken);

		assertThat(manifest.get("requiresAccessToken").asBoolean()).isTrue();
		assertThat(manifest.get("request").asText()).contains("/Patient/$export");
		assertThat(Instant.parse(manifest.get("transactionTime").asText())).isBefore(Instant.now().plusSeconds(1));
		for (JsonNode output : manifest.get("output")) {
			assertThat(output.get("count").asInt()).isEqualTo(exported.get(output.get("url").asText()).size());
		}
		Map<String, Set<String>> byType = idsByType(exported);
		List<String> every = exported.values().stream().flatMap(List::stream)
				.map(resource -> resource.get("resourceType").asText() + "/" + resource.get("id").asText()).toList();
		assertThat(every).as("each resource once").doesNotHaveDuplicates();
		assertThat(byType.keySet()).containsOnly("Patient", "DocumentReference", "Observation", "CareTeam");
		assertThat(byType.get("Patient")).containsExactlyInAnyOrder(space.id(Item.PATIENT), space.id(Item.MINOR));
		assertThat(byType.get("DocumentReference")).contains(space.id(Item.CONSULTATION), space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT))
				.doesNotContain(space.id(Item.MASKED_CONSULTATION));
		// Exactly what the same hospital finds by searching each space, type by type.
		for (String type : List.of("Patient", "DocumentReference", "Observation", "CareTeam")) {
			Set<String> searched = new HashSet<>();
			for (Item patient : List.of(Item.PATIENT, Item.MINOR)) {
				searched.addAll(searchIds(type, space.id(patient)));
			}
			assertThat(byType.getOrDefault(type, Set.of())).as(type).isEqualTo(searched);
		}
		assertThat(byType.values().stream().flatMap(Set::stream)).noneMatch(id -> id.contains(outsider));

		// One entry in each exported space's access log, none in the outsider's.
		String jobId = manifest.get("output").get(0).get("url").asText().split("/files/")[1].split("/")[0];
		for (Item patient : List.of(Item.PATIENT, Item.MINOR)) {
			List<String> entries = jdbc.queryForList("SELECT record FROM carnet_audit_event WHERE patient_id = ? AND record LIKE ?",
					String.class, space.id(patient).split("/")[1], "%" + jobId + "%");
			assertThat(entries).hasSize(1);
			assertThat(entries.get(0)).contains("DocumentReference").contains(organization);
		}
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_audit_event WHERE patient_id = ? AND record LIKE ?",
				Integer.class, outsider, "%" + jobId + "%")).isZero();
	}

	@Test
	void typeFiltersAndElementsNarrowWhatComesOut() throws Exception {
		String biology = URLEncoder.encode("DocumentReference?type=http://loinc.org|11502-2", StandardCharsets.UTF_8);
		JsonNode manifest = completed(kickOff("/$export?_type=DocumentReference,Patient&_typeFilter=" + biology
				+ "&_elements=identifier"));
		Map<String, List<JsonNode>> exported = download(manifest, exporterToken);
		List<JsonNode> resources = exported.values().stream().flatMap(List::stream).toList();
		assertThat(idsByType(exported).get("DocumentReference"))
				.contains(space.id(Item.BIOLOGY), space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT))
				.doesNotContain(space.id(Item.CONSULTATION));
		for (JsonNode resource : resources) {
			assertThat(resource.has("subject") || resource.has("name")).as(resource.toString()).isFalse();
			assertThat(resource.get("meta").get("tag").toString()).contains("SUBSETTED");
		}
	}

	@Test
	void aGroupExportLeavesOutWhomTheHospitalCannotReachAndCountsThem() throws Exception {
		String outsider = patientInOurCare();
		Group group = new Group();
		group.setType(Group.GroupType.PERSON).setActual(true);
		group.addMember().setEntity(new Reference(space.id(Item.PATIENT)));
		String unknownNir = Fixtures.randomNir();
		group.addMember().setEntity(new Reference().setIdentifier(new Identifier().setSystem(Fixtures.INS_DEMO_SYSTEM)
				.setValue(unknownNir)));
		group.addMember().setEntity(new Reference("Patient/" + outsider));
		String groupId = create(group);

		JsonNode manifest = completed(kickOff("/Group/" + groupId + "/$export?_type=Patient"));
		Map<String, List<JsonNode>> exported = download(manifest, exporterToken);
		assertThat(idsByType(exported).get("Patient")).containsExactly(space.id(Item.PATIENT));
		assertThat(manifest.get("error")).hasSize(1);
		assertThat(manifest.get("error").get(0).get("count").asInt()).isEqualTo(2);
		// Named as the Group names them: nothing tells whether an identifier matched a space.
		String errors = send(HttpRequest.newBuilder(URI.create(manifest.get("error").get(0).get("url").asText()))
				.header("Authorization", "Bearer " + exporterToken).build()).body();
		assertThat(errors).contains(unknownNir + ": not accessible").contains("Patient/" + outsider + ": not accessible");

		// Another hospital's Group is not known to this one, as a Group that does not exist.
		HttpResponse<String> theirs = send(exportRequest("/Group/" + groupId + "/$export", token()).build());
		HttpResponse<String> none = send(exportRequest("/Group/no-such-group/$export", token()).build());
		assertThat(theirs.statusCode()).isEqualTo(404).isEqualTo(none.statusCode());
		assertThat(theirs.body().replace(groupId, "X")).isEqualTo(none.body().replace("no-such-group", "X"));
	}

	@Test
	void aSinceExportHoldsWhatChangedAndWhatWasDeletedOrBecameInvisible() throws Exception {
		String maskedSince = document();
		Thread.sleep(1100);
		Instant since = Instant.now();
		Thread.sleep(1100);
		String kept = document();
		String removed = document();
		fhirClient().delete().resourceById(new org.hl7.fhir.r4.model.IdType(removed)).execute();
		// The patient masks from professionals a document the hospital could see, and one created since.
		String neverSeen = document();
		for (String masked : List.of(maskedSince, neverSeen)) {
			HttpResponse<String> patched = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + masked))
					.header("Authorization", "Bearer " + space.patientToken()).header("Content-Type", "application/json-patch+json")
					.method("PATCH", HttpRequest.BodyPublishers.ofString("[{\"op\":\"add\",\"path\":\"/securityLabel/-\","
							+ "\"value\":{\"coding\":[{\"system\":\"" + TestSpace.LABELS + "\",\"code\":\"MASQUE_PS\"}]}}]"))
					.build());
			assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
		}

		JsonNode manifest = completed(kickOff("/$export?_type=DocumentReference&_since=" + since));
		assertThat(idsByType(download(manifest, exporterToken)).get("DocumentReference")).containsExactly(kept);
		assertThat(manifest.get("deleted")).hasSize(1);
		HttpResponse<String> deletions = send(HttpRequest.newBuilder(URI.create(manifest.get("deleted").get(0).get("url").asText()))
				.header("Authorization", "Bearer " + exporterToken).build());
		List<String> deleted = new ArrayList<>();
		for (String line : deletions.body().strip().split("\n")) {
			JsonNode deletion = JSON.readTree(line);
			assertThat(deletion.get("resourceType").asText()).isEqualTo("Bundle");
			assertThat(deletion.get("entry").get(0).get("request").get("method").asText()).isEqualTo("DELETE");
			deleted.add(deletion.get("entry").get(0).get("request").get("url").asText());
		}
		// What it saw and may no longer see is named; what it never saw is not.
		assertThat(deleted).containsExactlyInAnyOrder(removed, maskedSince);
		assertThat(manifest.get("deleted").get(0).get("count").asInt()).isEqualTo(2);
	}

	private String document() {
		return fhirClient().create().resource(Fixtures.documentReference(space.id(Item.PATIENT))).execute()
				.getId().toUnqualifiedVersionless().getValue();
	}

	@Test
	void anExportWhoseNodeDiedIsTakenOverAndStartedAgainFromNothing() throws Exception {
		HttpResponse<String> first = kickOff("/Patient/$export?_type=Patient");
		String firstId = statusId(first);
		completed(first);
		// A node died while running a copy of that export: its heartbeat is 40 s old and it left a chunk.
		String orphan = java.util.UUID.randomUUID().toString();
		jdbc.update("INSERT INTO carnet_export_job (id, client_id, subject, caller, request, request_url, state, created_at,"
				+ " node, heartbeat_at, attempts) SELECT ?, client_id, subject, caller, request, request_url, 'RUNNING', created_at,"
				+ " 'dead-node', ?, 1 FROM carnet_export_job WHERE id = ?", orphan,
				java.sql.Timestamp.from(Instant.now().minusSeconds(40)), firstId);
		jdbc.update("INSERT INTO carnet_export_chunk (job_id, file_no, chunk_no, content) VALUES (?, 1, 0, ?)", orphan,
				"{\"resourceType\":\"Patient\",\"id\":\"left-by-the-dead-node\"}\n".getBytes(StandardCharsets.UTF_8));

		String status = first.headers().firstValue("Content-Location").orElseThrow().replace(firstId, orphan);
		JsonNode manifest = completedAt(status, exporterToken);
		Map<String, Set<String>> byType = idsByType(download(manifest, exporterToken));
		assertThat(byType.get("Patient")).containsExactlyInAnyOrder(space.id(Item.PATIENT), space.id(Item.MINOR));
		assertThat(jdbc.queryForObject("SELECT attempts FROM carnet_export_job WHERE id = ?", Integer.class, orphan)).isEqualTo(2);
	}

	@Test
	void aClientWithTooManyExportsRunningIsToldToComeBackLater() throws Exception {
		HttpResponse<String> first = kickOff("/$export?_type=Patient");
		completed(first);
		// Two exports of this client running on another node, alive.
		List<String> running = List.of(java.util.UUID.randomUUID().toString(), java.util.UUID.randomUUID().toString());
		for (String id : running) {
			jdbc.update("INSERT INTO carnet_export_job (id, client_id, subject, caller, request, request_url, state, created_at,"
					+ " node, heartbeat_at, attempts) SELECT ?, client_id, subject, caller, request, request_url, 'RUNNING', created_at,"
					+ " 'another-node', ?, 1 FROM carnet_export_job WHERE id = ?", id,
					java.sql.Timestamp.from(Instant.now().plusSeconds(60)), statusId(first));
		}
		try {
			HttpResponse<String> refused = send(exportRequest("/$export?_type=Patient", exporterToken).build());
			assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
			assertThat(refused.headers().firstValue("Retry-After")).isPresent();
			assertThat(refused.body()).contains("OperationOutcome");
		} finally {
			running.forEach(id -> jdbc.update("DELETE FROM carnet_export_job WHERE id = ?", id));
		}
		assertThat(send(exportRequest("/$export?_type=Patient", exporterToken).build()).statusCode()).isEqualTo(202);
	}

	@Test
	void theCapabilityStatementDeclaresBulkDataAndItsThreeExports() throws Exception {
		HttpResponse<String> metadata = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/metadata"))
				.header("Accept", "application/fhir+json").build());
		JsonNode statement = JSON.readTree(metadata.body());
		assertThat(statement.get("instantiates").toString()).contains("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
		JsonNode rest = statement.get("rest").get(0);
		assertThat(exportDefinition(rest)).isNotBlank();
		Map<String, String> byType = new HashMap<>();
		rest.get("resource").forEach(resource -> byType.put(resource.get("type").asText(), exportDefinition(resource)));
		assertThat(byType.get("Patient")).isNotBlank();
		assertThat(byType.get("Group")).isNotBlank();
		// Each definition is served here (the OpenAPI description reads them).
		for (String definition : List.of(exportDefinition(rest), byType.get("Patient"), byType.get("Group"))) {
			String id = definition.substring(definition.indexOf("OperationDefinition/"));
			HttpResponse<String> served = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + id))
					.header("Authorization", "Bearer " + exporterToken).header("Accept", "application/fhir+json").build());
			assertThat(served.statusCode()).as(id + " " + served.body()).isEqualTo(200);
			assertThat(served.body()).contains("\"code\":\"export\"");
		}
	}

	private static String exportDefinition(JsonNode withOperations) {
		for (JsonNode operation : withOperations.path("operation")) {
			if (operation.get("name").asText().equals("export")) {
				return operation.get("definition").asText();
			}
		}
		return null;
	}

	@Test
	void badKickOffsAreRefusedWithTheReason() {
		Map<String, Integer> refusals = new HashMap<>();
		refusals.put("/$export?_type=NoSuchType", 400);
		refusals.put("/$export?_type=Consent", 400);
		refusals.put("/$export?_type=Binary", 400);
		refusals.put("/$export?_type=Communication", 400);
		refusals.put("/$export?_since=2999-01-01T00:00:00Z", 400);
		refusals.put("/$export?_since=yesterday", 400);
		refusals.put("/$export?_outputFormat=text/csv", 400);
		refusals.put("/$export?includeAssociatedData=LatestProvenanceResources", 400);
		refusals.put("/$export?_typo=1", 400);
		refusals.put("/$export?_type=Patient&_typeFilter=Observation%3Fcode%3D1", 400);
		refusals.put("/$export?_type=DocumentReference&_typeFilter=DocumentReference%3F_sort%3Ddate", 400);
		refusals.put("/$export?_type=DocumentReference&_typeFilter=DocumentReference%3Fno-such-param%3D1", 400);
		refusals.put("/$export?_elements=Not%20an%20element", 400);
		refusals.put("/$export?patient=Patient/1", 400);
		for (Map.Entry<String, Integer> refusal : refusals.entrySet()) {
			HttpResponse<String> answer = send(exportRequest(refusal.getKey(), exporterToken).build());
			assertThat(answer.statusCode()).as(refusal.getKey() + " " + answer.body()).isEqualTo(refusal.getValue());
			assertThat(answer.body()).as(refusal.getKey()).contains("OperationOutcome");
		}
		HttpResponse<String> synchronous = send(request("/$export").header("Authorization", "Bearer " + exporterToken).build());
		assertThat(synchronous.statusCode()).isEqualTo(400);
		assertThat(synchronous.body()).contains("respond-async");
	}

	@Test
	void onlyCareOrganizationsSystemsMayExport() {
		TestBackendClient insurer = TestBackendClient.registerRsa(clients, baseUrl(), List.of(EXPORT_SCOPES), "2750000000", "SA24");
		assertThat(send(exportRequest("/$export", insurer.accessToken(EXPORT_SCOPES)).build()).statusCode()).isEqualTo(403);
		assertThat(send(exportRequest("/Patient/$export", space.patientToken()).build()).statusCode()).isEqualTo(403);
		TestBackendClient documentsOnly = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/DocumentReference.rs"),
				organization, TestBackendClient.PUBLIC_HOSPITAL_SECTOR);
		String narrow = documentsOnly.accessToken("system/DocumentReference.rs");
		assertThat(send(exportRequest("/$export?_type=Patient", narrow).build()).statusCode()).isEqualTo(403);
	}

	@Test
	void narrowerScopesBoundTheTypesExported() throws Exception {
		TestBackendClient documentsOnly = TestBackendClient.registerRsa(clients, baseUrl(), List.of("system/DocumentReference.rs"),
				organization, TestBackendClient.PUBLIC_HOSPITAL_SECTOR);
		String narrow = documentsOnly.accessToken("system/DocumentReference.rs");
		HttpResponse<String> kickOff = send(exportRequest("/$export", narrow).build());
		assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
		JsonNode manifest = completed(kickOff, narrow);
		assertThat(idsByType(download(manifest, narrow)).keySet()).containsOnly("DocumentReference");
	}

	@Test
	void aConstrainedScopeExportsOnlyWhatItsSearchMatches() throws Exception {
		String biologyOnly = "system/DocumentReference.rs?type=http://loinc.org|11502-2";
		String unusable = "system/Observation.rs?no-such-parameter=1";
		TestBackendClient laboratory = TestBackendClient.registerRsa(clients, baseUrl(), List.of(biologyOnly, unusable),
				organization, TestBackendClient.PUBLIC_HOSPITAL_SECTOR);
		String token = laboratory.accessToken(biologyOnly + " " + unusable);

		JsonNode manifest = completed(send(exportRequest("/$export", token).build()), token);
		Map<String, Set<String>> byType = idsByType(download(manifest, token));
		assertThat(byType.keySet()).containsOnly("DocumentReference");
		assertThat(byType.get("DocumentReference")).contains(space.id(Item.BIOLOGY), space.id(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT))
				.doesNotContain(space.id(Item.CONSULTATION), space.id(Item.MINOR_CONSULTATION));

		// The client's own filter narrows further; it never widens what the scope grants.
		String consultations = URLEncoder.encode("DocumentReference?type=http://loinc.org|11488-4", StandardCharsets.UTF_8);
		JsonNode narrowed = completed(send(exportRequest("/$export?_typeFilter=" + consultations, token).build()), token);
		assertThat(narrowed.get("output")).isEmpty();
		// A constraint that is no search of its type grants nothing.
		assertThat(send(exportRequest("/$export?_type=Observation", token).build()).statusCode()).isEqualTo(403);
	}

	@Test
	void statusAndFilesAreTheKickingClientsAloneAndCancelRemovesThem() throws Exception {
		HttpResponse<String> kickOff = kickOff("/$export?_type=Patient");
		String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
		JsonNode manifest = completed(kickOff);
		String file = manifest.get("output").get(0).get("url").asText();
		for (String url : List.of(status, file)) {
			HttpResponse<String> other = send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token()).build());
			HttpResponse<String> unknown = send(HttpRequest.newBuilder(URI.create(url.replaceAll("[0-9a-f]{8}-", "00000000-")))
					.header("Authorization", "Bearer " + exporterToken).build());
			assertThat(other.statusCode()).isEqualTo(404).isEqualTo(unknown.statusCode());
			assertThat(other.body()).isEqualTo(unknown.body());
			assertThat(send(HttpRequest.newBuilder(URI.create(url)).build()).statusCode()).isEqualTo(401);
		}
		HttpResponse<String> fileAnswer = send(HttpRequest.newBuilder(URI.create(file)).header("Authorization", "Bearer " + exporterToken).build());
		assertThat(fileAnswer.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/fhir+ndjson");

		HttpResponse<String> cancel = send(HttpRequest.newBuilder(URI.create(status)).DELETE()
				.header("Authorization", "Bearer " + exporterToken).build());
		assertThat(cancel.statusCode()).isEqualTo(202);
		assertThat(send(HttpRequest.newBuilder(URI.create(status)).header("Authorization", "Bearer " + exporterToken).build())
				.statusCode()).isEqualTo(404);
		assertThat(send(HttpRequest.newBuilder(URI.create(file)).header("Authorization", "Bearer " + exporterToken).build())
				.statusCode()).isEqualTo(404);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_export_chunk WHERE job_id = ?", Integer.class,
				status.substring(status.lastIndexOf('/') + 1))).isZero();
	}

	@Test
	void aPostKickOffTakesParametersAndPatients() throws Exception {
		String parameters = "{\"resourceType\":\"Parameters\",\"parameter\":["
				+ "{\"name\":\"_type\",\"valueString\":\"Patient,DocumentReference\"},"
				+ "{\"name\":\"patient\",\"valueReference\":{\"reference\":\"" + space.id(Item.MINOR) + "\"}}]}";
		HttpResponse<String> kickOff = send(exportRequest("/Patient/$export", exporterToken)
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(parameters)).build());
		assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
		Map<String, Set<String>> byType = idsByType(download(completed(kickOff, exporterToken), exporterToken));
		assertThat(byType.get("Patient")).containsExactly(space.id(Item.MINOR));
		assertThat(byType.get("DocumentReference")).contains(space.id(Item.MINOR_CONSULTATION))
				.doesNotContain(space.id(Item.CONSULTATION));
	}

	@Test
	void resourcesHoldingLargeAttachmentsComeOutAsAReadShowsThem() throws Exception {
		byte[] large = new byte[5 * 1024 * 1024];
		byte[] small = new byte[300 * 1024];
		new java.util.Random(13).nextBytes(large);
		new java.util.Random(17).nextBytes(small);
		// A hospital of its own: the other tests' exports do not meet this patient.
		String otherOrganization = String.valueOf(1_000_000_000L + (long) (Math.random() * 8_000_000_000L));
		TestBackendClient otherHospital = TestBackendClient.registerRsa(clients, baseUrl(), List.of(EXPORTER_SCOPES.split(" ")),
				otherOrganization, TestBackendClient.PUBLIC_HOSPITAL_SECTOR);
		String otherToken = otherHospital.accessToken(EXPORTER_SCOPES);
		String id = patientInOurCare();
		HttpResponse<String> declared = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/CareTeam"))
				.header("Authorization", "Bearer " + otherToken).header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(
						Fixtures.careTeam("Patient/" + id, otherOrganization)))).build());
		assertThat(declared.statusCode()).as(declared.body()).isEqualTo(201);
		// Larger than the test server takes in one request: stored as an administrator's system write would.
		var patientDao = daos.getResourceDao(org.hl7.fhir.r4.model.Patient.class);
		var system = new ca.uhn.fhir.rest.api.server.SystemRequestDetails();
		org.hl7.fhir.r4.model.Patient withPhotos = patientDao.read(new org.hl7.fhir.r4.model.IdType("Patient", id), system);
		withPhotos.addPhoto().setContentType("image/jpeg").setData(large);
		withPhotos.addPhoto().setContentType("image/jpeg").setData(small);
		patientDao.update(withPhotos, system);

		HttpResponse<String> kickOff = send(exportRequest("/$export?_type=Patient", otherToken).build());
		assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
		List<JsonNode> patients = download(completed(kickOff, otherToken), otherToken).values().stream().flatMap(List::stream).toList();
		assertThat(patients).extracting(patient -> patient.get("id").asText()).containsExactly(id);
		JsonNode exported = patients.get(0);
		HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + id))
				.header("Authorization", "Bearer " + otherToken).header("Accept", "application/fhir+json").build());
		assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
		assertThat(exported.get("photo")).isEqualTo(JSON.readTree(read.body()).get("photo"));
		// Put back up to carnet.documents.inflated-up-to (1 MB), a reference to the stored bytes beyond.
		assertThat(java.util.Base64.getDecoder().decode(exported.get("photo").get(1).get("data").asText())).isEqualTo(small);
		assertThat(exported.get("photo").get(0).has("data")).isFalse();
	}

	@Test
	void pagesAreBoundedByTheStoredSizeOfResources() {
		List<ca.uhn.fhir.jpa.model.dao.JpaPid> keys = jdbc.query("SELECT res_id FROM hfj_resource WHERE res_type = 'Patient'"
				+ " AND fhir_id IN (?, ?) ORDER BY res_id", (row, number) -> ca.uhn.fhir.jpa.model.dao.JpaPid.fromId(row.getLong(1)),
				space.id(Item.PATIENT).split("/")[1], space.id(Item.MINOR).split("/")[1]);
		assertThat(keys).hasSize(2);
		// Sizes known (an unknown size would make a page of its own): two Patients share a 1 MB page…
		assertThat(new ExportPages(jdbc.getDataSource(), 500, 1024 * 1024).pagesOf(keys)).containsExactly(keys);
		// …not a 100-byte one, nor a page of one resource.
		assertThat(new ExportPages(jdbc.getDataSource(), 500, 100).pagesOf(keys)).containsExactly(keys.subList(0, 1), keys.subList(1, 2));
		assertThat(new ExportPages(jdbc.getDataSource(), 1, 1024 * 1024).pagesOf(keys)).hasSize(2);
	}

	private String create(Group group) {
		HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Group"))
				.header("Authorization", "Bearer " + exporterToken).header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(group))).build());
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return created.headers().firstValue("Location").orElseThrow().split("/Group/")[1].split("/")[0];
	}

	private Set<String> searchIds(String type, String patient) {
		String parameter = type.equals("Patient") ? "_id=" + patient.split("/")[1] : "patient=" + patient;
		if (type.equals("DocumentReference")) {
			parameter += "&status=current,superseded,entered-in-error"; // ITI-67 names the status
		}
		HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + type + "?" + parameter + "&_count=500"))
				.header("Authorization", "Bearer " + exporterToken).header("Accept", "application/fhir+json").build());
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
		Bundle bundle = FHIR.newJsonParser().parseResource(Bundle.class, answer.body());
		Set<String> ids = new HashSet<>();
		bundle.getEntry().stream().filter(entry -> entry.getSearch().getMode() == Bundle.SearchEntryMode.MATCH)
				.forEach(entry -> ids.add(entry.getResource().getIdElement().toUnqualifiedVersionless().getValue()));
		return ids;
	}

	private HttpRequest.Builder exportRequest(String path, String bearer) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + bearer)
				.header("Accept", "application/fhir+json").header("Prefer", "respond-async");
	}

	private static String statusId(HttpResponse<String> kickOff) {
		String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
		return status.substring(status.lastIndexOf('/') + 1);
	}

	private HttpResponse<String> kickOff(String path) {
		HttpResponse<String> answer = send(exportRequest(path, exporterToken).build());
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
		return answer;
	}

	private JsonNode completed(HttpResponse<String> kickOff) throws Exception {
		return completed(kickOff, exporterToken);
	}

	/** Polls the status URL as a client would, honouring Retry-After, until the manifest (at most 60 s). */
	private JsonNode completed(HttpResponse<String> kickOff, String bearer) throws Exception {
		return completedAt(kickOff.headers().firstValue("Content-Location").orElseThrow(), bearer);
	}

	private JsonNode completedAt(String status, String bearer) throws Exception {
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline)) {
			HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(status)).header("Authorization", "Bearer " + bearer).build());
			if (answer.statusCode() == 200) {
				assertThat(answer.headers().firstValue("Expires")).isPresent();
				return JSON.readTree(answer.body());
			}
			assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
			assertThat(answer.headers().firstValue("X-Progress")).isPresent();
			int retryAfter = Integer.parseInt(answer.headers().firstValue("Retry-After").orElseThrow());
			assertThat(retryAfter).isBetween(1, 5);
			Thread.sleep(Math.min(retryAfter * 1000L, 500));
		}
		throw new AssertionError("The export did not complete in 60 s");
	}

	/** Each output file's resources, by the file's URL. */
	private Map<String, List<JsonNode>> download(JsonNode manifest, String bearer) throws Exception {
		Map<String, List<JsonNode>> files = new HashMap<>();
		for (JsonNode output : manifest.get("output")) {
			String url = output.get("url").asText();
			HttpResponse<String> file = send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer).build());
			assertThat(file.statusCode()).isEqualTo(200);
			List<JsonNode> resources = new ArrayList<>();
			for (String line : file.body().split("\n")) {
				if (!line.isBlank()) {
					JsonNode resource = JSON.readTree(line);
					assertThat(resource.get("resourceType").asText()).isEqualTo(output.get("type").asText());
					resources.add(resource);
				}
			}
			files.put(url, resources);
		}
		return files;
	}

	private static Map<String, Set<String>> idsByType(Map<String, List<JsonNode>> exported) {
		Map<String, Set<String>> byType = new HashMap<>();
		exported.values().stream().flatMap(List::stream).forEach(resource -> byType
				.computeIfAbsent(resource.get("resourceType").asText(), type -> new HashSet<>())
				.add(resource.get("resourceType").asText() + "/" + resource.get("id").asText()));
		return byType;
	}

}
