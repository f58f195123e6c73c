package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.FreePorts;
import org.junit.jupiter.api.Test;

/** The container health check (docker/docker-compose.yml) against a real node and against nothing. */
class ReadinessProbeTest extends CarnetServerTest {

	@Test
	void theProbeSaysReadyForARunningNodeAndNotReadyWhereNothingListens() {
		assertThat(ReadinessProbe.isReady(URI.create(baseUrl() + "/actuator/health/readiness"))).isTrue();
		assertThat(ReadinessProbe.isReady(URI.create("http://127.0.0.1:" + FreePorts.pick() + "/actuator/health/readiness")))
				.isFalse();
		// A node that answers but not 200 (here: an endpoint that needs a token) is not ready either.
		assertThat(ReadinessProbe.isReady(URI.create(baseUrl() + "/fhir/Patient"))).isFalse();
	}
}
