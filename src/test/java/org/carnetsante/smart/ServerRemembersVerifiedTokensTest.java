package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The server itself remembers a token it verified: its verifier answers Carnet's own caller
 * ({@link CallerAuthentication}), not Spring's JWT token, and that answer must be what gets remembered
 * (once it was not, and every request went through the whole RS256 verification).
 */
class ServerRemembersVerifiedTokensTest extends CarnetServerTest {

	@Autowired
	VerifiedTokens verifiedTokens;

	@Test
	void aTokenTheServerVerifiedIsRememberedAndStillAnswersAlike() {
		TestBackendClient hospital = TestBackendClient.registerRsa(clients, baseUrl(), List.of(ALL_SYSTEM_SCOPES));
		String token = hospital.accessToken(ALL_SYSTEM_SCOPES);
		String nir = Fixtures.randomNir();
		patientInOurCare(Fixtures.insPatient(nir, "Martin", "Claire"));
		long before = verifiedTokens.remembered();

		HttpResponse<String> first = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + nir)).header("Authorization", "Bearer " + token).build());
		long afterFirst = verifiedTokens.remembered();
		HttpResponse<String> second = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + nir)).header("Authorization", "Bearer " + token).build());

		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		assertThat(second.statusCode()).isEqualTo(first.statusCode());
		assertThat(second.body()).as("the remembered caller sees what the verified one saw").contains("\"total\":1", nir);
		assertThat(afterFirst).as("the new token is remembered").isEqualTo(before + 1);
		assertThat(verifiedTokens.remembered()).as("and found again, not added twice").isEqualTo(afterFirst);
	}
}
