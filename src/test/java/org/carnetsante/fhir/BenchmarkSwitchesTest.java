package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.carnetsante.CarnetApplication;
import org.carnetsante.access.BenchmarkPeerGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.mock.env.MockEnvironment;

/**
 * The switches that turn a protection off exist for benchmark peers only (docs/access.md "Switching it
 * off"): each one alone makes the server refuse to start, with a message naming the switch and the key
 * that must acknowledge it, {@code carnet.access.unprotected-benchmark-peer=true}. The guard is checked on
 * each switch, then the real application is started once with a switch off, as {@code ./mvnw
 * spring-boot:run} would start it: it stops before anything is created.
 */
class BenchmarkSwitchesTest {

	private static final String ACKNOWLEDGEMENT = "carnet.access.unprotected-benchmark-peer";

	@TempDir
	Path dataDir;

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = {"carnet.access.enforced", "carnet.audit.enabled", "carnet.ig.validate-writes",
			"carnet.documents.rules-enforced"})
	void aProtectionSwitchedOffWithoutTheBenchmarkAcknowledgementIsRefused(String protection) {
		assertThatThrownBy(() -> guard(new MockEnvironment().withProperty(protection, "false")))
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining(protection + "=false").hasMessageContaining(ACKNOWLEDGEMENT + "=true");
		assertThatCode(() -> guard(new MockEnvironment().withProperty(protection, "false").withProperty(ACKNOWLEDGEMENT, "true")))
				.as("acknowledged").doesNotThrowAnyException();
		assertThatCode(() -> guard(new MockEnvironment().withProperty(protection, "true"))).as("on").doesNotThrowAnyException();
	}

	@Test
	void theServerDoesNotStartWithAProtectionOff() {
		Throwable refusal = null;
		try (ConfigurableApplicationContext started = SpringApplication.run(CarnetApplication.class, "--server.port=0",
				"--carnet.smart.issuer=http://localhost", "--carnet.fhir.data-dir=" + dataDir,
				"--carnet.search.lucene-directory=local-heap", "--carnet.audit.enabled=false")) {
			// reaching this line is the failure: the server started with a protection off
		} catch (RuntimeException refused) {
			refusal = refused;
		}

		assertThat(refusal).as("the server started with the access log off").isNotNull();
		Throwable cause = refusal;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		assertThat(cause).isInstanceOf(IllegalStateException.class);
		assertThat(cause.getMessage()).contains("carnet.audit.enabled=false").contains(ACKNOWLEDGEMENT + "=true");
	}

	private static void guard(MockEnvironment environment) {
		BenchmarkPeerGuard guard = new BenchmarkPeerGuard();
		guard.setEnvironment(environment);
		guard.postProcessBeanFactory(new DefaultListableBeanFactory());
	}
}
