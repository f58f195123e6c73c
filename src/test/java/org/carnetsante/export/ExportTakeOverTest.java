package org.carnetsante.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Two nodes and one export, on the embedded database: only one node wins a claim; a node that stops
 * saying it is alive loses its export to the other, learns it at its next write, and can no longer
 * complete or fail it; a cancelled export is gone for both.
 */
class ExportTakeOverTest {

	private final ExportJobs jobs = new ExportJobs(new DriverManagerDataSource(
			"jdbc:h2:mem:export-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", ""));
	private final Instant start = Instant.parse("2026-12-01T10:00:00Z");
	private final Duration takeOverAfter = Duration.ofSeconds(30);

	@Test
	void aSilentNodesExportIsTakenOverAndTheSilentNodeCanNoLongerFinishIt() {
		jobs.create("job-1", "client", "subject", "{}", "{}", "http://x/fhir/$export", start);

		assertThat(jobs.claim("node-a", start, start.minus(takeOverAfter))).isPresent();
		assertThat(jobs.claim("node-b", start, start.minus(takeOverAfter))).as("claimed and alive").isEmpty();
		assertThat(jobs.progress("job-1", "node-a", start.plusSeconds(10), 5, 1, 10)).isTrue();

		Instant later = start.plusSeconds(50); // node-a said nothing for 40 s
		var takenOver = jobs.claim("node-b", later, later.minus(takeOverAfter));
		assertThat(takenOver).isPresent();
		assertThat(takenOver.get().attempts()).isEqualTo(2);
		assertThat(jobs.progress("job-1", "node-a", later, 5, 2, 20)).as("node-a lost it").isFalse();
		assertThat(jobs.complete("job-1", "node-a", later, later, later.plusSeconds(3600), 20)).isFalse();
		jobs.fail("job-1", "node-a", "node-a's failure", later, later.plusSeconds(3600));
		assertThat(jobs.find("job-1").orElseThrow().state()).isEqualTo(ExportJobs.State.RUNNING);

		assertThat(jobs.complete("job-1", "node-b", later, later.plusSeconds(1), later.plusSeconds(3600), 20)).isTrue();
		assertThat(jobs.find("job-1").orElseThrow().state()).isEqualTo(ExportJobs.State.COMPLETED);
		assertThat(jobs.claim("node-a", later.plusSeconds(100), later.plusSeconds(70))).as("completed: nobody takes it").isEmpty();
	}

	@Test
	void aCancelledExportIsGoneWithItsFilesAndItsNodeLearnsIt() {
		jobs.create("job-2", "client", "subject", "{}", "{}", "http://x/fhir/$export", start);
		jobs.claim("node-a", start, start.minus(takeOverAfter)).orElseThrow();
		jobs.addChunk("job-2", 1, 0, "{}\n".getBytes());
		jobs.addFile("job-2", new ExportJobs.ExportFile(1, "output", "Patient", 1, 3));

		assertThat(jobs.delete("job-2")).isTrue();
		assertThat(jobs.find("job-2")).isEmpty();
		assertThat(jobs.files("job-2")).isEmpty();
		assertThat(jobs.progress("job-2", "node-a", start.plusSeconds(1), 1, 1, 1)).isFalse();
		assertThat(jobs.delete("job-2")).isFalse();
	}

	@Test
	void anExportIsPurgedOnceExpiredAndFilesWithoutAnExportToo() {
		jobs.create("job-3", "client", "subject", "{}", "{}", "http://x/fhir/$export", start);
		jobs.claim("node-a", start, start.minus(takeOverAfter)).orElseThrow();
		jobs.complete("job-3", "node-a", start, start, start.plusSeconds(3600), 0);
		jobs.addFile("orphan", new ExportJobs.ExportFile(1, "output", "Patient", 1, 3));

		assertThat(jobs.expired(start.plusSeconds(10))).containsExactly("orphan");
		assertThat(jobs.expired(start.plusSeconds(3601))).containsExactlyInAnyOrder("job-3", "orphan");
	}
}
