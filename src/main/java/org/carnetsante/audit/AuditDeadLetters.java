package org.carnetsante.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Where an access-log entry goes when the database will not take it (after the batch holding it was
 * split down to the entry alone, or when a shutdown runs out of time): a local append-only file, one
 * JSON entry per line, forced to disk before the request that made the access may answer. The access is
 * therefore never lost; an operator is told by the health indicator ({@code accessLog} is DOWN while the
 * file holds entries) and the metric {@code carnet.audit.events.dead-lettered}. At start the entries are
 * written to the database again; those it takes leave the file.
 */
public class AuditDeadLetters implements HealthIndicator {

	private static final Logger LOG = LoggerFactory.getLogger(AuditDeadLetters.class);
	private static final ObjectMapper JSON = new ObjectMapper();

	private final Path file;

	public AuditDeadLetters(Path file) {
		this.file = file;
	}

	/** Appends the entries and forces them to disk; fails if they could not be made durable. */
	public synchronized void append(List<AuditRecord> records) {
		try {
			Files.createDirectories(file.toAbsolutePath().getParent());
			try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
					StandardOpenOption.APPEND)) {
				for (AuditRecord record : records) {
					channel.write(ByteBuffer.wrap((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8)));
				}
				channel.force(true);
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Access-log entries could not be journaled in " + file, e);
		}
		LOG.error("{} access-log entries could not be written to the database; journaled in {}", records.size(), file);
	}

	/** How many entries wait in the journal. */
	public synchronized int pending() {
		return read().size();
	}

	/**
	 * Writes the journaled entries to the database with {@code writer}; the entries it takes leave the
	 * journal, the others stay (and keep the health indicator down).
	 */
	public synchronized int replay(java.util.function.Predicate<AuditRecord> writer) {
		List<AuditRecord> waiting = read();
		if (waiting.isEmpty()) {
			return 0;
		}
		List<AuditRecord> left = new ArrayList<>();
		for (AuditRecord record : waiting) {
			if (!writer.test(record)) {
				left.add(record);
			}
		}
		try {
			if (left.isEmpty()) {
				Files.delete(file);
			} else {
				Path rewritten = file.resolveSibling(file.getFileName() + ".rewrite");
				List<String> lines = new ArrayList<>();
				for (AuditRecord record : left) {
					lines.add(JSON.writeValueAsString(record));
				}
				Files.write(rewritten, lines, StandardCharsets.UTF_8);
				Files.move(rewritten, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return waiting.size() - left.size();
	}

	private List<AuditRecord> read() {
		List<AuditRecord> records = new ArrayList<>();
		if (!Files.exists(file)) {
			return records;
		}
		try {
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				if (!line.isBlank()) {
					records.add(JSON.readValue(line, AuditRecord.class));
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("The access-log journal " + file + " cannot be read", e);
		}
		return records;
	}

	@Override
	public Health health() {
		try {
			int pending = pending();
			return pending == 0 ? Health.up().build()
					: Health.down().withDetail("journaledEntries", pending).withDetail("journal", file.toString()).build();
		} catch (UncheckedIOException e) {
			return Health.down(e).build();
		}
	}
}
