package org.carnetsante.space;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Provisions spaces from an insured registry file (docs/space.md): reads it line by line, refuses bad
 * lines with their number and reason, and commits every {@code batchSize} lines the registry rows, their
 * information notices and the run's checkpoint together, so that a run interrupted anywhere resumes after
 * its last commit and never applies a line twice. The same file run again finds every line unchanged.
 */
public class Provisioning {

	/** Told after each committed batch (the command's progress bar). */
	public interface Progress {
		void committed(ProvisioningRuns.Run run, long totalLines);
	}

	/** A file's identity and size in lines, read in one pass before the run. */
	record FileFacts(String sha256, long lines) {}

	private final SpaceRegistry registry;
	private final ProvisioningRuns runs;
	private final TransactionTemplate transactions;
	private final SpaceProperties space;
	private final Clock clock;
	private final ZoneId zone = ZoneId.of("Europe/Paris");

	public Provisioning(SpaceRegistry registry, ProvisioningRuns runs, DataSource dataSource, SpaceProperties space, Clock clock) {
		this.registry = registry;
		this.runs = runs;
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.space = space;
		this.clock = clock;
	}

	public ProvisioningRuns runs() {
		return runs;
	}

	/**
	 * Runs (or resumes) the provisioning of this file; returns the run as it ended. Refused while another
	 * node works on the same file.
	 */
	public ProvisioningRuns.Run run(Path file, RegistryReader.Format format, Progress progress) throws IOException {
		FileFacts facts = facts(file);
		Optional<ProvisioningRuns.Run> earlier = runs.find(facts.sha256());
		if (earlier.isPresent() && runs.isRunning(earlier.get()) && !reservedHere(earlier.get())) {
			throw new IllegalStateException("This file is being provisioned already (run " + facts.sha256() + ")");
		}
		ProvisioningRuns.Run run = runs.begin(facts.sha256(), file.getFileName().toString(), clock.instant());
		try (RegistryReader reader = new RegistryReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), format,
				space.insSystems(), clock.instant().atZone(zone).toLocalDate())) {
			reader.skipTo(run.linesDone());
			List<RegistryLine> lines = new ArrayList<>(space.provisioning().batchSize());
			List<ProvisioningRuns.Rejection> rejections = new ArrayList<>();
			Optional<RegistryReader.Read> read;
			while ((read = reader.next()).isPresent()) {
				if (read.get().line() != null) {
					lines.add(read.get().line());
				} else {
					rejections.add(new ProvisioningRuns.Rejection(read.get().number(), read.get().refusal()));
				}
				if (lines.size() + rejections.size() >= space.provisioning().batchSize()) {
					commit(run.key(), reader.linesRead(), lines, rejections);
					progress.committed(runs.find(run.key()).orElseThrow(), facts.lines());
				}
			}
			commit(run.key(), reader.linesRead(), lines, rejections);
			runs.finished(run.key(), clock.instant());
		} catch (RuntimeException | IOException e) {
			runs.failed(run.key(), e.getMessage());
			throw e;
		}
		ProvisioningRuns.Run done = runs.find(run.key()).orElseThrow();
		progress.committed(done, facts.lines());
		return done;
	}

	/** A run the upload endpoint of this node reserved for the run it starts now (no batch committed yet). */
	private static boolean reservedHere(ProvisioningRuns.Run run) {
		return run.source() != null && run.source().startsWith("upload ");
	}

	private void commit(String key, long linesDone, List<RegistryLine> lines, List<ProvisioningRuns.Rejection> rejections) {
		transactions.executeWithoutResult(status -> {
			SpaceRegistry.BatchCounts counts = lines.isEmpty() ? new SpaceRegistry.BatchCounts(0, 0, 0)
					: registry.apply(lines, key, clock.instant(), space.lifecycle().oppositionPeriod());
			runs.committed(key, linesDone, counts, rejections);
		});
		registry.keepStatisticsInStep(linesDone);
		lines.clear();
		rejections.clear();
	}

	/** The file's SHA-256 (the run's key) and its number of lines, in one streaming pass. */
	static FileFacts facts(Path file) throws IOException {
		MessageDigest sha256;
		try {
			sha256 = MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
		}
		long lines = 0;
		byte[] buffer = new byte[1 << 16];
		int lastByte = '\n';
		try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
			int read;
			while ((read = in.read(buffer)) > 0) {
				for (int i = 0; i < read; i++) {
					if (buffer[i] == '\n') {
						lines++;
					}
				}
				lastByte = buffer[read - 1];
			}
		}
		return new FileFacts(HexFormat.of().formatHex(sha256.digest()), lastByte == '\n' ? lines : lines + 1);
	}

}
