package org.carnetsante.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every access-log entry can be stored, whatever the request it records; a shortened one says so. */
class AuditRecordBoundsTest {

	private static final AuditRecordBounds BOUNDS = new AuditRecordBounds(100, 3);

	static Stream<Arguments> texts() {
		return Stream.of(
				Arguments.of("plain text stays", "Dr Martin", "Dr Martin"),
				Arguments.of("a NUL, which PostgreSQL text refuses", "a\u0000b", "a\uFFFDb"),
				Arguments.of("a lone high surrogate", "x\uD800y", "x\uFFFDy"),
				Arguments.of("a lone low surrogate", "\uDC00", "\uFFFD"),
				Arguments.of("a high surrogate at the end", "z\uD83D", "z\uFFFD"),
				Arguments.of("a real pair stays", "😀 ok", "😀 ok"),
				Arguments.of("two highs then a low keep the pair", "\uD800\uD83D\uDE00", "\uFFFD😀"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("texts")
	void textIsMadeStorable(String what, String raw, String stored) {
		assertThat(AuditRecordBounds.storable(raw)).isEqualTo(stored);
	}

	@Test
	void anEntryWithinBoundsIsUnchanged() {
		AuditRecord record = record("123", List.of("DocumentReference/1"), "Patient?_id=123", null);

		assertThat(BOUNDS.bound(record)).isEqualTo(record);
	}

	@Test
	void whatIsTooLongIsCutAndTheEntrySaysSo() {
		String longQuery = "DocumentReference?patient=" + "x".repeat(5_000);
		List<String> resources = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			resources.add("DocumentReference/" + i);
		}

		AuditRecord bounded = BOUNDS.bound(record("p".repeat(300), resources, longQuery, "refused"));

		assertThat(bounded.patient()).hasSize(AuditRecordBounds.PATIENT_COLUMN);
		assertThat(bounded.query()).hasSize(100).startsWith("DocumentReference?patient=");
		assertThat(bounded.resources()).hasSize(3);
		assertThat(bounded.outcomeDescription()).startsWith("refused (entry shortened to be recorded: ")
				.contains("the patient id cut from 300 to 100 characters")
				.contains("the query cut from " + longQuery.length() + " to 100 characters")
				.contains("7 more resources not listed");
	}

	@Test
	void theColumnsTheLogIsSearchedByFit() {
		AuditRecord.Who who = new AuditRecord.Who("s", "Practitioner/" + "9".repeat(500), "n", null, null, null, null,
				"1".repeat(500), null);
		AuditRecord bounded = BOUNDS.bound(new AuditRecord("id", 0, "READ", null, List.of(), "0", null, "normal", null, who,
				null, null, null, null, null));

		assertThat(bounded.who().fhirUser()).hasSizeLessThanOrEqualTo(AuditRecordBounds.AGENT_COLUMN);
		assertThat(bounded.who().organization()).hasSizeLessThanOrEqualTo(AuditRecordBounds.AGENT_COLUMN);
		assertThat(bounded.outcomeDescription()).contains("the user reference cut").contains("the organization cut");
	}

	private static AuditRecord record(String patient, List<String> resources, String query, String description) {
		return new AuditRecord("id-1", 1L, "SEARCH_TYPE", patient, resources, "0", description, "normal", null, null,
				"client", "127.0.0.1", "http://localhost/fhir", "request-1", query);
	}
}
