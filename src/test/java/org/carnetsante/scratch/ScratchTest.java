package org.carnetsante.scratch;

import java.net.URI;
import java.net.http.HttpRequest;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.TestSpace;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class ScratchTest extends CarnetServerTest {
	@Autowired UserAccounts accounts;
	@Test
	void probe() {
		TestSpace space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		String token = space.patientToken();
		String hidden = space.id(TestSpace.Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT);
		String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\",\"url\":\"" + hidden + "\"}}]}";
		var r = send(HttpRequest.newBuilder(URI.create(fhirBase())).header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(batch)).build());
		System.out.println("SCRATCH batch " + r.statusCode() + " " + r.body());
		var h = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + space.id(TestSpace.Item.CONSULTATION) + "/_history")).header("Authorization", "Bearer " + token).GET().build());
		System.out.println("SCRATCH history " + h.statusCode() + " " + h.body());
		var b = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + space.id(TestSpace.Item.CONSULTATION_BYTES))).header("Authorization", "Bearer " + token).GET().build());
		System.out.println("SCRATCH binary " + b.statusCode() + " " + b.body());
		System.out.println("SCRATCH binary stored " + jdbc.queryForList("SELECT res_text_vc FROM hfj_res_ver WHERE res_type = 'Binary'"));
	}
}
