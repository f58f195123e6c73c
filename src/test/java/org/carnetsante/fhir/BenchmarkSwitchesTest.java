package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.carnetsante.CarnetApplication;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The switches that turn a protection off exist for benchmark peers only (docs/access.md "Switching it
 * off"): each one alone makes the server refuse to start, with a message naming the switch and the key
 * that must acknowledge it, {@code carnet.access.unprotected-benchmark-peer=true}. The server is started
 * as {@code ./mvnw spring-boot:run} would start it, on the embedded default in a temporary folder (shared
 * by the four starts, so that only the first creates the database).
 */
class BenchmarkSwitchesTest {

	private static final String ACKNOWLEDGEMENT = "carnet.access.unprotected-benchmark-peer=true";

	@TempDir
	static Path dataDir;

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = {"carnet.access.enforced=false", "carnet.audit.enabled=false", "carnet.ig.validate-writes=false",
			"carnet.documents.rules-enforced=false"})
	void aProtectionSwitchedOffWithoutTheBenchmarkAcknowledgementRefusesToStart(String switchedOff) {
		Throwable refusal = null;
		try (ConfigurableApplicationContext started = SpringApplication.run(CarnetApplication.class, "--server.port=0",
				"--carnet.fhir.data-dir=" + dataDir, "--carnet.search.lucene-directory=local-heap", "--" + switchedOff)) {
			// reaching this line is the failure: the server started with a protection off
		} catch (RuntimeException refused) {
			refusal = refused;
		}

		assertThat(refusal).as("the server started with %s", switchedOff).isNotNull();
		Throwable cause = refusal;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		assertThat(cause).isInstanceOf(IllegalStateException.class);
		assertThat(cause.getMessage()).contains(switchedOff).contains(ACKNOWLEDGEMENT);
	}
}
