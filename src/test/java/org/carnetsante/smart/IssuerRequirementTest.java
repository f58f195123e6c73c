package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.carnetsante.CarnetApplication;
import org.carnetsante.support.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

/**
 * A server without an explicit issuer does not start, except under the demo profile, and says which
 * key (and environment variable) to set; a configured issuer must be a base URL.
 */
class IssuerRequirementTest {

	@TempDir
	Path dataDir;

	@Test
	void aServerWithoutAnIssuerRefusesToStartAndNamesTheKeyToSet() {
		int port = FreePorts.pick();

		assertThatThrownBy(() -> SpringApplication.run(CarnetApplication.class,
						"--server.port=" + port, "--carnet.fhir.data-dir=" + dataDir))
				.hasMessageContaining("carnet.smart.issuer")
				.hasMessageContaining("CARNET_SMART_ISSUER");
	}

	@Test
	void onlyTheDemoProfileMayLeaveTheIssuerEmpty() {
		MockEnvironment production = new MockEnvironment();
		MockEnvironment postgres = new MockEnvironment();
		postgres.setActiveProfiles("postgres");
		MockEnvironment demo = new MockEnvironment();
		demo.setActiveProfiles("demo");
		MockEnvironment configured = new MockEnvironment().withProperty("carnet.smart.issuer", "https://carnet.example.org");

		assertThatThrownBy(() -> IssuerRequirement.check(production)).hasMessageContaining("carnet.smart.issuer");
		assertThatThrownBy(() -> IssuerRequirement.check(postgres)).hasMessageContaining("CARNET_SMART_ISSUER");
		assertThatCode(() -> IssuerRequirement.check(demo)).doesNotThrowAnyException();
		assertThatCode(() -> IssuerRequirement.check(configured)).doesNotThrowAnyException();
	}

	@Test
	void anIssuerIsABaseUrlWithoutQueryOrFragment() {
		assertThat(IssuerRequirement.checkedIssuer("https://carnet.example.org")).isEqualTo("https://carnet.example.org");
		assertThat(IssuerRequirement.checkedIssuer("https://carnet.example.org/")).isEqualTo("https://carnet.example.org");
		assertThat(IssuerRequirement.checkedIssuer("http://localhost:8080/carnet")).isEqualTo("http://localhost:8080/carnet");
		for (String wrong : new String[] {"carnet.example.org", "ftp://carnet.example.org", "https://", "https://a.example?x=1",
				"https://a.example#top", "https://user@a.example", "https://a example", "/relative"}) {
			assertThatThrownBy(() -> IssuerRequirement.checkedIssuer(wrong)).as(wrong)
					.hasMessageContaining("carnet.smart.issuer");
		}
	}
}
