package org.carnetsante.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NDJSON files of one export as they are written: one open file per kind and resource type, its
 * bytes sent to the database a chunk at a time, a new file started when one reaches the configured
 * size. The heap holds at most one chunk per open file, whatever the export's size.
 */
final class NdjsonFiles {

	static final String OUTPUT = "output";
	static final String ERROR = "error";
	static final String DELETED = "deleted";

	private final ExportJobs jobs;
	private final String jobId;
	private final int chunkSize;
	private final long fileMaxSize;
	private final Map<String, OpenFile> open = new LinkedHashMap<>();
	private final List<ExportJobs.ExportFile> closed = new ArrayList<>();
	private int nextFileNumber = 1;

	NdjsonFiles(ExportJobs jobs, String jobId, int chunkSize, long fileMaxSize) {
		this.jobs = jobs;
		this.jobId = jobId;
		this.chunkSize = chunkSize;
		this.fileMaxSize = fileMaxSize;
	}

	/** Appends one resource, already encoded as one line of JSON. */
	void append(String kind, String resourceType, String json) {
		byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
		String key = kind + "/" + resourceType;
		OpenFile file = open.get(key);
		if (file != null && file.bytes + line.length > fileMaxSize && file.resources > 0) {
			close(key, file);
			file = null;
		}
		if (file == null) {
			file = new OpenFile(nextFileNumber++, kind, resourceType);
			open.put(key, file);
		}
		file.buffer.writeBytes(line);
		file.bytes += line.length;
		file.resources++;
		if (file.buffer.size() >= chunkSize) {
			file.flush();
		}
	}

	/** Closes every file; the files of the export, in the order they were started. */
	List<ExportJobs.ExportFile> finish() {
		for (Map.Entry<String, OpenFile> entry : List.copyOf(open.entrySet())) {
			close(entry.getKey(), entry.getValue());
		}
		closed.sort((one, other) -> Integer.compare(one.number(), other.number()));
		return List.copyOf(closed);
	}

	private void close(String key, OpenFile file) {
		file.flush();
		ExportJobs.ExportFile done = new ExportJobs.ExportFile(file.number, file.kind, file.resourceType, file.resources, file.bytes);
		jobs.addFile(jobId, done);
		closed.add(done);
		open.remove(key);
	}

	private final class OpenFile {
		final int number;
		final String kind;
		final String resourceType;
		final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		long bytes;
		long resources;
		int chunks;

		OpenFile(int number, String kind, String resourceType) {
			this.number = number;
			this.kind = kind;
			this.resourceType = resourceType;
		}

		void flush() {
			if (buffer.size() > 0) {
				jobs.addChunk(jobId, number, chunks++, buffer.toByteArray());
				buffer.reset();
			}
		}
	}
}
