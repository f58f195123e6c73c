package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.TestExternalIssuer;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Tokens of a configured external OIDC issuer are accepted on /fhir with their claims mapped by
 * configuration; tokens of an issuer that is not configured, or meant for another audience, are not.
 */
class ExternalIssuerTest extends CarnetServerTest {

	@Test
	void tokenOfTheConfiguredIssuerIsAcceptedAndItsScopesApply() {
		TestExternalIssuer issuer = TestExternalIssuer.get();
		String token = issuer.sign(claims(issuer.issuer(), TestExternalIssuer.AUDIENCE, "system/Patient.rs").build());

		assertThat(get("/Patient?identifier=" + Fixtures.INS_DEMO_SYSTEM + "%7C" + Fixtures.randomNir(), token).statusCode())
				.isEqualTo(200);
		assertThat(get("/Communication", token).statusCode()).as("scope not granted").isEqualTo(403);
	}

	@Test
	void tokenOfAnIssuerThatIsNotConfiguredOrForAnotherAudienceIsRefused() throws Exception {
		TestExternalIssuer issuer = TestExternalIssuer.get();
		String otherAudience = issuer.sign(claims(issuer.issuer(), "some-other-api", "system/Patient.rs").build());
		String unknownIssuer = issuer.sign(claims("http://localhost:1/realms/elsewhere", TestExternalIssuer.AUDIENCE,
				"system/Patient.rs").build());
		var strangerKey = new RSAKeyGenerator(2048).keyID("external-1").generate();
		var forged = new com.nimbusds.jwt.SignedJWT(
				new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS256).keyID("external-1").build(),
				claims(issuer.issuer(), TestExternalIssuer.AUDIENCE, "system/Patient.rs").build());
		forged.sign(new com.nimbusds.jose.crypto.RSASSASigner(strangerKey));

		assertThat(get("/Patient", otherAudience).statusCode()).isEqualTo(401);
		assertThat(get("/Patient", unknownIssuer).statusCode()).isEqualTo(401);
		assertThat(get("/Patient", forged.serialize()).statusCode()).isEqualTo(401);
	}

	@Test
	void claimsAreReadUnderTheNamesConfiguredForTheirIssuer() {
		TokenClaimNames defaults = new TokenClaimNames("scope", "fhirUser", "patient", "profession", "specialty",
				"idnat", "organization", "purpose_of_use", "client_id", "space_relationship", "organization_sector", "name");
		TokenClaimNames keycloakNames = new ExternalIssuers.ClaimOverrides(
				null, "fhir_user", null, "ps_profession", null, null, null, null, "azp", null, null, null).over(defaults);
		Jwt token = Jwt.withTokenValue("t").header("alg", "RS256")
				.claims(claims -> claims.putAll(Map.of(
						"sub", "f:1234", "azp", "dr-house-software", "fhir_user", "Practitioner/810001234567",
						"ps_profession", "10", "scope", "user/*.rs openid", "purpose_of_use", "BTG")))
				.build();

		CarnetCaller caller = new CallerFromToken(keycloakNames).convert(token).getPrincipal();

		assertThat(caller.kind()).isEqualTo(CarnetCaller.Kind.PROFESSIONAL);
		assertThat(caller.clientId()).isEqualTo("dr-house-software");
		assertThat(caller.fhirUser()).isEqualTo("Practitioner/810001234567");
		assertThat(caller.profession()).isEqualTo("10");
		assertThat(caller.purposeOfUse()).isEqualTo("BTG");
		assertThat(caller.scopes()).hasSize(1);
		assertThat(caller.scopes().get(0).context()).isEqualTo(SmartScope.Context.USER);
	}

	private static JWTClaimsSet.Builder claims(String issuer, String audience, String scope) {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder()
				.issuer(issuer)
				.subject("service-account-hospital")
				.audience(List.of(audience))
				.issueTime(Date.from(now))
				.expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
				.claim("azp", "hospital-system")
				.claim("organization", "1750000000")
				.claim("organization_sector", "SA01")
				.claim("scope", scope);
	}

	private HttpResponse<String> get(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).GET().build());
	}
}
