package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** {@code _content} (all text of a resource) and {@code _text} (its narrative) through Hibernate Search. */
class FullTextSearchTest extends CarnetServerTest {

	@Test
	void contentSearchFindsAWordInsideAResource() {
		String patient = "Patient/" + patientInOurCare();
		String id = fhirClient().create()
				.resource(Fixtures.communication("Le bilan thyroidien montre une hypokaliemie moderee", patient))
				.execute().getId().toUnqualifiedVersionless().getValue();

		Bundle found = fhirClient().search().byUrl("Communication?subject=" + patient + "&_content=hypokaliemie")
				.returnBundle(Bundle.class).execute();
		Bundle notFound = fhirClient().search().byUrl("Communication?subject=" + patient + "&_content=hyperglycemie")
				.returnBundle(Bundle.class).execute();

		assertThat(found.getEntry())
				.extracting(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue())
				.containsExactly(id);
		assertThat(notFound.getEntry())
				.extracting(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue())
				.doesNotContain(id);
	}

	@Test
	void textSearchFindsAWordOfTheNarrative() {
		Patient patient = Fixtures.insPatient();
		patient.getText().setStatus(Narrative.NarrativeStatus.GENERATED)
				.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">Patiente suivie a Zanzibar</div>");
		String id = "Patient/" + patientInOurCare(patient);
		String other = patientInOurCare();

		Bundle found = fhirClient().search().byUrl("Patient?_id=" + id.substring(8) + "," + other + "&_text=zanzibar")
				.returnBundle(Bundle.class).execute();

		assertThat(found.getEntry())
				.extracting(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue())
				.containsExactly(id);
	}

	@Test
	void contentSearchSeesAnUpdateAtOnce() {
		String patient = "Patient/" + patientInOurCare();
		Communication message = Fixtures.communication("premier message", patient);
		String id = fhirClient().create().resource(message).execute().getId().toUnqualifiedVersionless().getIdPart();
		message.setId(id);
		message.getPayloadFirstRep().setContent(new org.hl7.fhir.r4.model.StringType("message corrige: echographie"));
		fhirClient().update().resource(message).execute();

		Bundle found = fhirClient().search().byUrl("Communication?subject=" + patient + "&_content=echographie")
				.returnBundle(Bundle.class).execute();

		assertThat(found.getEntry()).extracting(entry -> entry.getResource().getIdElement().getIdPart())
				.containsExactly(id);
	}
}
