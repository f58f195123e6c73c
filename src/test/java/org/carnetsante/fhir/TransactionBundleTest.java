package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestBackendClient;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Transaction Bundles: all entries stored together with their references resolved, or none. */
class TransactionBundleTest extends CarnetServerTest {

	@Test
	void transactionStoresEveryEntryAndResolvesTemporaryReferences() {
		Patient patient = Fixtures.insPatient();
		String patientUuid = "urn:uuid:" + java.util.UUID.randomUUID();
		DocumentReference document = Fixtures.documentReference(patientUuid);
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl(patientUuid).setResource(patient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().setResource(document)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		transaction.addEntry().setResource(Fixtures.careTeam(patientUuid, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
		transaction.addEntry().setResource(Fixtures.communication("Votre compte rendu est disponible")
						.setSubject(new Reference(patientUuid)).addRecipient(new Reference(patientUuid)))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Communication");

		Bundle response = fhirClient().transaction().withBundle(transaction).execute();

		assertThat(response.getType()).isEqualTo(Bundle.BundleType.TRANSACTIONRESPONSE);
		assertThat(response.getEntry()).hasSize(4)
				.allSatisfy(entry -> assertThat(entry.getResponse().getStatus()).startsWith("201"));
		String patientId = response.getEntry().get(0).getResponse().getLocation().replaceFirst("/_history/.*", "");
		String documentId = response.getEntry().get(1).getResponse().getLocation().replaceFirst("/_history/.*", "");
		DocumentReference stored = fhirClient().read().resource(DocumentReference.class).withId(documentId).execute();
		assertThat(stored.getSubject().getReference()).isEqualTo(patientId);
	}

	@Test
	void transactionWithOneInvalidEntryStoresNothing() {
		Patient invalidPatient = Fixtures.insPatient();
		invalidPatient.setBirthDate(null);
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setResource(Fixtures.communication("first entry would be fine", "Patient/" + patientInOurCare()))
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Communication");
		transaction.addEntry().setResource(invalidPatient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		long before = storedResourceVersions();

		assertThatThrownBy(() -> fhirClient().transaction().withBundle(transaction).execute())
				.isInstanceOf(UnprocessableEntityException.class)
				.hasMessageContaining("Patient.birthDate");
		assertThat(storedResourceVersions()).isEqualTo(before);
	}
}
