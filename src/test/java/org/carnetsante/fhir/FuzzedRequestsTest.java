package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;
import org.carnetsante.support.Fixtures;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * Fuzz test of everything that reads a client's input: valid requests, mutated, sent over real HTTP
 * with the test hospital's token, each checked against the rules of issue 11 §2.
 *
 * <p>What it covers: the JSON and XML parsers (creates of Observations, Communications, INS Patients,
 * inline DocumentReferences), updates with {@code If-Match}, JSON Patch and FHIRPath Patch, deletes
 * with {@code If-Match}, the transaction processor (transactions of a patient, their care team and
 * data, and a FHIRPath Patch; ITI-65 provide bundles addressed by INS), the batch processor
 * (searches, creates, deletes with {@code ifMatch}), searches (URL parameters written raw: escapes, NUL, numbers, many values),
 * and reads with result parameters ({@code _summary}, {@code _elements}, {@code _format},
 * {@code _pretty}) and conditional or content-negotiation headers. Mutations: values replaced by
 * numbers beyond any bound ({@code 1e999999}, {@code 1e400}, 30 digits), lone surrogates, NUL and
 * other control characters, huge strings and digit strings, JSON of the wrong type, {@code null},
 * empty objects and arrays; members deleted, duplicated, unknown ones added; arrays grown; XML
 * attribute values replaced by character references XML forbids; broken headers; odd parameters.
 *
 * <p>What it asserts, for each case: never a 5xx (nor a 5xx inside a batch or transaction answer);
 * a 4xx answer is an OperationOutcome; the answer comes within {@link #BOUND}; nothing half-written
 * (a refused request leaves the stored resource versions as they were, a transaction that succeeds
 * stored every one of its entries at the version it answers, a successful write stored something);
 * and a request left unmutated, without odd headers, succeeds.
 *
 * <p>How: jqwik's generators ({@code net.jqwik:jqwik}) draw each case's plan from a fixed seed. jqwik's
 * own engine cannot run a test in the Spring context that {@code CarnetServerTest} shares with every
 * integration test, so this JUnit Jupiter test drives jqwik's {@link Arbitrary} generators itself
 * ({@code arbitrary.generator(genSize).next(new Random(seed))}, inside a {@link JqwikSession}). Each
 * case has its own {@link Random}, derived from the seed and its number: a failure prints both, and
 * {@code -Dcarnet.fuzz.seed=<seed> -Dcarnet.fuzz.case=<n>} runs that case alone
 * ({@code -Dcarnet.fuzz.cases=<count>} changes how many run).
 */
class FuzzedRequestsTest extends FhirInputTest {

	private static final long SEED = Long.getLong("carnet.fuzz.seed", 20261130L);
	private static final int CASES = Integer.getInteger("carnet.fuzz.cases", 300);
	private static final Integer ONLY_CASE = Integer.getInteger("carnet.fuzz.case");
	/** Longest any answer may take: every refusal is cheap, every accepted request ordinary. */
	private static final Duration BOUND = Duration.ofSeconds(10);
	private static final int GENERATION_SIZE = 1000;

	private static final ObjectMapper JSON_TREE = new ObjectMapper();

	/** What a case exercises. */
	enum Target { CREATE_JSON, CREATE_XML, UPDATE, JSON_PATCH, FHIRPATH_PATCH, DELETE, TRANSACTION, PROVIDE_BUNDLE,
		BATCH, SEARCH, READ }

	enum MutationKind { REPLACE, DELETE_MEMBER, DUPLICATE_MEMBER, ADD_UNKNOWN_MEMBER, INSERT_INTO_ARRAY, WRAP_IN_ARRAY }

	/** One change to a document: what, where ({@code where} modulo the places it can go), with what. */
	record Mutation(MutationKind kind, int where, int what) {}

	/** A case: the target, its variant, the mutations, the header and parameters picked, some noise text. */
	record Plan(Target target, int variant, List<Mutation> mutations, int header, int parameters, String noise) {}

	/** A request as written on the wire, and what it must lead to. */
	record Fuzzed(String method, String target, Map<String, String> headers, byte[] body, boolean mustSucceed,
			boolean write, boolean transaction) {

		String describe() {
			String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
			return method + " " + abbreviated(target, 600) + "\n" + headers + "\n" + abbreviated(text, 2000);
		}
	}

	/** The space the cases aim at. */
	private String patient;
	private String nir;

	@Test
	void mutatedRequestsNeverGetA5xxAndNeverLeaveAHalfWrite() throws IOException {
		nir = Fixtures.randomNir();
		patient = patientInOurCareOverHttp(Fixtures.insPatient(nir, "Fuzz", "Claire"));
		List<String> failures = new ArrayList<>();
		Map<String, Integer> answers = new java.util.TreeMap<>();
		long started = System.nanoTime();
		JqwikSession.start();
		try {
			RandomGenerator<Plan> plans = plans().generator(GENERATION_SIZE);
			for (int number = 0; number < CASES; number++) {
				if (ONLY_CASE != null && ONLY_CASE != number) {
					continue;
				}
				Plan plan = plans.next(new Random(SEED ^ (number * 0x9E3779B97F4A7C15L))).value();
				runCase(number, plan, failures, answers);
			}
		} finally {
			JqwikSession.finish();
		}
		System.out.printf("Fuzzed %d requests (seed %d) in %d s; answers by target: %s%n", ONLY_CASE == null ? CASES : 1,
				SEED, Duration.ofNanos(System.nanoTime() - started).toSeconds(), answers);
		assertThat(failures).as(failures.size() + " of " + CASES + " cases failed; the first:\n"
				+ String.join("\n\n", failures.subList(0, Math.min(5, failures.size())))).isEmpty();
	}

	private static Arbitrary<Plan> plans() {
		Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1_000_000);
		Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.of(MutationKind.class), pick, pick)
				.as(Mutation::new);
		return Combinators.combine(Arbitraries.of(Target.class), pick, mutation.list().ofMinSize(0).ofMaxSize(3), pick,
						pick, Arbitraries.strings().all().ofMaxLength(12))
				.as(Plan::new);
	}

	private void runCase(int number, Plan plan, List<String> failures, Map<String, Integer> answers) throws IOException {
		Fuzzed fuzzed = request(plan, new Random(plan.variant()));
		long before = storedResourceVersions();
		long started = System.nanoTime();
		RawResponse answer = raw(fuzzed.method(), fuzzed.target(), fuzzed.headers(), fuzzed.body());
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		long after = storedResourceVersions();
		answers.merge(plan.target() + " " + answer.status(), 1, Integer::sum);

		List<String> broken = new ArrayList<>();
		if (answer.status() >= 500) {
			broken.add("a server error");
		}
		if (took.compareTo(BOUND) > 0) {
			broken.add("an answer after " + took.toMillis() + " ms");
		}
		if (answer.status() >= 400 && answer.status() < 500 && !isOperationOutcome(answer)) {
			broken.add("a refusal that is not an OperationOutcome");
		}
		if (answer.status() >= 400 && after != before) {
			broken.add("a refusal that stored " + (after - before) + " resource versions");
		}
		if (fuzzed.mustSucceed() && answer.status() >= 300) {
			broken.add("an unmutated request refused");
		}
		if (answer.status() < 300 && fuzzed.mustSucceed() && fuzzed.write() && !fuzzed.transaction() && after <= before) {
			broken.add("an accepted write that stored nothing");
		}
		if (answer.status() < 300 && answer.body().startsWith("{\"resourceType\":\"Bundle\"")) {
			broken.addAll(entryProblems(answer.body(), fuzzed.transaction()));
		}
		if (!broken.isEmpty()) {
			failures.add(printable("case #" + number + " of seed " + SEED + " (rerun: -Dcarnet.fuzz.seed=" + SEED
					+ " -Dcarnet.fuzz.case=" + number + "): " + String.join(", ", broken) + "\nplan: " + plan + "\n"
					+ fuzzed.describe() + "\n-> " + answer.status() + " in " + took.toMillis() + " ms: "
					+ abbreviated(answer.body(), 1500)));
		}
	}

	private static boolean isOperationOutcome(RawResponse answer) {
		String body = answer.body();
		if (body.startsWith("{")) {
			try {
				return FHIR.newJsonParser().parseResource(body) instanceof OperationOutcome;
			} catch (RuntimeException unreadable) {
				return false;
			}
		}
		return body.contains("OperationOutcome");
	}

	/** A batch or transaction answer: no entry failed with a server error; a transaction stored every entry. */
	private List<String> entryProblems(String body, boolean transaction) {
		List<String> problems = new ArrayList<>();
		Bundle answer = (Bundle) FHIR.newJsonParser().parseResource(body);
		if (answer.getType() != Bundle.BundleType.BATCHRESPONSE && answer.getType() != Bundle.BundleType.TRANSACTIONRESPONSE) {
			return problems;
		}
		for (int i = 0; i < answer.getEntry().size(); i++) {
			Bundle.BundleEntryResponseComponent response = answer.getEntry().get(i).getResponse();
			if (response.getStatus() != null && response.getStatus().startsWith("5")) {
				problems.add("entry " + i + " answered " + response.getStatus());
			}
			if (transaction && response.hasLocation() && !isStored(response.getLocation())) {
				problems.add("entry " + i + " answered " + response.getLocation() + ", which is not stored");
			}
			if (transaction && (response.getStatus() == null || !response.getStatus().startsWith("2"))) {
				problems.add("a transaction accepted with entry " + i + " answering " + response.getStatus());
			}
		}
		return problems;
	}

	private boolean isStored(String location) {
		IdType id = new IdType(location);
		return jdbc.queryForObject("SELECT COUNT(*) FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
				+ " WHERE r.res_type = ? AND r.fhir_id = ? AND v.res_ver = ?", Long.class,
				id.getResourceType(), id.getIdPart(), id.getVersionIdPartAsLong()) == 1;
	}

	// --- The requests: a valid one per target, then its mutations ---

	private Fuzzed request(Plan plan, Random random) throws IOException {
		boolean mutated = !plan.mutations().isEmpty();
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("Accept", JSON);
		return switch (plan.target()) {
			case CREATE_JSON -> {
				Resource resource = switch (plan.variant() % 4) {
					case 0 -> observation(random);
					case 1 -> Fixtures.communication("Résultats disponibles " + random.nextInt(), "Patient/" + patient);
					case 2 -> Fixtures.insPatient(nir(random), "Fuzz", "Léa");
					default -> Fixtures.documentReference("Patient/" + patient);
				};
				boolean odd = oddHeader(plan, headers, IF_NONE_EXIST, "If-None-Exist") | oddContentType(plan, headers, JSON);
				yield new Fuzzed("POST", "/fhir/" + resource.fhirType(), headers,
						json(resource, plan, random), !mutated && !odd, true, false);
			}
			case CREATE_XML -> {
				Resource resource = plan.variant() % 2 == 0 ? observation(random) : Fixtures.insPatient(nir(random), "Fuzz", "Zoé");
				String xml = mutatedXml(FHIR.newXmlParser().encodeResourceToString(resource), plan, random);
				headers.put("Content-Type", XML);
				yield new Fuzzed("POST", "/fhir/" + resource.fhirType(), headers, bytes(xml), !mutated, true, false);
			}
			case UPDATE -> {
				String id = created("/Observation", observationJson(patient, ""));
				Observation update = observation(random);
				update.setId(id);
				boolean odd = oddHeader(plan, headers, IF_MATCH, "If-Match") | oddContentType(plan, headers, JSON);
				yield new Fuzzed("PUT", "/fhir/Observation/" + id, headers, json(update, plan, random), !mutated && !odd,
						true, false);
			}
			case JSON_PATCH -> {
				String id = created("/Observation", observationJson(patient, ""));
				String patch = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":\"amended\"},"
						+ "{\"op\":\"add\",\"path\":\"/valueQuantity\",\"value\":{\"value\":5.4,\"unit\":\"mmol/L\"}},"
						+ "{\"op\":\"add\",\"path\":\"/note\",\"value\":[{\"text\":\"contrôle\"}]}]";
				boolean odd = oddHeader(plan, headers, IF_MATCH, "If-Match") | oddContentType(plan, headers, "application/json-patch+json");
				yield new Fuzzed("PATCH", "/fhir/Observation/" + id, headers, bytes(mutatedJson(patch, plan, random)),
						!mutated && !odd, true, false);
			}
			case FHIRPATH_PATCH -> {
				String id = created("/Observation", observationJson(patient, ""));
				String patch = FHIRPATH_PATCH;
				boolean odd = oddHeader(plan, headers, IF_MATCH, "If-Match") | oddContentType(plan, headers, JSON);
				yield new Fuzzed("PATCH", "/fhir/Observation/" + id, headers, bytes(mutatedJson(patch, plan, random)),
						!mutated && !odd, true, false);
			}
			case DELETE -> {
				String id = created("/Observation", observationJson(patient, ""));
				boolean odd = oddHeader(plan, headers, IF_MATCH, "If-Match");
				String target = mutated ? "/fhir/Observation/" + urlValue(plan.mutations().get(0).what(), plan) : "/fhir/Observation/" + id;
				yield new Fuzzed("DELETE", target, headers, null, !mutated && !odd, true, false);
			}
			case TRANSACTION -> {
				headers.put("Content-Type", JSON);
				yield new Fuzzed("POST", "/fhir", headers, json(careTransaction(random), plan, random), !mutated, true, true);
			}
			case PROVIDE_BUNDLE -> {
				headers.put("Content-Type", JSON);
				yield new Fuzzed("POST", "/fhir", headers, json(provideBundle(random), plan, random), !mutated, true, true);
			}
			case BATCH -> {
				headers.put("Content-Type", JSON);
				yield new Fuzzed("POST", "/fhir", headers, json(batch(plan, random), plan, random), false, true, false);
			}
			case SEARCH -> new Fuzzed("GET", search(plan, random), headers, null, false, false, false);
			case READ -> {
				boolean odd = oddHeader(plan, headers, READ_HEADERS.get(plan.header() % READ_HEADERS.size()),
						READ_HEADER_NAMES.get(plan.header() % READ_HEADERS.size()));
				String target = "/fhir/Patient/" + patient + (plan.parameters() % 3 == 0 ? ""
						: "?" + RESULT_PARAMETERS.get(plan.parameters() % RESULT_PARAMETERS.size()));
				yield new Fuzzed("GET", target, headers, null, !odd && !target.contains("?"), false, false);
			}
		};
	}

	private Observation observation(Random random) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "2339-0", "Glucose")));
		observation.setSubject(new Reference("Patient/" + patient));
		observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
		observation.setValue(new Quantity().setValue(4 + random.nextInt(50) / 10.0).setUnit("mmol/L")
				.setSystem("http://unitsofmeasure.org").setCode("mmol/L"));
		observation.addNote().setText("Prélèvement à jeun");
		observation.addComponent().setCode(new CodeableConcept().setText("composante"))
				.setValue(new Quantity().setValue(1.5));
		observation.addExtension("https://carnet.example/fuzz/decimal", new org.hl7.fhir.r4.model.DecimalType("12.50"));
		return observation;
	}

	/** Spaces opened by this run: their INS must differ (one INS, one space: a repeated one is refused, 409). */
	private static final java.util.concurrent.atomic.AtomicInteger SPACES_OPENED = new java.util.concurrent.atomic.AtomicInteger();

	/** A NIR-shaped INS, unique in this run whatever the case's random draws (cases of nearby seeds draw alike). */
	private static String nir(Random random) {
		return String.format("%d%02d%02d75%08d", 1 + random.nextInt(2), random.nextInt(100), 1 + random.nextInt(12),
				SPACES_OPENED.incrementAndGet());
	}

	/** A patient, their care team and two pieces of data, placeholders resolved within the transaction. */
	private Bundle careTransaction(Random random) {
		String placeholder = "urn:uuid:" + new UUID(random.nextLong(), random.nextLong());
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl(placeholder).setResource(Fixtures.insPatient(nir(random), "Fuzz", "Inès"))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().setResource(Fixtures.careTeam(placeholder, org.carnetsante.support.TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
		Observation observation = observation(random);
		observation.setSubject(new Reference(placeholder));
		transaction.addEntry().setResource(observation).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		transaction.addEntry().setResource(Fixtures.communication("Bienvenue", placeholder))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Communication");
		String amended = created("/Observation", observationJson(patient, ""));
		transaction.addEntry().setResource((Resource) FHIR.newJsonParser().parseResource(FHIRPATH_PATCH))
				.getRequest().setMethod(Bundle.HTTPVerb.PATCH).setUrl("Observation/" + amended);
		return transaction;
	}

	/** An ITI-65 provide bundle for the fuzzed space, its subject named by INS (as DocumentsTest pushes them). */
	private Bundle provideBundle(Random random) {
		byte[] bytes = ("%PDF-1.4 compte rendu " + random.nextLong()).getBytes(StandardCharsets.UTF_8);
		String subject = "Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "|" + nir;
		String documentUuid = "urn:uuid:" + new UUID(random.nextLong(), random.nextLong());
		String binaryUuid = "urn:uuid:" + new UUID(random.nextLong(), random.nextLong());
		DocumentReference document = Fixtures.documentReference(subject, bytes);
		document.getContentFirstRep().setAttachment(Fixtures.attachment("application/pdf", bytes, "Bilan").setData(null)
				.setUrl(binaryUuid));
		ListResource submissionSet = new ListResource();
		submissionSet.addIdentifier().setUse(Identifier.IdentifierUse.USUAL).setSystem("urn:ietf:rfc:3986")
				.setValue(Fixtures.uniqueId());
		submissionSet.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
		submissionSet.setCode(new CodeableConcept(new Coding("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes",
				"submissionset", null)));
		submissionSet.setSubject(new Reference(subject)).setDate(new Date());
		submissionSet.addEntry().setItem(new Reference(documentUuid));
		submissionSet.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-submission-set");
		Binary binary = new Binary().setContentType("application/pdf").setData(bytes);
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-provide-bundle");
		bundle.addEntry().setFullUrl("urn:uuid:" + new UUID(random.nextLong(), random.nextLong())).setResource(submissionSet)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("List");
		bundle.addEntry().setFullUrl(documentUuid).setResource(document)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		bundle.addEntry().setFullUrl(binaryUuid).setResource(binary)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Binary");
		return bundle;
	}

	/** A batch: two searches, a create, a delete with an If-Match picked like a header. */
	private Bundle batch(Plan plan, Random random) {
		String doomed = created("/Observation", observationJson(patient, ""));
		Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
		batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(search(plan, random).substring("/fhir/".length()));
		batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/" + patient + "?"
				+ RESULT_PARAMETERS.get(plan.parameters() % RESULT_PARAMETERS.size()));
		batch.addEntry().setResource(observation(random)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		Bundle.BundleEntryRequestComponent delete = batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE)
				.setUrl("Observation/" + doomed);
		String ifMatch = IF_MATCH.get(plan.header() % IF_MATCH.size());
		if (ifMatch != null) {
			delete.setIfMatch(ifMatch);
		}
		return batch;
	}

	/** A search of the space's data with up to three parameters, written raw (escapes as they come). */
	private String search(Plan plan, Random random) {
		StringBuilder query = new StringBuilder(plan.variant() % 4 == 0 ? "/fhir/Patient?_id=" + patient
				: "/fhir/Observation?patient=" + patient);
		int count = 1 + plan.parameters() % 3;
		for (int i = 0; i < count; i++) {
			query.append('&').append(SEARCH_NAMES.get(random.nextInt(SEARCH_NAMES.size()))).append('=')
					.append(urlValue(random.nextInt(), plan));
		}
		return query.toString();
	}

	private static String urlValue(int pick, Plan plan) {
		int index = Math.floorMod(pick, URL_VALUES.size() + 1);
		return index == URL_VALUES.size() ? percentEncoded(plan.noise()) : URL_VALUES.get(index);
	}

	// --- Mutations ---

	private byte[] json(Resource resource, Plan plan, Random random) {
		return bytes(mutatedJson(FHIR.newJsonParser().encodeResourceToString(resource), plan, random));
	}

	/**
	 * The document with the plan's mutations. They are made on a Jackson tree, with markers where raw
	 * JSON goes (numbers and escapes no tree can hold), then the markers are replaced by that JSON.
	 */
	private static String mutatedJson(String json, Plan plan, Random random) {
		JsonNode root;
		try {
			root = JSON_TREE.readTree(json);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		Map<String, String> raw = new LinkedHashMap<>();
		for (Mutation mutation : plan.mutations()) {
			List<Place> places = new ArrayList<>();
			collect(root, places);
			Place place = places.get(Math.floorMod(mutation.where(), places.size()));
			String marker = "@@" + raw.size() + "@@";
			String fragment = jsonFragment(mutation.what(), plan);
			switch (mutation.kind()) {
				case REPLACE -> {
					if (place.parent() == null) {
						root = TextNode.valueOf(marker);
					} else {
						place.set(TextNode.valueOf(marker));
					}
					raw.put("\"" + marker + "\"", fragment);
				}
				case DELETE_MEMBER -> place.remove();
				case DUPLICATE_MEMBER -> {
					if (place.parent() instanceof ObjectNode object) {
						object.put(marker, marker);
						raw.put("\"" + marker + "\":\"" + marker + "\"", quoted(place.name()) + ":" + fragment);
					}
				}
				case ADD_UNKNOWN_MEMBER -> {
					if (place.node() instanceof ObjectNode object) {
						object.put(marker, marker);
						raw.put("\"" + marker + "\":\"" + marker + "\"", "\"carnetFuzz\":" + fragment);
					}
				}
				case INSERT_INTO_ARRAY -> {
					if (place.node() instanceof ArrayNode array) {
						array.insert(Math.floorMod(mutation.what(), array.size() + 1), TextNode.valueOf(marker));
						raw.put("\"" + marker + "\"", fragment);
					}
				}
				case WRAP_IN_ARRAY -> {
					if (place.parent() != null) {
						place.set(JSON_TREE.createArrayNode().add(place.node().deepCopy()));
					}
				}
			}
		}
		String text = root.toString();
		for (Map.Entry<String, String> replacement : raw.entrySet()) {
			text = text.replace(replacement.getKey(), replacement.getValue());
		}
		return text;
	}

	/** A place in a JSON tree: a node, and where it hangs (member of an object, element of an array). */
	record Place(JsonNode parent, String name, int index, JsonNode node) {

		void set(JsonNode value) {
			if (parent instanceof ObjectNode object) {
				object.set(name, value);
			} else if (parent instanceof ArrayNode array) {
				array.set(index, value);
			}
		}

		void remove() {
			if (parent instanceof ObjectNode object) {
				object.remove(name);
			} else if (parent instanceof ArrayNode array) {
				array.remove(index);
			}
		}
	}

	private static void collect(JsonNode root, List<Place> places) {
		places.add(new Place(null, null, -1, root));
		collectChildren(root, places);
	}

	private static void collectChildren(JsonNode node, List<Place> places) {
		if (node instanceof ObjectNode object) {
			for (Iterator<Map.Entry<String, JsonNode>> members = object.fields(); members.hasNext(); ) {
				Map.Entry<String, JsonNode> member = members.next();
				places.add(new Place(object, member.getKey(), -1, member.getValue()));
				collectChildren(member.getValue(), places);
			}
		} else if (node instanceof ArrayNode array) {
			for (int i = 0; i < array.size(); i++) {
				places.add(new Place(array, null, i, array.get(i)));
				collectChildren(array.get(i), places);
			}
		}
	}

	private static String jsonFragment(int what, Plan plan) {
		int index = Math.floorMod(what, JSON_FRAGMENTS.size() + 1);
		return index == JSON_FRAGMENTS.size() ? jsonEscaped(plan.noise()) : JSON_FRAGMENTS.get(index);
	}

	/** XML mutations: attribute values replaced, elements removed, duplicated or added. */
	private static String mutatedXml(String xml, Plan plan, Random random) {
		String text = xml;
		for (Mutation mutation : plan.mutations()) {
			List<int[]> values = spans(VALUE_ATTRIBUTE, text);
			List<int[]> elements = spans(EMPTY_ELEMENT, text);
			String fragment = XML_FRAGMENTS.get(Math.floorMod(mutation.what(), XML_FRAGMENTS.size()));
			switch (mutation.kind()) {
				case REPLACE, INSERT_INTO_ARRAY -> {
					int[] value = values.get(Math.floorMod(mutation.where(), values.size()));
					text = text.substring(0, value[0]) + fragment + text.substring(value[1]);
				}
				case DELETE_MEMBER -> {
					int[] element = elements.get(Math.floorMod(mutation.where(), elements.size()));
					text = text.substring(0, element[0]) + text.substring(element[1]);
				}
				case DUPLICATE_MEMBER -> {
					int[] element = elements.get(Math.floorMod(mutation.where(), elements.size()));
					text = text.substring(0, element[1]) + text.substring(element[0], element[1]) + text.substring(element[1]);
				}
				case ADD_UNKNOWN_MEMBER, WRAP_IN_ARRAY -> {
					int[] element = elements.get(Math.floorMod(mutation.where(), elements.size()));
					text = text.substring(0, element[1]) + "<carnetFuzz value=\"" + fragment + "\"/>" + text.substring(element[1]);
				}
			}
		}
		return text;
	}

	private static final Pattern VALUE_ATTRIBUTE = Pattern.compile("(?<= value=\")[^\"]*(?=\")");
	private static final Pattern EMPTY_ELEMENT = Pattern.compile("<[A-Za-z]+ value=\"[^\"]*\"/>");

	private static List<int[]> spans(Pattern pattern, String text) {
		List<int[]> spans = new ArrayList<>();
		Matcher matcher = pattern.matcher(text);
		while (matcher.find()) {
			spans.add(new int[] {matcher.start(), matcher.end()});
		}
		return spans.isEmpty() ? List.of(new int[] {0, 0}) : spans;
	}

	// --- Headers ---

	private static boolean oddHeader(Plan plan, Map<String, String> headers, List<String> values, String name) {
		String value = values.get(plan.header() % values.size());
		if (value != null) {
			headers.put(name, value);
		}
		return value != null && !(name.equals("If-Match") && value.equals("W/\"1\""));
	}

	/** One case in eight sends an odd Content-Type (or none). */
	private static boolean oddContentType(Plan plan, Map<String, String> headers, String normal) {
		int pick = plan.parameters() % (CONTENT_TYPES.size() * 8);
		if (pick >= CONTENT_TYPES.size()) {
			headers.put("Content-Type", normal);
			return false;
		}
		if (CONTENT_TYPES.get(pick) != null) {
			headers.put("Content-Type", CONTENT_TYPES.get(pick));
		}
		return true;
	}

	/** Amends an Observation's status and gives it a value. */
	private static final String FHIRPATH_PATCH = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\","
			+ "\"part\":[{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Observation.status\"},"
			+ "{\"name\":\"value\",\"valueCode\":\"amended\"}]},{\"name\":\"operation\",\"part\":["
			+ "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Observation\"},"
			+ "{\"name\":\"name\",\"valueString\":\"valueQuantity\"},{\"name\":\"value\",\"valueQuantity\":"
			+ "{\"value\":5.4,\"unit\":\"mmol/L\"}}]}]}";

	// --- Nasty values ---

	private static final List<String> JSON_FRAGMENTS = List.of(
			"1e999999", "1e400", "-1e-400", "1e-999999", "0e999999", "123456789012345678901234567890", "99999999999",
			"-0", "1.50", "1E+17", "1e16", "12345678901234567.123456789012345678901234567890", "1e2147483648",
			"1" + "0".repeat(1200), "-2147483649", "0.0000000000000000000000000000001",
			"\"\\ud800\"", "\"a\\udc00b\"", "\"\\u0000\"", "\"x\\u0001y\"", "\"\\uffff\"", "\"\\ud83d\\ude00\"", "\"\\b\\f\"",
			"\"\"", "\" \"", "\"" + "x".repeat(200_000) + "\"", "\"" + "1".repeat(3_000) + "\"", "\"1e999999\"", "\"-1e400\"",
			"\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">\\u0000</div>\"",
			"\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><script>alert(1)</script></div>\"",
			"\"urn:uuid:not-a-uuid\"", "\"Patient?identifier=a%00\"", "\"Observation?value-quantity=1e400\"",
			"\"?identifier=x\"", "\"Patient?_count=-1\"", "\"#\"", "\"Patient/\"",
			"\"http://elsewhere.example/fhir/Patient/1\"", "\"%zz\"", "\"W/\\\"abc\\\"\"", "\"2026-13-45\"",
			"\"99999-01-01\"", "\"0000-01-01\"", "\"DELETE\"", "\"HEAD\"", "\"Patient/../../metadata\"",
			"null", "{}", "[]", "[null]", "[{}]", "[[]]", "true", "false", "{\"resourceType\":\"Patient\"}",
			"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}", "{\"resourceType\":\"Bogus\"}",
			"[" + String.join(",", Collections.nCopies(300, "{\"text\":\"x\"}")) + "]");

	private static final List<String> XML_FRAGMENTS = List.of(
			"1e999999", "1e400", "-1e-400", "123456789012345678901234567890", "&#xD800;", "&#x0;", "&#x1;", "&#xFFFF;",
			"1".repeat(3_000), "x".repeat(200_000), "", " ", "&lt;div&gt;", "&undefined;", "a]]&gt;b", "true", "-0",
			"99999-01-01", "urn:uuid:not-a-uuid", "Patient?identifier=a%00", "&#x1F600;");

	private static final List<String> SEARCH_NAMES = List.of(
			"code", "value-quantity", "date", "_id", "_sort", "_include", "_revinclude", "_count", "_offset", "_summary",
			"_elements", "_format", "_pretty", "_total", "_content", "_text", "subject", "subject:Patient", "identifier",
			"_has:Observation:patient:code", "value-quantity:missing", "component-code-value-quantity",
			"combo-value-quantity", "shoe-size", "_lastUpdated", "status", "performer.identifier", "_id:not", "code:text",
			"code:in", "_tag", "_profile", "_security", "_list", "_filter");

	private static final List<String> URL_VALUES = List.of(
			"1e400", "lt1e999999", "ge1e-400", "%00", "a%00b", "%zz", "%ud800", "%ED%A0%80", "%C0%80", "%7F",
			"1".repeat(5_000), "a,".repeat(1_200), "*", "text", "count", "-_lastUpdated,,", "Observation:subject",
			"a|b|c", "ge99999-01-01", "ge0000-01-01", "http://loinc.org|2339-0", "5.4|http://unitsofmeasure.org|mmol/L",
			"5.4||", "true", "-1", "2147483648", "%22", "%3Cscript%3E", "", "%2C%2C%2C", "code$1e400",
			"http://loinc.org|2339-0$lt1e999999", "Patient?identifier=a", "..%2F..%2Fmetadata", "%E9t%C3%A9");

	private static final List<String> RESULT_PARAMETERS = List.of(
			"_summary=text", "_summary=true", "_summary=data", "_summary=count", "_summary=false", "_summary=bogus",
			"_summary=text,data", "_narrative=only", "_elements=id", "_elements=,,,", "_elements=*.bogus",
			"_elements=text&_summary=text", "_format=xml", "_format=html", "_format=text/turtle", "_format=bogus",
			"_pretty=true", "_pretty=maybe", "_elements:exclude=identifier", "_total=accurate");

	private static final List<String> IF_MATCH = java.util.Arrays.asList(
			null, null, "W/\"1\"", "W/\"2\"", "\"1\"", "W/\"abc\"", "*", "garbage", "W/\"1\", W/\"2\"",
			"W/\"99999999999999999999\"", "W/\"\"", "W/\"-1\"");

	private static final List<String> IF_NONE_EXIST = java.util.Arrays.asList(
			null, null, null, "identifier=urn:carnet:test|absent", "identifier=a%00", "identifier=%zz",
			"value-quantity=1e400", "", "bogus-param=1", "_id=" + "a,".repeat(1_200));

	private static final List<String> READ_HEADER_NAMES = List.of("If-None-Match", "If-Modified-Since", "Accept", "Prefer");
	private static final List<List<String>> READ_HEADERS = List.of(
			java.util.Arrays.asList(null, "W/\"1\"", "*", "garbage", "W/\"abc\""),
			java.util.Arrays.asList(null, "Tue, 15 Nov 1994 08:12:31 GMT", "yesterday", "Mon, 99 Foo 0000 99:99:99 GMT"),
			java.util.Arrays.asList(null, XML, "text/html", "*/*", "application/fhir+turtle", "garbage/garbage;q=x"),
			java.util.Arrays.asList(null, "return=minimal", "return=bogus", "handling=strict", ";;;=,"));

	private static final List<String> CONTENT_TYPES = java.util.Arrays.asList(
			null, "application/json", "application/fhir+json; charset=utf-16", "text/plain", XML,
			"application/x-www-form-urlencoded", "application/json-patch+json");

	// --- Text ---

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** A JSON string holding {@code text} code unit for code unit: lone surrogates stay lone. */
	private static String jsonEscaped(String text) {
		StringBuilder json = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			json.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? String.valueOf(c) : String.format("\\u%04x", (int) c));
		}
		return json.append('"').toString();
	}

	/** A report that survives a terminal: control characters and lone surrogates written as escapes. */
	private static String printable(String text) {
		StringBuilder shown = new StringBuilder();
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean pairedSurrogate = Character.isHighSurrogate(c) && i + 1 < text.length()
					&& Character.isLowSurrogate(text.charAt(i + 1));
			if (pairedSurrogate) {
				shown.append(c).append(text.charAt(++i));
			} else if ((c < 0x20 && c != '\n') || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029' || c >= '\uFFF0') {
				shown.append(String.format("\\u%04x", (int) c));
			} else {
				shown.append(c);
			}
		}
		return shown.toString();
	}

	private static String quoted(String name) {
		return jsonEscaped(name);
	}

	private static String percentEncoded(String text) {
		return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
	}

	private static String abbreviated(String text, int length) {
		return text.length() <= length ? text : text.substring(0, length) + "… (" + text.length() + " characters)";
	}
}
