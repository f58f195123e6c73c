package org.carnetsante.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Carnet in a process of its own (the test JVM's class path, the {@code demo} profile, a database of its
 * own), for what only a real process shows: what survives a {@code kill -9}, how long a shutdown takes.
 * Its output goes to a log file next to its data.
 */
public final class CarnetProcess implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final int port;
	private final Process process;

	private CarnetProcess(int port, Process process) {
		this.port = port;
		this.process = process;
	}

	/** Starts Carnet (demo data, given database and data folder) on a free port; returns once it is ready. */
	public static CarnetProcess start(String database, Path dataDir, Duration within) throws IOException, InterruptedException {
		int port = freePort();
		return launch(port, dataDir, within, "--spring.profiles.active=demo", "--carnet.db.url=" + TestPostgres.urlOf(database),
				"--carnet.smart.issuer=http://localhost:" + port);
	}

	/**
	 * A second node of a running test server: the same database and issuer (its tokens hold here), no demo
	 * profile, and none of the jobs that would do the first node's work (notifications, reminders, openings),
	 * so that the tests of the first node keep their outcomes.
	 */
	public static CarnetProcess startSecondNode(String jdbcUrl, String issuer, Path dataDir, Duration within)
			throws IOException, InterruptedException {
		return launch(freePort(), dataDir, within, "--carnet.db.url=" + jdbcUrl, "--carnet.smart.issuer=" + issuer,
				"--carnet.notify.delivery.poll-interval=1h", "--carnet.agenda.reminders.enabled=false",
				"--carnet.space.opening.enabled=false");
	}

	private static CarnetProcess launch(int port, Path dataDir, Duration within, String... arguments)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m", "-XX:+UseParallelGC",
				"-cp", System.getProperty("java.class.path"), "org.carnetsante.CarnetApplication",
				"--server.port=" + port,
				"--carnet.db.username=" + TestPostgres.user(),
				"--carnet.db.password=",
				"--carnet.fhir.data-dir=" + dataDir,
				"--carnet.search.lucene-directory=local-heap"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command)
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("carnet.log").toFile()))
				.start();
		CarnetProcess carnet = new CarnetProcess(port, process);
		carnet.awaitReady(within);
		return carnet;
	}

	public String baseUrl() {
		return "http://localhost:" + port;
	}

	public boolean isAlive() {
		return process.isAlive();
	}

	/** {@code kill -9}: the process ends at once, without any chance to write what it holds. */
	public void kill() throws InterruptedException {
		process.destroyForcibly();
		process.waitFor();
	}

	/** SIGTERM, the clean stop an orchestrator sends; true if the process ended within {@code within}. */
	public boolean stop(Duration within) throws InterruptedException {
		process.destroy();
		return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** The readiness probe answers UP once the demo data is loaded (it is loaded when the server is ready). */
	private void awaitReady(Duration within) throws InterruptedException {
		Instant deadline = Instant.now().plus(within);
		while (Instant.now().isBefore(deadline)) {
			if (!process.isAlive()) {
				throw new IllegalStateException("Carnet's process ended during start (exit " + process.exitValue() + ")");
			}
			try {
				HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health/readiness"))
						.timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
				if (ready.statusCode() == 200) {
					return;
				}
			} catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		process.destroyForcibly();
		throw new IllegalStateException("Carnet was not ready within " + within);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@Override
	public void close() throws InterruptedException {
		if (process.isAlive()) {
			kill();
		}
	}
}
