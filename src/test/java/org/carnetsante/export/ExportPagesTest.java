package org.carnetsante.export;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.model.dao.JpaPid;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How row keys are cut into pages by their stored sizes (the database query is tested in BulkExportTest). */
class ExportPagesTest {

	private static final JpaPid ONE = JpaPid.fromId(1L);
	private static final JpaPid TWO = JpaPid.fromId(2L);
	private static final JpaPid THREE = JpaPid.fromId(3L);
	private static final JpaPid FOUR = JpaPid.fromId(4L);

	@Test
	void aPageClosesBeforeItWouldPassTheByteBound() {
		Map<Long, Long> sizes = Map.of(1L, 40L, 2L, 60L, 3L, 1L, 4L, 99L);
		assertThat(ExportPages.cut(List.of(ONE, TWO, THREE, FOUR), sizes, 100))
				.containsExactly(List.of(ONE, TWO), List.of(THREE, FOUR));
	}

	@Test
	void aResourceLargerThanTheBoundOrOfUnknownSizeIsAPageOfItsOwn() {
		Map<Long, Long> sizes = Map.of(1L, 10L, 2L, 5_000_000L, 4L, 10L);
		assertThat(ExportPages.cut(List.of(ONE, TWO, THREE, FOUR), sizes, 100))
				.containsExactly(List.of(ONE), List.of(TWO), List.of(THREE), List.of(FOUR));
	}

	@Test
	void smallResourcesShareOnePage() {
		Map<Long, Long> sizes = Map.of(1L, 10L, 2L, 10L, 3L, 10L, 4L, 10L);
		assertThat(ExportPages.cut(List.of(ONE, TWO, THREE, FOUR), sizes, 100)).containsExactly(List.of(ONE, TWO, THREE, FOUR));
		assertThat(ExportPages.cut(List.of(), sizes, 100)).isEmpty();
	}
}
