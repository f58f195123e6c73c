package org.carnetsante.space;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.Await;
import org.carnetsante.support.CarnetProcess;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.TestPostgres;
import org.carnetsante.support.TestSpace;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A delegate's rights and their revocation on two server instances sharing one PostgreSQL database: the
 * patient revokes the delegation on one node, and the delegate's token, still valid, is refused on the other
 * at once (the space's rules are evicted from every node's cache by the database's notification).
 */
class DelegationAcrossNodesTest extends CarnetServerTest {

	private static final Duration START = Duration.ofMinutes(4);

	@Autowired
	UserAccounts accounts;

	@Test
	void aDelegatesRightsHoldOnEveryNodeAndTheirRevocationTooAtOnce() throws Exception {
		TestSpace space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		String delegate = space.delegateToken();
		Path dataDir = Files.createTempDirectory("carnet-second-node-");
		try (CarnetProcess other = CarnetProcess.startSecondNode(TestPostgres.jdbcUrl(), baseUrl(), dataDir, START)) {
			String document = space.id(TestSpace.Item.CONSULTATION);
			// The delegation's rights, on the other node: read the documents…
			assertThat(get(other.baseUrl(), document, delegate).statusCode()).isEqualTo(200);
			// …not the Consents nor the access log (the patient's own), and write nothing.
			assertThat(get(other.baseUrl(), "Consent?patient=" + space.id(TestSpace.Item.PATIENT), delegate).statusCode()).isEqualTo(403);
			HttpResponse<String> write = send(HttpRequest.newBuilder(URI.create(other.baseUrl() + "/fhir/Observation"))
					.header("Authorization", "Bearer " + delegate).header("Content-Type", "application/fhir+json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"poids\"},"
							+ "\"subject\":{\"reference\":\"" + space.id(TestSpace.Item.PATIENT) + "\"}}")).build());
			assertThat(write.statusCode()).isBetween(400, 499);

			// The patient revokes the delegation on this node…
			IGenericClient patient = FHIR.newRestfulGenericClient(fhirBase());
			patient.registerInterceptor(new BearerTokenAuthInterceptor(space.patientToken()));
			Bundle consents = patient.search().forResource(Consent.class).where(Consent.PATIENT.hasId(space.id(TestSpace.Item.PATIENT)))
					.returnBundle(Bundle.class).execute();
			Consent delegation = consents.getEntry().stream().map(entry -> (Consent) entry.getResource())
					.filter(consent -> consent.getProvision().getActor().stream()
							.anyMatch(actor -> space.delegateRelatedPerson.equals(actor.getReference().getReference())))
					.findFirst().orElseThrow();
			delegation.setStatus(Consent.ConsentState.INACTIVE);
			patient.update().resource(delegation).execute();

			// …and the other node refuses the delegate's token at once: the document is as absent as any.
			Await.until("the other node to refuse the revoked delegate", Duration.ofSeconds(2),
					() -> get(other.baseUrl(), document, delegate).statusCode() == 404);
			assertThat(get(baseUrl(), document, delegate).statusCode()).isEqualTo(404);
			// The patient still reads it on both.
			assertThat(get(other.baseUrl(), document, space.patientToken()).statusCode()).isEqualTo(200);
		} finally {
			org.springframework.util.FileSystemUtils.deleteRecursively(dataDir);
		}
	}

	private HttpResponse<String> get(String base, String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(base + "/fhir/" + path)).header("Authorization", "Bearer " + token).GET().build());
	}
}
