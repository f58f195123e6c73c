package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Create, read, update, history, version read, conditional create and delete over real HTTP. */
class ResourceLifecycleTest extends CarnetServerTest {

	/**
	 * One resource type under test: how to build one (given a stored patient's reference), the
	 * search that finds exactly it (for conditional create), and a change to make on update.
	 */
	record LifecycleCase(
			String type,
			Function<String, Resource> build,
			Function<Resource, String> matchingSearch,
			Consumer<Resource> change) {

		@Override
		public String toString() {
			return type;
		}
	}

	static Stream<LifecycleCase> resourceTypes() {
		return Stream.of(
				new LifecycleCase(
						"Patient",
						patient -> Fixtures.insPatient(),
						resource -> "identifier=" + token(((Patient) resource).getIdentifierFirstRep()),
						resource -> ((Patient) resource).addTelecom()
								.setSystem(ContactPoint.ContactPointSystem.EMAIL)
								.setValue("claire.martin@example.org")),
				new LifecycleCase(
						"DocumentReference",
						Fixtures::documentReference,
						resource -> "identifier=" + token(((DocumentReference) resource).getIdentifierFirstRep()),
						// PDSm: a stored document's metadata changes only in status, securityLabel and the archived flag.
						resource -> ((DocumentReference) resource).addSecurityLabel(new org.hl7.fhir.r4.model.CodeableConcept(
								new org.hl7.fhir.r4.model.Coding(org.carnetsante.support.TestSpace.LABELS, "INVISIBLE_REPRESENTANTS_LEGAUX", null)))),
				// Messages are never changed once sent (docs/messaging.md): the lifecycle runs on an appointment,
				// which whoever booked it changes and deletes.
				new LifecycleCase(
						"Appointment",
						Fixtures::appointment,
						resource -> "identifier=" + token(((org.hl7.fhir.r4.model.Appointment) resource).getIdentifierFirstRep()),
						resource -> ((org.hl7.fhir.r4.model.Appointment) resource).setComment("rescheduled by phone")));
	}

	/**
	 * FHIR writes token parameters as {@code system|value}; many clients send the pipe unescaped,
	 * which Java's own HTTP client refuses to do, hence the raw socket.
	 */
	@org.junit.jupiter.api.Test
	void aSearchWithAnUnescapedPipeIsUnderstood() throws java.io.IOException {
		Patient patient = Fixtures.insPatient();
		patientInOurCare(patient.copy());
		String target = "/fhir/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "|" + patient.getIdentifierFirstRep().getValue();

		String answer;
		try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
			var out = socket.getOutputStream();
			out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: application/fhir+json\r\n"
					+ "Authorization: Bearer " + token() + "\r\nConnection: close\r\n\r\n")
					.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			out.flush();
			answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		}

		assertThat(answer).startsWith("HTTP/1.1 200 ").contains("\"total\":1").contains(patient.getIdentifierFirstRep().getValue());
	}

	private static String token(Identifier identifier) {
		return identifier.getSystem() + "|" + identifier.getValue();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("resourceTypes")
	void resourceGoesThroughItsWholeLifecycle(LifecycleCase lifecycle) {
		IGenericClient client = fhirClient();
		String patientReference = "Patient/" + patientInOurCare();
		Resource resource = lifecycle.build().apply(patientReference);

		MethodOutcome created = client.create().resource(resource).execute();
		assertThat(created.getCreated()).isTrue();
		IIdType id = created.getId().toUnqualifiedVersionless();
		if ("Patient".equals(lifecycle.type())) {
			takeIntoOurCare(id.getIdPart()); // a new space: the hospital reads it once in its care team
		}
		assertThat(id.getResourceType()).isEqualTo(lifecycle.type());
		assertThat(created.getId().getVersionIdPart()).isEqualTo("1");

		Resource read = (Resource) client.read().resource(lifecycle.type()).withId(id.getIdPart()).execute();
		assertThat(read.getMeta().getVersionId()).isEqualTo("1");
		assertThat(lifecycle.matchingSearch().apply(read)).isEqualTo(lifecycle.matchingSearch().apply(resource));

		Resource changed = read.copy();
		lifecycle.change().accept(changed);
		MethodOutcome updated = client.update().resource(changed).execute();
		assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");

		Bundle instanceHistory = client.history().onInstance(id).returnBundle(Bundle.class).execute();
		assertThat(instanceHistory.getEntry())
				.extracting(entry -> entry.getResource().getMeta().getVersionId())
				.containsExactly("2", "1");
		Resource firstVersion = (Resource) client.read().resource(lifecycle.type())
				.withIdAndVersion(id.getIdPart(), "1").execute();
		assertThat(firstVersion.getMeta().getVersionId()).isEqualTo("1");

		assertThatThrownBy(() -> client.history().onType(lifecycle.type()).returnBundle(Bundle.class).count(200).execute())
				.as("the history of a whole type is not served")
				.isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class)
				.hasMessageContaining("History is served for one resource at a time");

		String conditional = lifecycle.type() + "?" + lifecycle.matchingSearch().apply(resource);
		long before = storedResourceVersions();
		assertThatThrownBy(() -> client.create().resource(resource).conditionalByUrl(conditional).execute())
				.as("a conditional create of patient data would tell the id it matched")
				.isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class)
				.hasMessageContaining("Conditional create is served for directory data only");
		assertThat(storedResourceVersions()).isEqualTo(before);

		if ("Patient".equals(lifecycle.type())) {
			assertThatThrownBy(() -> client.delete().resourceById(id).execute())
					.as("a space is closed by its patient, not deleted by a hospital")
					.isInstanceOf(ForbiddenOperationException.class);
			return;
		}
		client.delete().resourceById(id).execute();
		assertThatThrownBy(() -> client.read().resource(lifecycle.type()).withId(id.getIdPart()).execute())
				.isInstanceOf(ResourceGoneException.class);
	}
}
