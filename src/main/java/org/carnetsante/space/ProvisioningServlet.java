package org.carnetsante.space;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.regex.Pattern;
import org.carnetsante.fhir.OperationOutcomes;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.SmartScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioning endpoint, in the manner of Bulk Data {@code $import} (docs/space.md): a system client
 * of {@code carnet.space.provisioning.clients} with scope {@code system/Patient.cu} posts the registry file
 * ({@code text/csv} or {@code application/fhir+ndjson}) to {@code /fhir/$import}; Carnet stores it on disk,
 * answers 202 with the status URL ({@code Content-Location}) and provisions in the background. The status
 * answers 202 with {@code X-Progress} while it runs and 200 with the report once done, on any node (the run
 * is in the database). Posting the same file again resumes an interrupted run, or runs a finished one again
 * (changing nothing).
 */
public class ProvisioningServlet extends HttpServlet {

	private static final Logger LOG = LoggerFactory.getLogger(ProvisioningServlet.class);
	static final String KICKOFF_PATH = "/fhir/$import";
	static final String STATUS_PATH = "/fhir/space-import";
	private static final Pattern RUN_KEY = Pattern.compile("/([0-9a-f]{64})");
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final int REJECTIONS_REPORTED = 1000;

	private final transient Provisioning provisioning;
	private final transient ExecutorService runner;
	private final List<String> clients;
	private final Path workDir;
	private final long maxUpload;

	ProvisioningServlet(Provisioning provisioning, ExecutorService runner, List<String> clients, Path workDir, long maxUpload) {
		this.maxUpload = maxUpload;
		this.provisioning = provisioning;
		this.runner = runner;
		this.clients = List.copyOf(clients);
		this.workDir = workDir;
	}

