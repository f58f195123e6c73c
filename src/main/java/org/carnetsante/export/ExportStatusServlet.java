package org.carnetsante.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carnetsante.fhir.OperationOutcomes;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;

/**
 * The status URL of an export and its files ({@code /fhir/bulk/…}), on any node: 202 with progress
 * while it runs, 200 with the manifest when done, {@code DELETE} to cancel; each file streamed from the
 * database. Only the client (and subject) that kicked the export off sees any of it: to anyone else an
 * export is unknown, answered as one that does not exist.
 */
public class ExportStatusServlet extends HttpServlet {

	static final String PATH = "/fhir/bulk";
	private static final Pattern STATUS = Pattern.compile("/status/([0-9a-f\\-]{36})");
	private static final Pattern FILE = Pattern.compile("/files/([0-9a-f\\-]{36})/([0-9]{1,6})");
	private static final String NDJSON = "application/fhir+ndjson";

	private final transient ExportJobs jobs;
	private final transient Clock clock;

	ExportStatusServlet(ExportJobs jobs, Clock clock) {
		this.jobs = jobs;
		this.clock = clock;
	}

	/** Where the status of an export is polled, for a FHIR base URL ({@code http://host/fhir}). */
	static String statusUrl(String fhirBase, String id) {
		return fhirBase + "/bulk/status/" + id;
	}

	private static String fileUrl(String fhirBase, String id, int file) {
		return fhirBase + "/bulk/files/" + id + "/" + file;
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String path = request.getPathInfo() == null ? "" : request.getPathInfo();
		Matcher status = STATUS.matcher(path);
		Matcher file = FILE.matcher(path);
		if (status.matches()) {
			Optional<ExportJobs.Job> job = ownJob(status.group(1));
			if (job.isEmpty()) {
				notKnown(response);
				return;
			}
			status(job.get(), response);
		} else if (file.matches()) {
			Optional<ExportJobs.Job> job = ownJob(file.group(1)).filter(found -> found.state() == ExportJobs.State.COMPLETED);
			int number = Integer.parseInt(file.group(2));
			if (job.isEmpty() || jobs.files(job.get().id()).stream().noneMatch(each -> each.number() == number)) {
				notKnown(response);
				return;
			}
			response.setStatus(HttpServletResponse.SC_OK);
			response.setContentType(NDJSON);
			try (OutputStream out = response.getOutputStream()) {
				jobs.copyFile(job.get().id(), number, out);
			}
		} else {
			notKnown(response);
		}
	}

	/** Cancels an export (running or done): its files are removed and its status URL is then unknown. */
	@Override
	protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Matcher status = STATUS.matcher(request.getPathInfo() == null ? "" : request.getPathInfo());
		Optional<ExportJobs.Job> job = status.matches() ? ownJob(status.group(1)) : Optional.empty();
		if (job.isEmpty() || !jobs.delete(job.get().id())) {
			notKnown(response);
			return;
		}
		OperationOutcomes.write(response, HttpServletResponse.SC_ACCEPTED, "informational", "The export is cancelled");
	}

	private void status(ExportJobs.Job job, HttpServletResponse response) throws IOException {
		switch (job.state()) {
			case QUEUED, RUNNING -> {
				response.setStatus(HttpServletResponse.SC_ACCEPTED);
				response.setHeader("X-Progress", progress(job));
				response.setHeader("Retry-After", String.valueOf(retryAfterSeconds(job)));
				response.setContentLength(0);
			}
			case FAILED -> {
				response.setHeader("Expires", httpDate(job.expiresAt()));
				OperationOutcomes.write(response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR, "exception", job.failure());
			}
			case COMPLETED -> {
				String fhirBase = ExportRunner.JSON.readValue(job.caller(), ExportRunner.CapturedCaller.class).serverBase();
				byte[] manifest = ExportRunner.JSON.writeValueAsBytes(manifest(job, fhirBase));
				response.setStatus(HttpServletResponse.SC_OK);
				response.setHeader("Expires", httpDate(job.expiresAt()));
				response.setContentType("application/json");
				response.setCharacterEncoding(StandardCharsets.UTF_8.name());
				response.setContentLength(manifest.length);
				response.getOutputStream().write(manifest);
			}
		}
	}

	private ObjectNode manifest(ExportJobs.Job job, String fhirBase) {
		ObjectNode manifest = ExportRunner.JSON.createObjectNode();
		manifest.put("transactionTime", DateTimeFormatter.ISO_INSTANT.format(job.transactionTime()));
		manifest.put("request", job.requestUrl());
		manifest.put("requiresAccessToken", true);
		ArrayNode output = manifest.putArray("output");
		ArrayNode error = manifest.putArray("error");
		List<ExportJobs.ExportFile> files = jobs.files(job.id());
		ArrayNode deleted = files.stream().anyMatch(file -> NdjsonFiles.DELETED.equals(file.kind()))
				? manifest.putArray("deleted") : null;
		for (ExportJobs.ExportFile file : files) {
			ObjectNode entry = (switch (file.kind()) {
				case NdjsonFiles.ERROR -> error;
				case NdjsonFiles.DELETED -> deleted;
				default -> output;
			}).addObject();
			entry.put("type", file.resourceType());
			entry.put("url", fileUrl(fhirBase, job.id(), file.number()));
			entry.put("count", file.resources());
		}
		return manifest;
	}

	private static String progress(ExportJobs.Job job) {
		if (job.state() == ExportJobs.State.QUEUED) {
			return "queued";
		}
		return job.spacesDone() + " of " + job.spacesTotal() + " spaces, " + job.resourcesWritten() + " resources written";
	}

	/** When to look again: the time the remaining spaces should take at the rate so far, within 1–60 s. */
	private long retryAfterSeconds(ExportJobs.Job job) {
		if (job.state() == ExportJobs.State.QUEUED || job.heartbeatAt() == null || job.spacesDone() == 0) {
			return 1;
		}
		Duration elapsed = Duration.between(job.createdAt(), clock.instant());
		double perSpace = (double) elapsed.toMillis() / job.spacesDone();
		long remaining = (long) Math.ceil(perSpace * (job.spacesTotal() - job.spacesDone()) / 1000.0);
		return Math.max(1, Math.min(60, remaining));
	}

	private Optional<ExportJobs.Job> ownJob(String id) {
		Optional<CarnetCaller> caller = CallerFromToken.current();
		if (caller.isEmpty()) {
			return Optional.empty();
		}
		return jobs.find(id).filter(job -> job.clientId().equals(caller.get().clientId())
				&& job.subject().equals(caller.get().subject()));
	}

	private static void notKnown(HttpServletResponse response) throws IOException {
		OperationOutcomes.write(response, HttpServletResponse.SC_NOT_FOUND, "not-found", "No such export");
	}

	private static String httpDate(Instant instant) {
		return instant == null ? "0" : DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
	}
}
