package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import org.carnetsante.support.Await;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.ProvideBundle;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * {@code _content} (all text of a resource) and {@code _text} (its narrative) through Hibernate Search.
 * A write does not wait for the index: what it wrote is found a moment later, within
 * {@link #SEARCHABLE_WITHIN} (the product promise is 1 s, measured by bench/documents.sh; the test allows
 * a loaded build machine more).
 */
class FullTextSearchTest extends CarnetServerTest {

	private static final Duration SEARCHABLE_WITHIN = Duration.ofSeconds(3);

	@Test
	void contentSearchFindsAWordInsideAResource() {
		String patient = "Patient/" + patientInOurCare();
		String id = fhirClient().create()
				.resource(Fixtures.communication("Le bilan thyroidien montre une hypokaliemie moderee", patient))
				.execute().getId().toUnqualifiedVersionless().getValue();

		Await.until("the message found by a word of its text", SEARCHABLE_WITHIN,
				() -> ids("Communication?subject=" + patient + "&_content=hypokaliemie").equals(List.of(id)));
		assertThat(ids("Communication?subject=" + patient + "&_content=hyperglycemie")).doesNotContain(id);
	}

	@Test
	void textSearchFindsAWordOfTheNarrative() {
		Patient patient = Fixtures.insPatient();
		patient.getText().setStatus(Narrative.NarrativeStatus.GENERATED)
				.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">Patiente suivie a Zanzibar</div>");
		String id = "Patient/" + patientInOurCare(patient);
		String other = patientInOurCare();

		Await.until("the patient found by a word of the narrative", SEARCHABLE_WITHIN,
				() -> ids("Patient?_id=" + id.substring(8) + "," + other + "&_text=zanzibar").equals(List.of(id)));
	}

	@Test
	void contentSearchSeesAnUpdate() {
		// Messages are never changed once sent (docs/messaging.md): a space's Patient is.
		org.hl7.fhir.r4.model.Patient patient = Fixtures.insPatient();
		patient.addAddress().setCity("Ploumanach");
		String id = "Patient/" + patientInOurCare(patient);
		org.hl7.fhir.r4.model.Patient stored = fhirClient().read().resource(org.hl7.fhir.r4.model.Patient.class).withId(id).execute();
		stored.getAddressFirstRep().setCity("Locquirec");
		fhirClient().update().resource(stored).execute();

		Await.until("the corrected address found", SEARCHABLE_WITHIN,
				() -> ids("Patient?_id=" + id.substring(8) + "&_content=locquirec").equals(List.of(id)));
		Await.until("the first address forgotten", SEARCHABLE_WITHIN,
				() -> ids("Patient?_id=" + id.substring(8) + "&_content=ploumanach").isEmpty());
	}

	/** A search made before the index saw a write is not replayed from HAPI's stored results afterwards. */
	@Test
	void aSearchBeforeTheIndexSawTheWriteIsNotReplayed() {
		String patient = "Patient/" + patientInOurCare();
		String search = "Communication?subject=" + patient + "&_content=scintigraphie";
		assertThat(ids(search)).isEmpty();
		String id = fhirClient().create().resource(Fixtures.communication("une scintigraphie osseuse", patient))
				.execute().getId().toUnqualifiedVersionless().getValue();

		Await.until("the new message found by the same search", SEARCHABLE_WITHIN, () -> ids(search).equals(List.of(id)));
	}

	@Test
	void onlyTheTypesUsersSearchAsTextAreIndexed() {
		String patient = patientInOurCare();
		Bundle pushed = fhirClient().transaction()
				.withBundle(ProvideBundle.of("Patient/" + patient, List.of(Fixtures.documentReference("Patient/" + patient))))
				.execute();
		java.util.Map<String, Long> stored = new java.util.HashMap<>();
		for (Bundle.BundleEntryComponent entry : pushed.getEntry()) {
			String[] location = entry.getResponse().getLocation().split("/");
			stored.put(location[0], Long.parseLong(location[1]));
		}
		long binary = stored.get("Binary");
		long submissionSet = stored.get("List");
		long document = stored.get("DocumentReference");

		// HAPI marks what it gave the full-text index; a type left out keeps its database-only mark.
		assertThat(indexStatus(binary)).isNotEqualTo(indexStatus(document));
		assertThat(indexStatus(submissionSet)).isEqualTo(indexStatus(binary));
		assertThat(indexStatus(Long.parseLong(patient))).isEqualTo(indexStatus(document));
		for (String search : List.of("Binary?_content=radiographie", "Observation?_content=radiographie",
				"Practitioner?_text=radiographie", "Binary?_content:missing=true")) {
			assertThatThrownBy(() -> ids(search)).as(search).isInstanceOf(InvalidRequestException.class)
					.hasMessageContaining("_content and _text are searched on Communication, DocumentReference, Patient only");
		}
	}

	private Long indexStatus(long resourceId) {
		return jdbc.queryForObject("SELECT sp_index_status FROM hfj_resource WHERE res_id = ?", Long.class, resourceId);
	}

	private List<String> ids(String search) {
		return fhirClient().search().byUrl(search).returnBundle(Bundle.class).execute().getEntry().stream()
				.map(entry -> entry.getResource().getIdElement().toUnqualifiedVersionless().getValue()).toList();
	}
}