	@Override
	protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
		if (!KICKOFF_PATH.equals(request.getRequestURI())) {
			OperationOutcomes.write(response, HttpServletResponse.SC_NOT_FOUND, "not-found", "Unknown provisioning URL");
			return;
		}
		if (!mayProvision()) {
			refuse(response);
			return;
		}
		RegistryReader.Format format;
		try {
			format = RegistryReader.Format.of(mediaType(request.getContentType()));
		} catch (IllegalArgumentException e) {
			OperationOutcomes.write(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "not-supported", e.getMessage());
			return;
		}
		Files.createDirectories(workDir);
		Path upload = Files.createTempFile(workDir, "registry-", format == RegistryReader.Format.CSV ? ".csv" : ".ndjson");
		String encoding = request.getHeader("Content-Encoding");
		boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
		if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
			Files.deleteIfExists(upload);
			OperationOutcomes.write(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "not-supported",
					"A registry is sent plain or gzip-encoded");
			return;
		}
		try (InputStream body = gzip ? new java.util.zip.GZIPInputStream(request.getInputStream()) : request.getInputStream();
				OutputStream out = Files.newOutputStream(upload)) {
			if (!copyAtMost(body, out, maxUpload)) {
				out.close();
				Files.deleteIfExists(upload);
				OperationOutcomes.write(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "too-costly",
						"A registry upload is at most " + maxUpload + " bytes (carnet.space.provisioning.max-upload)");
				return;
			}
		} catch (java.util.zip.ZipException notGzip) {
			Files.deleteIfExists(upload);
			OperationOutcomes.write(response, HttpServletResponse.SC_BAD_REQUEST, "invalid", "The body is not gzip as declared");
			return;
		}
		Provisioning.FileFacts facts = Provisioning.facts(upload);
		Optional<ProvisioningRuns.Run> earlier = provisioning.runs().find(facts.sha256());
		if (earlier.isPresent() && provisioning.runs().isRunning(earlier.get())) {
			Files.deleteIfExists(upload);
			OperationOutcomes.write(response, HttpServletResponse.SC_CONFLICT, "conflict",
					"This file is being provisioned already; its status: " + statusUrl(request, facts.sha256()));
			return;
		}
		String key = provisioning.runs().reserve(facts.sha256(), "upload " + upload.getFileName());
		runner.submit(() -> {
			try {
				provisioning.run(upload, format, (run, total) -> {
				});
			} catch (IOException | RuntimeException e) {
				LOG.warn("Provisioning run {} stopped: {}", key, e.getMessage());
			} finally {
				try {
					Files.deleteIfExists(upload);
				} catch (IOException e) {
					LOG.warn("Could not remove the uploaded registry {}", upload);
				}
			}
		});
		response.setStatus(HttpServletResponse.SC_ACCEPTED);
		response.setHeader("Content-Location", statusUrl(request, key));
		response.setContentLength(0);
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		var matcher = RUN_KEY.matcher(request.getPathInfo() == null ? "" : request.getPathInfo());
		Optional<ProvisioningRuns.Run> run = mayProvision() && matcher.matches()
				? provisioning.runs().find(matcher.group(1)) : Optional.empty();
		if (run.isEmpty()) {
			OperationOutcomes.write(response, HttpServletResponse.SC_NOT_FOUND, "not-found", "No such provisioning run");
			return;
		}
		ProvisioningRuns.Run found = run.get();
		if (!found.isFinished()) {
			response.setStatus(HttpServletResponse.SC_ACCEPTED);
			response.setHeader("X-Progress", String.format(Locale.ROOT,
					"%d lines read: %d spaces created, %d updated, %d unchanged, %d lines refused%s", found.linesDone(), found.created(),
					found.updated(), found.unchanged(), found.rejected(), found.failure() == null ? ""
							: "; stopped (" + found.failure() + "): post the same file again to resume"));
			response.setHeader("Retry-After", "5");
			response.setContentLength(0);
			return;
		}
		ObjectNode report = JSON.createObjectNode();
		report.put("run", found.key());
		report.put("lines", found.linesDone());
		report.put("created", found.created());
		report.put("updated", found.updated());
		report.put("unchanged", found.unchanged());
		report.put("refused", found.rejected());
		report.put("started", found.started().toString());
		report.put("finished", found.finished().toString());
		ArrayNode refused = report.putArray("refusedLines");
		for (ProvisioningRuns.Rejection rejection : provisioning.runs().rejections(found.key(), REJECTIONS_REPORTED)) {
			refused.addObject().put("line", rejection.line()).put("reason", rejection.reason());
		}
		byte[] body = JSON.writeValueAsBytes(report);
		response.setStatus(HttpServletResponse.SC_OK);
		response.setContentType("application/json");
		response.setCharacterEncoding(StandardCharsets.UTF_8.name());
		response.setContentLength(body.length);
		try (OutputStream out = response.getOutputStream()) {
			out.write(body);
		}
	}

	/** Copies up to {@code limit} bytes; false if there were more. */
	private static boolean copyAtMost(InputStream in, OutputStream out, long limit) throws IOException {
		byte[] buffer = new byte[1 << 16];
		long copied = 0;
		int read;
		while ((read = in.read(buffer)) > 0) {
			copied += read;
			if (copied > limit) {
				return false;
			}
			out.write(buffer, 0, read);
		}
		return true;
	}

	private boolean mayProvision() {
		Optional<CarnetCaller> caller = CallerFromToken.current();
		return caller.isPresent() && caller.get().kind() == CarnetCaller.Kind.SYSTEM && clients.contains(caller.get().clientId())
				&& grants(caller.get(), SmartScope.Interaction.CREATE) && grants(caller.get(), SmartScope.Interaction.UPDATE);
	}

	private static boolean grants(CarnetCaller caller, SmartScope.Interaction interaction) {
		return caller.scopes().stream().anyMatch(scope -> scope.context() == SmartScope.Context.SYSTEM
				&& scope.coversType("Patient") && scope.interactions().contains(interaction) && !scope.isConstrained());
	}

	private static void refuse(HttpServletResponse response) throws IOException {
		OperationOutcomes.write(response, HttpServletResponse.SC_FORBIDDEN, "forbidden", "Provisioning from the insured registry"
				+ " is for the system clients of carnet.space.provisioning.clients with scope system/Patient.cu");
	}

	private static String mediaType(String contentType) {
		String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
		return switch (type) {
			case "text/csv" -> "csv";
			case "application/fhir+ndjson", "application/x-ndjson", "application/ndjson" -> "ndjson";
			default -> type;
		};
	}

	private static String statusUrl(HttpServletRequest request, String key) {
		String base = request.getRequestURL().toString();
		return base.substring(0, base.length() - request.getRequestURI().length()) + STATUS_PATH + "/" + key;
	}
}
