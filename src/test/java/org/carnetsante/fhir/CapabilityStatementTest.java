package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.carnetsante.support.CarnetServerTest;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Enumerations;
import org.junit.jupiter.api.Test;

class CapabilityStatementTest extends CarnetServerTest {

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.boot.info.BuildProperties build;

	@Test
	void metadataNamesCarnetItsVersionAndTheImplementationGuide() {
		CapabilityStatement statement = fhirClient().capabilities().ofType(CapabilityStatement.class).execute();

		assertThat(statement.getName()).isEqualTo("Carnet");
		assertThat(statement.getSoftware().getName()).isEqualTo("Carnet");
		assertThat(statement.getSoftware().getVersion()).isEqualTo(build.getVersion()).isNotEqualTo("dev");
		assertThat(statement.getFhirVersion()).isEqualTo(Enumerations.FHIRVersion._4_0_1);
		assertThat(statement.getImplementationGuide()).extracting(CanonicalType::getValue)
				.containsExactly("https://carnet.example/ig/ImplementationGuide/carnet.fhir.ig");
		assertThat(statement.getRestFirstRep().getResource())
				.extracting(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
				.contains("Patient", "DocumentReference", "Consent", "Communication", "AuditEvent");
	}

	@Test
	void metadataDeclaresSmartOnFhirWithItsOAuthEndpoints() {
		CapabilityStatement statement = fhirClient().capabilities().ofType(CapabilityStatement.class).execute();
		var security = statement.getRestFirstRep().getSecurity();
		var oauthUris = security.getExtensionByUrl("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");

		assertThat(security.getServiceFirstRep().getCodingFirstRep().getCode()).isEqualTo("SMART-on-FHIR");
		assertThat(oauthUris.getExtensionByUrl("token").getValue().primitiveValue()).isEqualTo(baseUrl() + "/oauth2/token");
		assertThat(oauthUris.getExtensionByUrl("authorize").getValue().primitiveValue())
				.isEqualTo(baseUrl() + "/oauth2/authorize");
		assertThat(oauthUris.getExtensionByUrl("revoke")).isNotNull();
		assertThat(oauthUris.getExtensionByUrl("introspect")).isNotNull();
	}

	@Test
	void metadataIsServedAsXmlToo() {
		HttpResponse<String> response = send(request("/metadata").header("Accept", "application/fhir+xml").GET().build());

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("xml"));
		assertThat(response.body()).contains("<CapabilityStatement").contains("Carnet");
	}
}
