package org.carnetsante.examples.quickstart;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;

/**
 * Carnet's quickstart for practitioner software: the six things a document-producing system does with
 * the national health space, each printed as it runs, against a running server (the demo profile's by
 * default). It exits 0 only when every step behaved as expected, so it doubles as a test:
 * <ol>
 *   <li>a SMART Backend Services access token ({@link BackendServicesToken});</li>
 *   <li>ITI-65: push a provide bundle ({@link ProvideBundles}) into the patient's space;</li>
 *   <li>ITI-67: find it by the patient's INS, status and type;</li>
 *   <li>ITI-68: fetch its bytes from {@code attachment.url} and compare them with what was pushed;</li>
 *   <li>replace it (ITI-65 with {@code relatesTo.code = replaces}): the old one becomes {@code superseded};</li>
 *   <li>read the OperationOutcome of four refusals (a hash that does not match the bytes, a search without
 *       a status, an INS that names no space the client may write to, a write with a read-only token), as
 *       client code should ({@link OperationOutcomes}).</li>
 * </ol>
 */
public final class Quickstart {

	private static final int STEPS = 6;
	private static final String PDF = "application/pdf";
	private static final String LAB_REPORT = "11502-2";
	/** A NIR no demo space carries. */
	private static final String UNKNOWN_NIR = "100000000000000";

	private final QuickstartSettings settings;
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
	private final FhirContext fhir = FhirContext.forR4();
	private IGenericClient client;
	private String accessToken;

	private Quickstart(QuickstartSettings settings) {
		this.settings = settings;
	}

	public static void main(String[] args) {
		QuickstartSettings settings = QuickstartSettings.from(args, System.getenv());
		System.out.println("Carnet quickstart (Java) against " + settings.fhirBase() + ", patient " + settings.patientIns());
		try {
			new Quickstart(settings).run();
			System.out.println("All " + STEPS + " steps behaved as expected.");
		} catch (ExpectationFailed failure) {
			System.out.println("FAILED: " + failure.getMessage());
			System.exit(1);
		} catch (java.net.ConnectException | FhirClientConnectionException unreachable) {
			System.out.println("FAILED: cannot reach " + settings.serverUrl() + " (is the server running?): " + unreachable);
			System.exit(1);
		} catch (BaseServerResponseException unexpected) {
			System.out.println("FAILED: the server refused a request that should have succeeded: "
					+ OperationOutcomes.describe(unexpected));
			System.exit(1);
		} catch (Exception unexpected) {
			System.out.println("FAILED: " + unexpected);
			unexpected.printStackTrace(System.out);
			System.exit(2);
		}
	}

	static void expect(boolean condition, String otherwise) {
		if (!condition) {
			throw new ExpectationFailed(otherwise);
		}
	}

	private void run() throws Exception {
		ClientKey key = ClientKey.load(settings.keyFile());
		step(1, "SMART Backend Services: an access token for " + settings.clientId());
		client = fhirClient(token(key));
		step(2, "ITI-65: push a provide bundle (SubmissionSet + DocumentReference + Binary)");
		byte[] report = pdf("Bilan sanguin - quickstart");
		String firstId = push(ProvideBundles.of(settings, ProvideBundles.byIns(settings), labReport(report, "Bilan sanguin"), null));
		step(3, "ITI-67: find it by the patient's INS, status=current and type=LOINC " + LAB_REPORT);
		DocumentReference found = findPushed(firstId);
		step(4, "ITI-68: fetch the bytes at attachment.url with Accept: " + PDF);
		fetchBytes(found, report);
		step(5, "Replace it: a new version with relatesTo.code=replaces -> " + firstId);
		replace(found, firstId);
		step(6, "Refusals: read the OperationOutcome");
		refusals(key);
	}

	private String token(ClientKey key) throws Exception {
		BackendServicesToken.Granted granted = new BackendServicesToken(http)
				.obtain(settings.fhirBase(), key, settings.clientId(), settings.keyId(), settings.scope());
		System.out.println("    token endpoint (from .well-known/smart-configuration): " + granted.tokenEndpoint());
		System.out.println("    assertion signed " + key.algorithm() + " with kid " + settings.keyId()
				+ "; granted '" + granted.scope() + "' for " + granted.expiresInSeconds() + " s");
		expect(granted.accessToken() != null && !granted.accessToken().isBlank(), "no access_token in the token response");
		accessToken = granted.accessToken();
		return accessToken;
	}

	private DocumentReference findPushed(String documentId) {
		List<DocumentReference> current = find(DocumentReferenceStatus.CURRENT);
		System.out.println("    " + current.size() + " current lab report(s) the hospital may see in this space");
		DocumentReference found = current.stream().filter(document -> idOf(document).equals(documentId)).findFirst()
				.orElseThrow(() -> new ExpectationFailed(documentId + " is not among the current documents found"));
		System.out.println("    found " + documentId + ": attachment.url=" + found.getContentFirstRep().getAttachment().getUrl()
				+ ", contentType=" + found.getContentFirstRep().getAttachment().getContentType());
		return found;
	}

