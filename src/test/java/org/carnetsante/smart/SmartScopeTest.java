package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.carnetsante.smart.SmartScope.Context;
import org.carnetsante.smart.SmartScope.Interaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * What each SMART scope grants (SMART App Launch 2.x §3): v1 and v2 forms, query constraints,
 * contexts, and the malformed scopes that must grant nothing; then which scopes count for which
 * caller once a token is read ({@link CallerFromToken}).
 */
class SmartScopeTest {

	@ParameterizedTest(name = "{0} grants {1} {2} {3}")
	@CsvSource(delimiter = ';', value = {
			// scope; context; type; interactions (c r u d s)
			"patient/Observation.read;  PATIENT; Observation; rs",
			"patient/Observation.write; PATIENT; Observation; cud",
			"patient/Observation.*;     PATIENT; Observation; cruds",
			"patient/*.read;            PATIENT; *;           rs",
			"patient/*.*;               PATIENT; *;           cruds",
			"user/Patient.rs;           USER;    Patient;     rs",
			"user/DocumentReference.r;  USER;    DocumentReference; r",
			"user/*.cruds;              USER;    *;           cruds",
			"system/Patient.c;          SYSTEM;  Patient;     c",
			"system/Patient.cu;         SYSTEM;  Patient;     cu",
			"system/Binary.d;           SYSTEM;  Binary;      d",
			"system/*.s;                SYSTEM;  *;           s",
			"system/*.cruds;            SYSTEM;  *;           cruds",
	})
	void aScopeGrantsItsContextTypeAndInteractions(String scope, Context context, String type, String letters) {
		SmartScope parsed = SmartScope.parse(scope).orElseThrow();

		assertThat(parsed.context()).isEqualTo(context);
		assertThat(parsed.resourceType()).isEqualTo(type);
		assertThat(parsed.interactions()).isEqualTo(interactions(letters));
		assertThat(parsed.isConstrained()).isFalse();
	}

	@Test
	void versionOneAndVersionTwoFormsGrantTheSame() {
		assertThat(SmartScope.parse("patient/Observation.read")).isEqualTo(SmartScope.parse("patient/Observation.rs"));
		assertThat(SmartScope.parse("patient/Observation.write")).isEqualTo(SmartScope.parse("patient/Observation.cud"));
		assertThat(SmartScope.parse("system/*.*")).isEqualTo(SmartScope.parse("system/*.cruds"));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = ';', value = {
			// scope; the constraints it carries, decoded
			"patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory;"
					+ " {category=[http://terminology.hl7.org/CodeSystem/observation-category|laboratory]}",
			"patient/Observation.rs?category=http%3A%2F%2Fexample.org%7Cvital-signs; {category=[http://example.org|vital-signs]}",
			"system/Observation.s?category=a&code=b;          {category=[a], code=[b]}",
			"user/Observation.rs?category=a&category=b;        {category=[a, b]}",
			"patient/Condition.rs?clinical-status=active;      {clinical-status=[active]}",
	})
	void aVersionTwoScopeCarriesItsQueryConstraints(String scope, String constraints) {
		SmartScope parsed = SmartScope.parse(scope).orElseThrow();

		assertThat(parsed.isConstrained()).isTrue();
		assertThat(parsed.constraints().toString()).isEqualTo(constraints);
	}

	@ParameterizedTest(name = "\"{0}\" grants nothing")
	@ValueSource(strings = {
			// not resource scopes
			"openid", "fhirUser", "launch/patient", "launch", "offline_access", "online_access", "",
			// contexts and types are case-sensitive and must be known
			"Patient/Observation.rs", "PATIENT/Observation.rs", "practitioner/Observation.rs", "admin/*.*",
			"patient/observation.rs", "patient/Observation1.rs", "patient/.rs", "patient/**.rs",
			// permissions: v1 words, or v2 letters once each and in the order c r u d s
			"patient/Observation.", "patient/Observation", "patient/Observation.sr", "patient/Observation.rr",
			"patient/Observation.x", "patient/Observation.READ", "patient/Observation.readwrite",
			"patient/Observation.cruds ", " patient/Observation.rs",
			// query constraints exist only in v2 and must be name=value pairs
			"patient/Observation.read?category=laboratory", "patient/Observation.*?category=laboratory",
			"patient/Observation.write?category=laboratory", "patient/Observation.rs?",
			"patient/Observation.rs?category", "patient/Observation.rs?=laboratory", "patient/Observation.rs?category=",
			"patient/Observation.rs?category=a&", "patient/Observation.rs?&category=a",
			"patient/Observation.rs?category=a&code", "patient/Observation.rs?category=%zz",
			"patient/Observation.rs?category=%E",
	})
	void aMalformedOrNonResourceScopeGrantsNothing(String scope) {
		assertThat(SmartScope.parse(scope)).isEmpty();
	}

