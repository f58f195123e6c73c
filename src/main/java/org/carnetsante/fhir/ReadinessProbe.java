package org.carnetsante.fhir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The container's health check: {@code java -cp /app/classes org.carnetsante.fhir.ReadinessProbe} exits 0
 * when this node's readiness endpoint answers 200 (the application is started and, with the demo
 * profile, its data loaded), 1 otherwise. It needs nothing but the JRE the image runs on: the base image
 * is not ours, and whether it ships curl or wget is not something a health check should bet on.
 * Reads {@code SERVER_PORT} like the server does (default 8080).
 */
public final class ReadinessProbe {

	private static final Duration TIMEOUT = Duration.ofSeconds(4);

	private ReadinessProbe() {
	}

	public static void main(String[] arguments) {
		String port = System.getenv().getOrDefault("SERVER_PORT", "8080");
		URI readiness = URI.create(arguments.length > 0 ? arguments[0]
				: "http://127.0.0.1:" + port + "/actuator/health/readiness");
		System.exit(isReady(readiness) ? 0 : 1);
	}

	/** True when {@code readiness} answers 200 within the timeout; any failure to connect is "not ready". */
	public static boolean isReady(URI readiness) {
		HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
		try {
			HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(readiness).timeout(TIMEOUT).GET().build(),
					HttpResponse.BodyHandlers.discarding());
			return answer.statusCode() == 200;
		} catch (IOException e) {
			return false;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}
}
