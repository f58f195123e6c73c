package org.carnetsante.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.carnetsante.support.TestSpace.Item.APPOINTMENT;
import static org.carnetsante.support.TestSpace.Item.BIOLOGY;
import static org.carnetsante.support.TestSpace.Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT;
import static org.carnetsante.support.TestSpace.Item.CONSULTATION;
import static org.carnetsante.support.TestSpace.Item.CONSULTATION_BYTES;
import static org.carnetsante.support.TestSpace.Item.MASKED_BYTES;
import static org.carnetsante.support.TestSpace.Item.MASKED_CONSULTATION;
import static org.carnetsante.support.TestSpace.Item.MESSAGE;
import static org.carnetsante.support.TestSpace.Item.MINOR;
import static org.carnetsante.support.TestSpace.Item.MINOR_CONSULTATION;
import static org.carnetsante.support.TestSpace.Item.MINOR_HIDDEN_FROM_PARENTS;
import static org.carnetsante.support.TestSpace.Item.OBSERVATION;
import static org.carnetsante.support.TestSpace.Item.PATIENT;
import static org.carnetsante.support.TestSpace.Item.PRESCRIPTION;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The access policy, table-driven: every kind of actor × every path that returns data × a space
 * holding documents of several types and visibility labels → what the actor sees, and the AuditEvent
 * each request left. Every request carries its own {@code X-Request-ID}, which its AuditEvent records.
 *
 * <p>Rows: who sees which items of the space ({@link #actors()}). Columns: the paths
 * ({@link #paths(Row)}): read, vread, search, messages, the agenda, _include, _revinclude, chained parameter, _has, instance /
 * type / system history, $everything, transaction and batch entries, Binary reads, paging, _summary=count,
 * Bundle.total, GraphQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessPolicyMatrixTest extends CarnetServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final Set<Item> ADULT_SPACE = EnumSet.of(PATIENT, CONSULTATION, BIOLOGY, PRESCRIPTION,
			MASKED_CONSULTATION, BIOLOGY_NOT_YET_FOR_THE_PATIENT, OBSERVATION, CONSULTATION_BYTES, MASKED_BYTES, MESSAGE,
			APPOINTMENT);
	private static final Set<Item> MINOR_SPACE = EnumSet.of(MINOR, MINOR_CONSULTATION, MINOR_HIDDEN_FROM_PARENTS);
	private static final Set<Item> DOCUMENTS = EnumSet.of(CONSULTATION, BIOLOGY, PRESCRIPTION, MASKED_CONSULTATION,
			BIOLOGY_NOT_YET_FOR_THE_PATIENT, MINOR_CONSULTATION, MINOR_HIDDEN_FROM_PARENTS);

	/** How an actor stands towards the policy, which decides the answers of some paths. */
	enum Side {
		/** Confined to its space by its token: chained and _has parameters are refused (403). */
		PATIENT,
		/** Reaches spaces through care relationships: _has is refused (400), the patient's identifier may be chained. */
		CARE,
		/** Refused everything (403). */
		REFUSED
	}

	/**
	 * One actor: its token, the space it looks at, which items of it it may see, and whether its access
	 * is an emergency (recorded as such in its AuditEvents).
	 */
	record Row(String name, String token, Side side, boolean minorSpace, Set<Item> sees, String emergencyMode) {

		@Override
		public String toString() {
			return name;
		}
	}

	@Autowired
	UserAccounts accounts;

	private TestSpace space;
	private List<Row> rows;

	@BeforeAll
	void aSpaceAndThePeopleAroundIt() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		Set<Item> all = ADULT_SPACE;
		// A message is seen by its sender (the GP), its recipient and the patient's side, an appointment by its
		// participants (the GP booked it) and the patient's side: no care relationship, profession or
		// emergency shows them to anyone else.
		Set<Item> forProfessionals = without(all, MASKED_CONSULTATION, MASKED_BYTES, MESSAGE, APPOINTMENT);
		Set<Item> forItsSender = EnumSet.copyOf(forProfessionals);
		forItsSender.add(MESSAGE);
		forItsSender.add(APPOINTMENT);
		rows = List.of(
				new Row("patient", space.patientToken(), Side.PATIENT, false,
						without(all, BIOLOGY_NOT_YET_FOR_THE_PATIENT), null),
				new Row("delegate of the patient", space.delegateToken(), Side.PATIENT, false,
						without(all, BIOLOGY_NOT_YET_FOR_THE_PATIENT), null),
				new Row("parent of a minor", space.parentToken(), Side.PATIENT, true,
						EnumSet.of(MINOR, MINOR_CONSULTATION), null),
				new Row("GP of the care team, sender of the message", space.professionalToken(space.gp), Side.CARE, false,
						forItsSender, null),
				new Row("pharmacist of the care team", space.professionalToken(space.pharmacist), Side.CARE, false,
						EnumSet.of(PATIENT, PRESCRIPTION), null),
				new Row("nurse of the care team", space.professionalToken(space.nurse), Side.CARE, false,
						EnumSet.of(PATIENT, PRESCRIPTION, OBSERVATION), null),
				new Row("blocked GP", space.professionalToken(space.blockedGp), Side.CARE, false, EnumSet.noneOf(Item.class), null),
				new Row("author of the masked document", space.professionalToken(space.psychiatrist), Side.CARE, false,
						without(all, MESSAGE, APPOINTMENT), null),
				new Row("emergency doctor breaking the glass", space.emergencyToken(space.emergencyDoctor, "BTG"), Side.CARE,
						false, forProfessionals, "bris_de_glace"),
				new Row("SAMU doctor (centre 15)", space.emergencyToken(space.samuDoctor, "ETREAT"), Side.CARE, false,
						forProfessionals, "centre_15"),
				new Row("insurer's system", space.systemToken("3100000000", "SA24"), Side.REFUSED, false,
						EnumSet.noneOf(Item.class), null),
				new Row("hospital system", space.systemToken(
						org.carnetsante.support.TestBackendClient.TEST_HOSPITAL_ORGANIZATION, "SA01"), Side.CARE, false,
						forProfessionals, null));
	}

	@TestFactory
	Stream<DynamicNode> everyActorOnEveryPath() {
		return rows.stream().map(row -> DynamicContainer.dynamicContainer(row.name(), paths(row)));
	}

	private Stream<DynamicNode> paths(Row row) {
		Set<Item> items = row.minorSpace() ? MINOR_SPACE : ADULT_SPACE;
		Set<Item> visible = row.sees();
		Set<Item> hidden = without(items, visible.toArray(Item[]::new));
		Item patient = row.minorSpace() ? MINOR : PATIENT;
		String patientId = space.id(patient);
		Set<String> visibleDocuments = ids(intersection(visible, DOCUMENTS));
		String search = "/DocumentReference?status=current&patient=" + patientId;
		return Stream.of(
				path(row, "read", () -> {
					for (Item item : items) {
						expectSeen(row, get(row, "/" + space.id(item)), item, visible.contains(item));
					}
				}),
				path(row, "vread", () -> {
					for (Item item : items) {
						expectSeen(row, get(row, "/" + space.id(item) + "/_history/1"), item, visible.contains(item));
					}
				}),
				path(row, "hidden and absent reads answer alike", () -> {
					Item hiddenItem = hiddenResource(row);
					String type = space.id(hiddenItem).split("/")[0];
					HttpResponse<String> hiddenRead = get(row, "/" + space.id(hiddenItem));
					HttpResponse<String> absentRead = get(row, "/" + type + "/987654321");
					assertThat(hiddenRead.statusCode()).isEqualTo(absentRead.statusCode())
							.isEqualTo(row.side() == Side.REFUSED ? 403 : 404);
					assertThat(hiddenRead.body().replace(space.id(hiddenItem), "X"))
							.isEqualTo(absentRead.body().replace(type + "/987654321", "X"));
				}),
				path(row, "search", () -> {
					HttpResponse<String> response = get(row, search);
					if (refused(row, response, items)) {
						return;
					}
					JsonNode bundle = bundle(response);
					assertThat(matches(bundle)).containsExactlyInAnyOrderElementsOf(visibleDocuments);
					assertThat(bundle.get("total").asInt()).as("Bundle.total counts what the caller sees")
							.isEqualTo(visibleDocuments.size());
				}),
				path(row, "_include", () -> {
					HttpResponse<String> response = get(row, search + "&_include=DocumentReference:subject");
					if (refused(row, response, items)) {
						return;
					}
					JsonNode bundle = bundle(response);
					assertThat(matches(bundle)).containsExactlyInAnyOrderElementsOf(visibleDocuments);
					assertThat(included(bundle)).isEqualTo(visibleDocuments.isEmpty() || !visible.contains(patient)
							? Set.of() : Set.of(patientId));
				}),
				path(row, "_revinclude", () -> {
					HttpResponse<String> response = get(row, "/Patient?_id=" + patientId.substring(8)
							+ "&_revinclude=DocumentReference:subject");
					if (refused(row, response, items)) {
						return;
					}
					JsonNode bundle = bundle(response);
					assertThat(matches(bundle)).isEqualTo(visible.contains(patient) ? Set.of(patientId) : Set.of());
					assertThat(included(bundle)).containsExactlyInAnyOrderElementsOf(
							visible.contains(patient) ? visibleDocuments : Set.of());
				}),
				path(row, "chained parameter", () -> {
					String nir = row.minorSpace() ? null : space.nir;
					HttpResponse<String> response = get(row, nir == null
							? "/DocumentReference?status=current&patient.identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + Fixtures.randomNir()
							: "/DocumentReference?status=current&patient.identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + nir);
					if (row.side() == Side.CARE) {
						assertThat(response.statusCode()).isEqualTo(200);
						assertThat(matches(json(response))).containsExactlyInAnyOrderElementsOf(visibleDocuments);
					} else {
						assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
					}
				}),
				path(row, "messages of the space, unread ones, with what they answer", () -> {
					Set<String> visibleMessages = ids(intersection(visible, EnumSet.of(MESSAGE)));
					for (String query : List.of("", "&received:missing=true", "&_include=Communication:in-response-to&_sort=-sent")) {
						HttpResponse<String> response = get(row, "/Communication?subject=" + patientId + query);
						if (refused(row, response, items)) {
							return;
						}
						JsonNode bundle = bundle(response);
						assertThat(matches(bundle)).as(query).containsExactlyInAnyOrderElementsOf(visibleMessages);
						assertThat(bundle.get("total").asInt()).as("Bundle.total counts what the caller sees")
								.isEqualTo(visibleMessages.size());
					}
				}),
				path(row, "the space's agenda", () -> {
					Set<String> visibleAppointments = ids(intersection(visible, EnumSet.of(APPOINTMENT)));
					HttpResponse<String> response = get(row, "/Appointment?patient=" + patientId + "&date=ge2000-01-01");
					if (refused(row, response, items)) {
						return;
					}
					JsonNode bundle = bundle(response);
					assertThat(matches(bundle)).containsExactlyInAnyOrderElementsOf(visibleAppointments);
					assertThat(bundle.get("total").asInt()).isEqualTo(visibleAppointments.size());
				}),
				path(row, "_has", () -> {
					HttpResponse<String> response = get(row, "/Patient?_id=" + patientId.substring(8)
							+ "&_has:DocumentReference:subject:type=11488-4");
					assertThat(response.statusCode()).as(response.body()).isEqualTo(row.side() == Side.CARE ? 400 : 403);
					assertThat(response.body()).doesNotContain("\"resourceType\":\"Patient\"");
				}),
				path(row, "instance history", () -> {
					for (Item item : intersection(items, DOCUMENTS)) {
						HttpResponse<String> response = get(row, "/" + space.id(item) + "/_history");
						if (row.side() == Side.REFUSED) {
							assertThat(response.statusCode()).as(item.name()).isEqualTo(403);
						} else if (visible.contains(item)) {
							assertThat(response.statusCode()).as(item.name()).isEqualTo(200);
							assertThat(all(json(response))).contains(space.id(item));
						} else {
							// Its one version is withheld: the whole history answers as for a resource that does not exist.
							assertThat(response.statusCode()).as("%s: %s", item.name(), response.body()).isEqualTo(404);
							assertThat(response.body()).doesNotContain("\"resourceType\":\"DocumentReference\"");
						}
					}
				}),
				path(row, "type and system history are not served", () -> {
					for (String history : List.of("/DocumentReference/_history?_count=500&_since=" + since(),
							"/_history?_count=1000&_since=" + since())) {
						HttpResponse<String> response = get(row, history);
						assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
						ids(items).forEach(id -> assertThat(response.body()).doesNotContain(id));
					}
				}),
				path(row, "$everything", () -> {
					HttpResponse<String> response = get(row, "/" + patientId + "/$everything?_count=500");
					if (row.side() == Side.REFUSED) {
						assertThat(response.statusCode()).isEqualTo(403);
					} else if (visible.contains(patient)) {
						expectSubset(row, response, ids(intersection(visible, EnumSet.of(PATIENT, MINOR, CONSULTATION,
										BIOLOGY, PRESCRIPTION, MASKED_CONSULTATION, BIOLOGY_NOT_YET_FOR_THE_PATIENT,
										OBSERVATION, MINOR_CONSULTATION, MINOR_HIDDEN_FROM_PARENTS, MESSAGE, APPOINTMENT))),
								ids(without(hidden, CONSULTATION_BYTES, MASKED_BYTES)));
					} else {
						assertThat(response.statusCode()).as("a space the caller may not reach is unknown to it").isEqualTo(404);
						assertThat(response.body()).isEqualTo(get(row, "/Patient/987654321/$everything").body()
								.replace("Patient/987654321", patientId));
					}
				}),
				path(row, "transaction GET entry", () -> {
					HttpResponse<String> response = post(row, "", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
							+ "\"entry\":[{\"request\":{\"method\":\"GET\",\"url\":\"DocumentReference?status=current&patient=" + patientId + "\"}}]}");
					if (row.side() == Side.REFUSED) {
						assertThat(response.statusCode()).isEqualTo(403);
					} else {
						assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
						assertThat(matches(json(response).get("entry").get(0).get("resource")))
								.containsExactlyInAnyOrderElementsOf(visibleDocuments);
					}
				}),
				path(row, "batch GET entries", () -> {
					List<Item> documents = new ArrayList<>(intersection(items, DOCUMENTS));
					StringBuilder batch = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
					for (int i = 0; i < documents.size(); i++) {
						batch.append(i == 0 ? "" : ",").append("{\"request\":{\"method\":\"GET\",\"url\":\"")
								.append(space.id(documents.get(i))).append("\"}}");
					}
					HttpResponse<String> response = post(row, "", batch.append("]}").toString());
					if (row.side() == Side.REFUSED) {
						assertThat(response.statusCode()).isEqualTo(403);
						return;
					}
					JsonNode entries = json(response).get("entry");
					for (int i = 0; i < documents.size(); i++) {
						assertThat(entries.get(i).get("response").get("status").asText())
								.as(documents.get(i).name()).startsWith(visible.contains(documents.get(i)) ? "200" : "404");
					}
				}),
				path(row, "Binary", () -> {
					// The minor's space holds no Binary: its parent is shown the adult's, which are not his to read.
					for (Item bytes : EnumSet.of(CONSULTATION_BYTES, MASKED_BYTES)) {
						expectSeen(row, get(row, "/" + space.id(bytes)), bytes, visible.contains(bytes));
					}
				}),
				path(row, "paging", () -> {
					HttpResponse<String> first = get(row, search + "&_count=2");
					if (refused(row, first, items)) {
						return;
					}
					Set<String> seen = new HashSet<>();
					int pages = 0;
					JsonNode page = bundle(first);
					while (page != null && pages < 10) {
						pages++;
						assertThat(entries(page, "match").size()).as("page %d is full unless it is the last", pages)
								.isEqualTo(link(page, "next") == null ? (visibleDocuments.size() - 1) % 2 + 1 : 2);
						seen.addAll(matches(page));
						String next = link(page, "next");
						page = next == null ? null : bundle(send(HttpRequest.newBuilder(URI.create(next))
								.header("Authorization", "Bearer " + row.token())
								.header("X-Request-ID", requestId()).GET().build()));
					}
					assertThat(seen).containsExactlyInAnyOrderElementsOf(visibleDocuments);
					assertThat(pages).as("pages of 2 over what the caller sees, none empty but a search that finds nothing")
							.isEqualTo(Math.max(1, (visibleDocuments.size() + 1) / 2));
				}),
				path(row, "_summary=count", () -> {
					HttpResponse<String> response = get(row, search + "&_summary=count");
					if (refused(row, response, items)) {
						return;
					}
					JsonNode bundle = bundle(response);
					assertThat(bundle.get("total").asInt()).isEqualTo(visibleDocuments.size());
					assertThat(bundle.has("entry")).isFalse();
				}),
				path(row, "_total=accurate over pages", () -> {
					HttpResponse<String> response = get(row, search + "&_total=accurate&_count=1");
					if (refused(row, response, items)) {
						return;
					}
					assertThat(bundle(response).get("total").asInt()).isEqualTo(visibleDocuments.size());
				}),
				path(row, "GraphQL is switched off", () -> {
					HttpResponse<String> response = get(row, "/$graphql?query="
							+ URLEncoder.encode("{DocumentReferenceList{id}}", StandardCharsets.UTF_8));
					assertThat(response.statusCode()).isEqualTo(400);
					for (String id : ids(items)) {
						assertThat(response.body()).doesNotContain(id);
					}
				}));
	}

	/** One path for one actor: its assertions, then the AuditEvent of every request it made. */
	private DynamicTest path(Row row, String name, Runnable assertions) {
		return DynamicTest.dynamicTest(name, () -> {
			List<Request> requests = new ArrayList<>();
			current.set(requests::add);
			try {
				assertions.run();
			} finally {
				current.remove();
			}
			assertThat(requests).as("every cell asks the server something").isNotEmpty();
			for (Request request : requests) {
				List<JsonNode> events = auditEventsOf(request.id());
				assertThat(events).as("AuditEvent of %s %s (%d)", request.method(), request.path(), request.status()).isNotEmpty();
				if (request.status() == 403 || request.status() == 404) {
					assertThat(events).as("a refusal is recorded as one").anyMatch(event -> "4".equals(event.get("outcome").asText()));
				}
				if (row.emergencyMode() != null && request.status() == 200) {
					assertThat(events).as("an emergency access is recorded with its mode")
							.anyMatch(event -> event.toString().contains("\"" + row.emergencyMode() + "\""));
				}
			}
		});
	}

	private record Request(String id, String method, String path, int status) {}

	private final ThreadLocal<Consumer<Request>> current = new ThreadLocal<>();

	private void expectSeen(Row row, HttpResponse<String> response, Item item, boolean seen) {
		if (row.side() == Side.REFUSED) {
			assertThat(response.statusCode()).as(item.name()).isEqualTo(403);
		} else {
			assertThat(response.statusCode()).as("%s: %s", item.name(), response.body()).isEqualTo(seen ? 200 : 404);
		}
	}

	private void expectSubset(Row row, HttpResponse<String> response, Set<String> present, Set<String> absent) {
		if (row.side() == Side.REFUSED) {
			assertThat(response.statusCode()).isEqualTo(403);
			return;
		}
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Set<String> found = all(json(response));
		assertThat(found).containsAll(present);
		for (String hidden : absent) {
			assertThat(found).doesNotContain(hidden);
		}
	}

	/**
	 * For a refused actor, checks the refusal (403, telling nothing of the space) and answers true: its
	 * cell has asserted what it should. False for any other actor.
	 */
	private boolean refused(Row row, HttpResponse<String> response, Set<Item> items) {
		if (row.side() != Side.REFUSED) {
			return false;
		}
		assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
		for (String id : ids(items)) {
			assertThat(response.body()).doesNotContain(id);
		}
		return true;
	}

	/** The search Bundle of a response that must have succeeded. */
	private static JsonNode bundle(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode bundle = json(response);
		assertThat(bundle.get("resourceType").asText()).isEqualTo("Bundle");
		return bundle;
	}

	/**
	 * A resource of the space the row looks at that it may not see, else (for those who see it all) one of
	 * the other space: every row has something to hide.
	 */
	private Item hiddenResource(Row row) {
		Set<Item> own = row.minorSpace() ? MINOR_SPACE : ADULT_SPACE;
		Set<Item> other = row.minorSpace() ? ADULT_SPACE : MINOR_SPACE;
		return Stream.concat(own.stream(), other.stream())
				.filter(item -> !row.sees().contains(item) && !space.id(item).startsWith("Binary"))
				.findFirst().orElseThrow();
	}

	private HttpResponse<String> get(Row row, String path) {
		return exchange(row, "GET", path, HttpRequest.newBuilder(URI.create(fhirBase() + path)).GET());
	}

	private HttpResponse<String> post(Row row, String path, String body) {
		return exchange(row, "POST", path, HttpRequest.newBuilder(URI.create(fhirBase() + path))
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	private HttpResponse<String> exchange(Row row, String method, String path, HttpRequest.Builder request) {
		String id = requestId();
		HttpResponse<String> response = send(request.header("Authorization", "Bearer " + row.token())
				.header("X-Request-ID", id).build());
		if (current.get() != null) {
			current.get().accept(new Request(id, method, path, response.statusCode()));
		}
		return response;
	}

	private static String requestId() {
		return "matrix-" + UUID.randomUUID().toString().replace("-", "");
	}

	/** The AuditEvents recording a request: durable before its response was sent, so there now. */
	private List<JsonNode> auditEventsOf(String requestId) {
		List<JsonNode> parsed = new ArrayList<>();
		for (String event : jdbc.queryForList("SELECT record FROM carnet_audit_event WHERE record LIKE ?", String.class,
				"%\"" + requestId + "\"%")) {
			parsed.add(parse(event));
		}
		return parsed;
	}

	private String since() {
		return URLEncoder.encode(space.createdAfter.toString(), StandardCharsets.UTF_8);
	}

	private Set<String> ids(Set<Item> items) {
		Set<String> ids = new LinkedHashSet<>();
		for (Item item : items) {
			ids.add(space.id(item));
		}
		return ids;
	}

	/** Relative ids of the search matches of a Bundle. */
	private static Set<String> matches(JsonNode bundle) {
		return entries(bundle, "match");
	}

	private static Set<String> included(JsonNode bundle) {
		return entries(bundle, "include");
	}

	private static Set<String> all(JsonNode bundle) {
		return entries(bundle, null);
	}

	private static Set<String> entries(JsonNode bundle, String mode) {
		Set<String> ids = new HashSet<>();
		if (bundle == null || !bundle.has("entry")) {
			return ids;
		}
		for (JsonNode entry : bundle.get("entry")) {
			JsonNode resource = entry.get("resource");
			boolean wanted = mode == null || (entry.has("search") && mode.equals(entry.get("search").get("mode").asText()));
			if (resource != null && resource.has("id") && wanted) {
				ids.add(resource.get("resourceType").asText() + "/" + resource.get("id").asText());
			}
		}
		return ids;
	}

	private static String link(JsonNode bundle, String relation) {
		if (bundle.has("link")) {
			for (JsonNode link : bundle.get("link")) {
				if (relation.equals(link.get("relation").asText())) {
					return link.get("url").asText();
				}
			}
		}
		return null;
	}

	private static JsonNode json(HttpResponse<String> response) {
		return parse(response.body());
	}

	private static JsonNode parse(String json) {
		try {
			return JSON.readTree(json);
		} catch (java.io.IOException e) {
			throw new IllegalStateException(e);
		}
	}

	private static Set<Item> without(Set<Item> items, Item... removed) {
		EnumSet<Item> rest = items.isEmpty() ? EnumSet.noneOf(Item.class) : EnumSet.copyOf(items);
		for (Item item : removed) {
			rest.remove(item);
		}
		return rest;
	}

	private static Set<Item> intersection(Set<Item> first, Set<Item> second) {
		EnumSet<Item> both = first.isEmpty() ? EnumSet.noneOf(Item.class) : EnumSet.copyOf(first);
		both.retainAll(second);
		return both;
	}
}