	/** ITI-68 is plain HTTP: the raw bytes come back only with the document's MIME type in Accept. */
	private void fetchBytes(DocumentReference found, byte[] pushed) throws Exception {
		String url = found.getContentFirstRep().getAttachment().getUrl();
		HttpResponse<byte[]> bytes = http.send(HttpRequest.newBuilder(absolute(url))
				.header("Authorization", "Bearer " + accessToken)
				.header("Accept", PDF).build(), HttpResponse.BodyHandlers.ofByteArray());
		expect(bytes.statusCode() == 200, "GET " + url + " answered " + bytes.statusCode());
		String contentType = bytes.headers().firstValue("Content-Type").orElse("");
		System.out.println("    HTTP 200, Content-Type " + contentType + ", " + bytes.body().length + " bytes");
		expect(contentType.startsWith(PDF), "the bytes came back as " + contentType + ", not " + PDF);
		expect(Arrays.equals(bytes.body(), pushed), "the bytes fetched differ from the bytes pushed");
		expect(Arrays.equals(ProvideBundles.sha1(bytes.body()), found.getContentFirstRep().getAttachment().getHash()),
				"the bytes do not match the document's attachment.hash");
		System.out.println("    identical to the bytes pushed (SHA-1 " + Base64.getEncoder().encodeToString(ProvideBundles.sha1(pushed)) + ")");
	}

	private void replace(DocumentReference found, String firstId) {
		// The replacement names the patient as the stored document does (Patient/id, from the ITI-67 result):
		// Carnet compares the two subjects before it resolves a conditional reference, so an INS reference
		// here is refused (422 "a document replaces only a document of the same patient").
		String subject = found.getSubject().getReference();
		System.out.println("    subject as stored: " + subject);
		String secondId = push(ProvideBundles.of(settings, subject,
				labReport(pdf("Bilan sanguin - quickstart, corrige"), "Bilan sanguin (corrige)"), firstId));
		DocumentReference old = client.read().resource(DocumentReference.class).withId(firstId).execute();
		System.out.println("    " + firstId + " is now " + old.getStatus().toCode());
		expect(old.getStatus() == DocumentReferenceStatus.SUPERSEDED, firstId + " is " + old.getStatus() + ", not superseded");
		List<String> currentIds = find(DocumentReferenceStatus.CURRENT).stream().map(Quickstart::idOf).toList();
		expect(currentIds.contains(secondId) && !currentIds.contains(firstId),
				"status=current should list " + secondId + " and not " + firstId + ": " + currentIds);
		expect(find(DocumentReferenceStatus.SUPERSEDED).stream().map(Quickstart::idOf).anyMatch(firstId::equals),
				"status=superseded does not list " + firstId);
		System.out.println("    status=current lists " + secondId + " (not " + firstId + "); status=superseded lists " + firstId);
	}

	private void refusals(ClientKey key) throws Exception {
		System.out.println("    a) a provide bundle whose attachment.hash is not the SHA-1 of its bytes:");
		ProvideBundles.ProvideBundle broken = ProvideBundles.of(settings, ProvideBundles.byIns(settings),
				labReport(pdf("Bilan sanguin - empreinte fausse"), "Bilan sanguin"), null);
		ProvideBundles.documentOf(broken.bundle()).getContentFirstRep().getAttachment()
				.setHash(ProvideBundles.sha1("other bytes".getBytes(StandardCharsets.UTF_8)));
		OperationOutcome hashRefused = refusal(UnprocessableEntityException.class, 422,
				() -> client.transaction().withBundle(broken.bundle()).execute());
		expect(OperationOutcomes.expressionsOf(hashRefused).contains("DocumentReference.content[0].attachment.hash"),
				"the 422 should name DocumentReference.content[0].attachment.hash");
		Bundle leftOver = client.search().forResource(DocumentReference.class)
				.where(DocumentReference.PATIENT.hasChainedProperty(
						Patient.IDENTIFIER.exactly().systemAndIdentifier(settings.patientSystem(), settings.patientValue())))
				.and(DocumentReference.STATUS.exactly().code("current"))
				.and(DocumentReference.IDENTIFIER.exactly().systemAndIdentifier("urn:ietf:rfc:3986", broken.uniqueId()))
				.returnBundle(Bundle.class).execute();
		expect(leftOver.getEntry().isEmpty(), "a refused bundle left a document behind");
		System.out.println("      nothing of that bundle was stored (the transaction is all or nothing)");

		System.out.println("    b) an ITI-67 search without the status parameter:");
		OperationOutcome statusRequired = refusal(InvalidRequestException.class, 400,
				() -> client.search().forResource(DocumentReference.class)
						.where(DocumentReference.PATIENT.hasChainedProperty(
								Patient.IDENTIFIER.exactly().systemAndIdentifier(settings.patientSystem(), settings.patientValue())))
						.returnBundle(Bundle.class).execute());
		expect(OperationOutcomes.expressionsOf(statusRequired).contains("status"), "the 400 should name the status parameter");

		System.out.println("    c) a push to an INS that names no space this client may write to:");
		String unknownIns = "Patient?identifier=" + settings.patientSystem() + "|" + UNKNOWN_NIR;
		Bundle nowhere = ProvideBundles.of(settings, unknownIns, labReport(pdf("Bilan sanguin - patient inconnu"), "Bilan sanguin"), null)
				.bundle();
		refusal(ResourceNotFoundException.class, 404, () -> client.transaction().withBundle(nowhere).execute());
		System.out.println("      (an unknown INS, a closed space and a patient who blocked this sender get this same answer)");

		System.out.println("    d) the same push with a read-only token (scope system/*.rs):");
		IGenericClient reader = fhirClient(new BackendServicesToken(http)
				.obtain(settings.fhirBase(), key, settings.clientId(), settings.keyId(), "system/*.rs").accessToken());
		Bundle readOnlyPush = ProvideBundles.of(settings, ProvideBundles.byIns(settings),
				labReport(pdf("Bilan sanguin - lecture seule"), "Bilan sanguin"), null).bundle();
		refusal(ForbiddenOperationException.class, 403, () -> reader.transaction().withBundle(readOnlyPush).execute());
	}

