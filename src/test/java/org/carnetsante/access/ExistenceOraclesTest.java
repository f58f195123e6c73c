package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.IdType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * No existence oracle (design.md §2, issue 11): for every caller, on every path that names a resource —
 * reads, instance history and operations, update, patch (by id and conditional), delete, transaction and
 * batch entries, references from a resource written, searches and their paging and totals — naming a
 * resource the caller may not see gets exactly the answer naming one that does not exist: same status,
 * same body once the two names are made alike, same paging shape.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExistenceOraclesTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String ABSENT_ID = "987650001";

	/** A caller and a document of the space it may not see. */
	record Caller(String name, String token, Item hidden, Item visible) {

		@Override
		public String toString() {
			return name;
		}
	}

	/**
	 * One way of naming a resource: the request made for a target id, and whether it lists what the caller
	 * may see (a search or a batch: a success that leaves the hidden resource out as the absent one is).
	 */
	record Probe(String name, Function<String, HttpRequest.Builder> request, boolean lists) {

		Probe(String name, Function<String, HttpRequest.Builder> request) {
			this(name, request, false);
		}
	}

	@Autowired
	UserAccounts accounts;

	@Autowired
	DaoRegistry daos;

	private TestSpace space;
	private List<Caller> callers;

	@BeforeAll
	void aSpaceWithDocumentsSomeCallersMayNotSee() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		callers = List.of(
				new Caller("hospital system", token(), Item.MASKED_CONSULTATION, Item.CONSULTATION),
				new Caller("GP of the care team", space.professionalToken(space.gp), Item.MASKED_CONSULTATION, Item.CONSULTATION),
				new Caller("pharmacist (profession matrix)", space.professionalToken(space.pharmacist), Item.BIOLOGY,
						Item.PRESCRIPTION),
				new Caller("patient (not yet shown to her)", space.patientToken(), Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT,
						Item.CONSULTATION),
				new Caller("patient (another space)", space.patientToken(), Item.MINOR_CONSULTATION, Item.CONSULTATION));
	}

	@TestFactory
	Stream<DynamicNode> namingAHiddenDocumentAnswersAsNamingAnAbsentOne() {
		return callers.stream().map(caller -> DynamicContainer.dynamicContainer(caller.name(), probes(caller).stream()
				.map(probe -> DynamicTest.dynamicTest(probe.name(), () -> {
					String hidden = space.id(caller.hidden()).split("/")[1];
					HttpResponse<String> toHidden = send(authorized(caller, probe.request().apply(hidden)));
					HttpResponse<String> toAbsent = send(authorized(caller, probe.request().apply(ABSENT_ID)));
					assertThat(toHidden.statusCode()).as("status; hidden: %s; absent: %s", toHidden.body(), toAbsent.body())
							.isEqualTo(toAbsent.statusCode());
					// A listing (search, batch) may answer 200 or refuse the caller: its content is compared below.
					if (!probe.lists()) {
						assertThat(toHidden.statusCode()).as("never a success that would show something").isGreaterThanOrEqualTo(400);
					}
					assertThat(alike(toHidden.body(), hidden)).isEqualTo(alike(toAbsent.body(), ABSENT_ID));
				}))));
	}

	private List<Probe> probes(Caller caller) {
		String patient = space.id(caller.hidden() == Item.MINOR_CONSULTATION ? Item.MINOR : Item.PATIENT);
		List<Probe> probes = new ArrayList<>(List.of(
				new Probe("read", id -> get("/DocumentReference/" + id)),
				new Probe("vread", id -> get("/DocumentReference/" + id + "/_history/1")),
				new Probe("instance history", id -> get("/DocumentReference/" + id + "/_history")),
				new Probe("$meta (not served)", id -> get("/DocumentReference/" + id + "/$meta")),
				new Probe("instance $validate (not served)", id -> post("/DocumentReference/" + id + "/$validate",
						"{\"resourceType\":\"Parameters\"}")),
				new Probe("$validate in delete mode (not served)", id -> post("/DocumentReference/$validate?mode=delete",
						"{\"resourceType\":\"DocumentReference\",\"id\":\"" + id + "\"}")),
				new Probe("delete", id -> request("/DocumentReference/" + id).DELETE()),
				new Probe("update", id -> request("/DocumentReference/" + id).header("Content-Type", "application/fhir+json")
						.PUT(HttpRequest.BodyPublishers.ofString(documentWithId(patient, id)))),
				new Probe("patch", id -> request("/DocumentReference/" + id).header("Content-Type", "application/json-patch+json")
						.method("PATCH", HttpRequest.BodyPublishers.ofString(
								"[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"entered-in-error\"}]"))),
				new Probe("conditional patch by identifier", id -> request("/DocumentReference?identifier="
						+ URLEncoder.encode(identifierOf(id), StandardCharsets.UTF_8))
						.header("Content-Type", "application/json-patch+json")
						.method("PATCH", HttpRequest.BodyPublishers.ofString(
								"[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"entered-in-error\"}]"))),
				new Probe("transaction delete entry", id -> post("", bundle("transaction",
						"{\"request\":{\"method\":\"DELETE\",\"url\":\"DocumentReference/" + id + "\"}}"))),
				new Probe("transaction update entry", id -> post("", bundle("transaction", "{\"resource\":"
						+ documentWithId(patient, id) + ",\"request\":{\"method\":\"PUT\",\"url\":\"DocumentReference/" + id + "\"}}"))),
				new Probe("reference from a resource written", id -> post("/Observation", observationDerivedFrom(patient, id))),
				new Probe("reference from a transaction entry", id -> post("", bundle("transaction", "{\"resource\":"
						+ observationDerivedFrom(patient, id) + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}"))),
				new Probe("search with a small page", id -> get("/DocumentReference?status=current&patient=" + patient
						+ "&_count=1&_id=" + space.id(caller.visible()).split("/")[1] + "," + id), true),
				new Probe("search count", id -> get("/DocumentReference?status=current&patient=" + patient
						+ "&_summary=count&_id=" + space.id(caller.visible()).split("/")[1] + "," + id), true),
				new Probe("search total over pages", id -> get("/DocumentReference?status=current&patient=" + patient
						+ "&_total=accurate&_count=1&_id=" + space.id(caller.visible()).split("/")[1] + "," + id), true)));
		probes.add(new Probe("batch entries", id -> post("", bundle("batch",
				"{\"request\":{\"method\":\"GET\",\"url\":\"DocumentReference/" + id + "\"}},"
						+ "{\"request\":{\"method\":\"DELETE\",\"url\":\"DocumentReference/" + id + "\"}}")), true));
		return probes;
	}

	@Test
	void aDeletedDocumentIsGoneToWhoCouldSeeItAndUnknownToAnyoneElse() {
		// Its sender (the hospital: professionals' software may not delete) masks it from professionals.
		String masked = sendMaskedDocument(token());
		assertThat(send(as(token(), "/" + masked).DELETE().build()).statusCode()).isEqualTo(200);
		String gp = space.professionalToken(space.gp);

		HttpResponse<String> toItsSender = send(as(token(), "/" + masked).GET().build());
		HttpResponse<String> toTheGp = send(as(gp, "/" + masked).GET().build());
		HttpResponse<String> absentToTheGp = send(as(gp, "/DocumentReference/" + ABSENT_ID).GET().build());

		assertThat(toItsSender.statusCode()).as(toItsSender.body()).isEqualTo(410);
		assertThat(toTheGp.statusCode()).as("the GP never saw it: %s", toTheGp.body()).isEqualTo(404);
		assertThat(alike(toTheGp.body(), masked.split("/")[1])).isEqualTo(alike(absentToTheGp.body(), ABSENT_ID));
		assertThat(send(as(token(), "/" + masked).DELETE().build()).statusCode()).as("deleting it again").isEqualTo(404);
	}

	@Test
	void aSpaceTheCallerMayNotReachIsUnknownToItsEverything() {
		String blocked = space.professionalToken(space.blockedGp);
		HttpResponse<String> hidden = send(as(blocked, "/" + space.id(Item.PATIENT) + "/$everything").GET().build());
		HttpResponse<String> absent = send(as(blocked, "/Patient/" + ABSENT_ID + "/$everything").GET().build());

		assertThat(hidden.statusCode()).isEqualTo(absent.statusCode()).isEqualTo(404);
		assertThat(alike(hidden.body(), space.id(Item.PATIENT).split("/")[1])).isEqualTo(alike(absent.body(), ABSENT_ID));
	}

	@Test
	void aUniqueIdUsedInAnotherSpaceIsNoConflict() {
		String other = patientInOurCare();
		DocumentReference first = Fixtures.documentReference(space.id(Item.PATIENT));
		DocumentReference second = Fixtures.documentReference("Patient/" + other);
		second.setMasterIdentifier(first.getMasterIdentifier().copy());
		DocumentReference again = Fixtures.documentReference("Patient/" + other);
		again.setMasterIdentifier(first.getMasterIdentifier().copy());

		assertThat(send(post("/DocumentReference", encode(first)).build()).statusCode()).isEqualTo(201);
		assertThat(send(post("/DocumentReference", encode(second)).build()).statusCode())
				.as("another space's uniqueId is not this space's").isEqualTo(201);
		HttpResponse<String> duplicate = send(post("/DocumentReference", encode(again)).build());
		assertThat(duplicate.statusCode()).as("twice in one space").isEqualTo(409);
		assertThat(duplicate.body()).doesNotContain("DocumentReference/");
	}

	@Test
	void conditionalFormsThatWouldSearchThroughOtherDataAreRefusedWhateverTheyMatch() {
		String patient = space.id(Item.PATIENT);
		String nir = space.nir;
		for (String reference : List.of(
				"Patient?_has:DocumentReference:patient:type=11488-4",
				"Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "|" + nir + "&gender=female",
				"Patient?family=Martin",
				"DocumentReference?identifier=" + Fixtures.TEST_IDENTIFIER_SYSTEM + "|x")) {
			String observation = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
					+ "\"subject\":{\"reference\":\"" + patient + "\"},\"derivedFrom\":[{\"reference\":\"" + reference + "\"}]}";
			for (String body : List.of(observation, bundle("transaction", "{\"resource\":" + observation
					+ ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}"))) {
				long before = storedResourceVersions();
				HttpResponse<String> response = send(post(body.startsWith("{\"resourceType\":\"Bundle") ? "" : "/Observation",
						body).build());
				assertThat(response.statusCode()).as(reference + ": " + response.body()).isEqualTo(400);
				assertThat(response.body()).contains("is not served");
				assertThat(storedResourceVersions()).isEqualTo(before);
			}
		}
		HttpResponse<String> byType = send(request("/DocumentReference?patient=" + patient + "&type=11488-4")
				.header("Content-Type", "application/json-patch+json")
				.method("PATCH", HttpRequest.BodyPublishers.ofString("[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"current\"}]"))
				.build());
		assertThat(byType.statusCode()).as(byType.body()).isEqualTo(400);
		assertThat(byType.body()).contains("names its resource by one identifier");
	}

	@Test
	void negationsAndPartialValuesDoNotNameASpace() {
		String gp = space.professionalToken(space.gp);
		for (String search : List.of("/Patient?_id:not=" + ABSENT_ID, "/Patient?_id:missing=false",
				"/Patient?identifier=" + URLEncoder.encode(Fixtures.INS_DEMO_SYSTEM + "|", StandardCharsets.UTF_8),
				"/Patient?identifier:not=x", "/Observation?patient:missing=false", "/Observation?subject:not=Patient/1",
				"/Observation?patient=", "/Observation?patient.identifier=" + URLEncoder.encode("|", StandardCharsets.UTF_8))) {
			HttpResponse<String> response = send(as(gp, search).GET().build());
			assertThat(response.statusCode()).as(search + ": " + response.body()).isEqualTo(400);
			assertThat(response.body()).contains("must name the patient's space");
		}
	}

	@Test
	void aPageLinkServesOnlyTheCallerWhoMadeTheSearch() throws IOException {
		String gp = space.professionalToken(space.gp);
		JsonNode first = JSON.readTree(send(as(gp, "/DocumentReference?status=current&patient=" + space.id(Item.PATIENT)
				+ "&_count=1").GET().build()).body());
		String next = null;
		for (JsonNode link : first.get("link")) {
			if ("next".equals(link.get("relation").asText())) {
				next = link.get("url").asText();
			}
		}
		assertThat(next).isNotNull();
		String unknown = next.replaceFirst("_getpages=[^&]+", "_getpages=" + java.util.UUID.randomUUID());

		HttpResponse<String> byItsMaker = send(HttpRequest.newBuilder(URI.create(next)).header("Authorization", "Bearer " + gp).build());
		HttpResponse<String> byAnother = send(HttpRequest.newBuilder(URI.create(next))
				.header("Authorization", "Bearer " + space.professionalToken(space.nurse)).build());
		HttpResponse<String> ofNoSearch = send(HttpRequest.newBuilder(URI.create(unknown))
				.header("Authorization", "Bearer " + space.professionalToken(space.nurse)).build());

		assertThat(byItsMaker.statusCode()).isEqualTo(200);
		assertThat(byAnother.statusCode()).isEqualTo(ofNoSearch.statusCode()).isEqualTo(410);
		assertThat(byAnother.body().replaceAll("[0-9a-f-]{36}", "ID")).isEqualTo(ofNoSearch.body().replaceAll("[0-9a-f-]{36}", "ID"));
	}

	/** A document this writer sends, masked from professionals; its relative id. */
	private String sendMaskedDocument(String writer) {
		DocumentReference document = Fixtures.documentReference(space.id(Item.PATIENT));
		document.getMeta().addSecurity(TestSpace.LABELS, "MASQUE_PS", null);
		HttpResponse<String> created = send(as(writer, "/DocumentReference").header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(encode(document))).build());
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return new IdType(created.headers().firstValue("Location").orElseThrow()).toUnqualifiedVersionless().getValue();
	}

	/** The identifier of a stored document ({@code system|value}), or one no document has. */
	private String identifierOf(String id) {
		if (ABSENT_ID.equals(id)) {
			return Fixtures.TEST_IDENTIFIER_SYSTEM + "|" + java.util.UUID.randomUUID();
		}
		DocumentReference document = daos.getResourceDao(DocumentReference.class)
				.read(new IdType("DocumentReference", id), new SystemRequestDetails());
		return document.getIdentifierFirstRep().getSystem() + "|" + document.getIdentifierFirstRep().getValue();
	}

	/**
	 * A body with the two names made alike, and what changes from one request to the next (ids of
	 * bundles, times, page links) left out.
	 */
	private static String alike(String body, String id) {
		// A conditional form names the document by its identifier: the caller's words, not the server's.
		return body.replace(id, "ID")
				.replaceAll("(urn(?:%3A|:)carnet(?:%3A|:)test(?:%7C|\\|))[0-9a-f-]{36}", "$1IDENTIFIER")
				.replaceAll("\"id\":\"[0-9a-f-]{36}\"", "\"id\":\"BUNDLE\"")
				.replaceAll("\"lastUpdated\":\"[^\"]+\"", "")
				.replaceAll("\"url\":\"http[^\"]+\"", "\"url\":\"LINK\"");
	}

	private static String documentWithId(String patient, String id) {
		DocumentReference document = Fixtures.documentReference(patient);
		document.setId(id);
		return encode(document);
	}

	private static String observationDerivedFrom(String patient, String id) {
		return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\""
				+ patient + "\"},\"derivedFrom\":[{\"reference\":\"DocumentReference/" + id + "\"}]}";
	}

	private static String bundle(String type, String entries) {
		return "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":[" + entries + "]}";
	}

	private static String encode(org.hl7.fhir.instance.model.api.IBaseResource resource) {
		return FHIR.newJsonParser().encodeResourceToString(resource);
	}

	private HttpRequest.Builder get(String path) {
		return request(path).GET();
	}

	private HttpRequest.Builder post(String path, String body) {
		return request(path).header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body));
	}

	private HttpRequest authorized(Caller caller, HttpRequest.Builder request) {
		return request.setHeader("Authorization", "Bearer " + caller.token()).build();
	}

	private HttpRequest.Builder as(String token, String path) {
		return HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token);
	}
}