	@Test
	void aScopeForEveryTypeCoversEachTypeAndATypedScopeOnlyItsOwn() {
		SmartScope every = SmartScope.parse("system/*.rs").orElseThrow();
		SmartScope observations = SmartScope.parse("system/Observation.rs").orElseThrow();

		assertThat(every.coversType("Observation")).isTrue();
		assertThat(every.coversType("Consent")).isTrue();
		assertThat(every.coversType(SmartScope.ANY_TYPE)).isTrue();
		assertThat(observations.coversType("Observation")).isTrue();
		assertThat(observations.coversType("Condition")).isFalse();
		assertThat(observations.coversType(SmartScope.ANY_TYPE)).as("one type is not every type").isFalse();
	}

	// --- which scopes count for which caller (CallerFromToken) ---

	private static final TokenClaimNames CLAIMS = new TokenClaimNames("scope", "fhirUser", "patient", "profession",
			"specialty", "idnat", "organization", "purpose_of_use", "client_id", "space_relationship",
			"organization_sector", "name");

	@ParameterizedTest(name = "{0}: kind {4}, scopes that count {5}")
	@CsvSource(delimiter = ';', nullValues = "-", value = {
			// who; fhirUser; patient; idnat; kind; scopes that count (of patient/*.rs user/*.rs system/*.rs)
			"a patient in her own space;        Patient/p1;        p1; -;      PATIENT;        patient/*.rs user/*.rs",
			"a patient without a patient context; Patient/p1;      -;  -;      PATIENT;        user/*.rs",
			"a parent in a child's space;       Patient/p1;        p2; -;      REPRESENTATIVE; patient/*.rs user/*.rs",
			"a delegate;                        RelatedPerson/r1;  p2; -;      REPRESENTATIVE; patient/*.rs user/*.rs",
			"a practitioner;                    Practitioner/d1;   -;  -;      PROFESSIONAL;   user/*.rs",
			"a practitioner with a patient context; Practitioner/d1; p1; -;    PROFESSIONAL;   patient/*.rs user/*.rs",
			"a professional named by idNat only; -;                -;  810000000001; PROFESSIONAL; user/*.rs",
			"a system;                          -;                 -;  -;      SYSTEM;         system/*.rs",
	})
	void scopesCountOnlyForTheCallerTheyFit(String who, String fhirUser, String patient, String idNat,
			CarnetCaller.Kind kind, String counted) {
		Jwt.Builder token = Jwt.withTokenValue("token").header("alg", "RS256").subject("someone")
				.issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(60))
				.claim("scope", List.of("patient/*.rs", "user/*.rs", "system/*.rs", "openid", "launch/patient"));
		if (fhirUser != null) {
			token.claim("fhirUser", fhirUser);
		}
		if (patient != null) {
			token.claim("patient", patient);
		}
		if (idNat != null) {
			token.claim("idnat", idNat);
		}

		CarnetCaller caller = new CallerFromToken(CLAIMS).convert(token.build()).getPrincipal();

		assertThat(caller.kind()).as(who).isEqualTo(kind);
		assertThat(caller.scopes()).as(who).containsExactlyElementsOf(
				Arrays.stream(counted.split(" ")).map(scope -> SmartScope.parse(scope).orElseThrow()).toList());
	}

	@Test
	void scopesAreReadFromASpaceSeparatedStringAsFromAList() {
		Jwt token = Jwt.withTokenValue("token").header("alg", "RS256").subject("client")
				.claim("scope", " system/Patient.rs  system/Observation.rs?category=a  openid ").build();

		CarnetCaller caller = new CallerFromToken(CLAIMS).convert(token).getPrincipal();

		assertThat(caller.scopes()).extracting(SmartScope::resourceType).containsExactly("Patient", "Observation");
		assertThat(caller.scopes().get(1).constraints()).isEqualTo(Map.of("category", List.of("a")));
		assertThat(caller.clientId()).as("no client_id claim: the subject").isEqualTo("client");
	}

	@Test
	void aTokenWithoutScopesOrWithAMalformedOneGrantsNothing() {
		Jwt none = Jwt.withTokenValue("token").header("alg", "RS256").subject("client").build();
		Jwt malformed = Jwt.withTokenValue("token").header("alg", "RS256").subject("client")
				.claim("scope", "system/Patient.rs?identifier=%zz system/*.sr").build();
		Jwt wrongType = Jwt.withTokenValue("token").header("alg", "RS256").subject("client")
				.claim("scope", Map.of("system/*.rs", true)).build();

		assertThat(new CallerFromToken(CLAIMS).convert(none).getPrincipal().scopes()).isEmpty();
		assertThat(new CallerFromToken(CLAIMS).convert(malformed).getPrincipal().scopes()).isEmpty();
		assertThat(new CallerFromToken(CLAIMS).convert(wrongType).getPrincipal().scopes()).isEmpty();
	}

	private static Set<Interaction> interactions(String letters) {
		Set<Interaction> interactions = EnumSet.noneOf(Interaction.class);
		for (char letter : letters.toCharArray()) {
			interactions.add(switch (letter) {
				case 'c' -> Interaction.CREATE;
				case 'r' -> Interaction.READ;
				case 'u' -> Interaction.UPDATE;
				case 'd' -> Interaction.DELETE;
				case 's' -> Interaction.SEARCH;
				default -> throw new IllegalArgumentException(String.valueOf(letter));
			});
		}
		return interactions;
	}
}