	private static ProvideBundles.Document labReport(byte[] bytes, String title) {
		return new ProvideBundles.Document(bytes, PDF, title, LAB_REPORT, "CR d'examens biologiques");
	}

	/** Sends a provide bundle; every entry must be created (201); answers the document's id. */
	private String push(ProvideBundles.ProvideBundle provide) {
		Bundle response = client.transaction().withBundle(provide.bundle()).execute();
		expect(response.getType() == Bundle.BundleType.TRANSACTIONRESPONSE, "not a transaction-response: " + response.getType());
		String documentId = null;
		for (Bundle.BundleEntryComponent entry : response.getEntry()) {
			String location = entry.getResponse().getLocation();
			System.out.println("    " + entry.getResponse().getStatus() + "  " + location);
			expect(entry.getResponse().getStatus().startsWith("201"), "an entry was not created: " + entry.getResponse().getStatus());
			IdType id = new IdType(location);
			if ("DocumentReference".equals(id.getResourceType())) {
				documentId = id.toUnqualifiedVersionless().getValue();
			}
		}
		expect(documentId != null, "the transaction-response names no DocumentReference");
		System.out.println("    stored " + documentId + " (uniqueId " + provide.uniqueId() + ")");
		return documentId;
	}

	/** ITI-67 for the patient, by INS, with a status and the lab report type; every page. */
	private List<DocumentReference> find(DocumentReferenceStatus status) {
		Bundle page = client.search().forResource(DocumentReference.class)
				.where(DocumentReference.PATIENT.hasChainedProperty(
						Patient.IDENTIFIER.exactly().systemAndIdentifier(settings.patientSystem(), settings.patientValue())))
				.and(DocumentReference.STATUS.exactly().code(status.toCode()))
				.and(DocumentReference.TYPE.exactly().systemAndCode(ProvideBundles.LOINC, LAB_REPORT))
				.returnBundle(Bundle.class).execute();
		List<DocumentReference> documents = new ArrayList<>();
		while (true) {
			page.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
					.filter(DocumentReference.class::isInstance).map(DocumentReference.class::cast).forEach(documents::add);
			if (page.getLink(Bundle.LINK_NEXT) == null) {
				return documents;
			}
			page = client.loadPage().next(page).execute();
		}
	}

	/** Runs a request that must be refused with this exception and status, and prints its OperationOutcome. */
	private static OperationOutcome refusal(Class<? extends BaseServerResponseException> expected, int status, Runnable request) {
		try {
			request.run();
		} catch (BaseServerResponseException refused) {
			System.out.println("      " + OperationOutcomes.describe(refused).replace("\n", "\n  "));
			expect(expected.isInstance(refused) && refused.getStatusCode() == status,
					"expected HTTP " + status + ", got " + refused.getStatusCode());
			return OperationOutcomes.of(refused);
		}
		throw new ExpectationFailed("the request was accepted; expected HTTP " + status);
	}

	private IGenericClient fhirClient(String token) {
		// No capability statement fetch before the first request: one round trip less, and /fhir/metadata
		// is the only unauthenticated FHIR URL anyway.
		fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		IGenericClient generic = fhir.newRestfulGenericClient(settings.fhirBase().toString());
		generic.setEncoding(EncodingEnum.JSON);
		generic.registerInterceptor(new BearerTokenAuthInterceptor(token));
		return generic;
	}

	/** attachment.url is relative to the FHIR base ({@code Binary/123}) or absolute. */
	private URI absolute(String url) {
		return url.startsWith("http://") || url.startsWith("https://") ? URI.create(url) : URI.create(settings.fhirBase() + "/" + url);
	}

	private static String idOf(DocumentReference document) {
		return document.getIdElement().toUnqualifiedVersionless().getResourceType() + "/" + document.getIdElement().getIdPart();
	}

	/** A small, well-formed PDF naming the report: the bytes of the demo documents. */
	private static byte[] pdf(String text) {
		return ("%PDF-1.4\n% " + text + "\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
				.getBytes(StandardCharsets.US_ASCII);
	}

	private static void step(int number, String title) {
		System.out.println();
		System.out.println("[" + number + "/" + STEPS + "] " + title);
	}
}
