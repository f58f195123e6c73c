package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;
import org.carnetsante.support.CarnetServerTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Client assertions (SMART Backend Services, {@code private_key_jwt}) that break a rule, whichever
 * rule, get a clean OAuth error from the real token endpoint: 400 or 401 with a JSON
 * {@code {"error": …}}, never a token, never a 5xx or a stack trace (issue 11, §2 "assertion claims").
 *
 * <p>The mutated assertions come from jqwik generators: a missing claim, a claim of the wrong JSON type,
 * an oversized claim, a claim with a wrong value (expired, too far ahead, another audience, a replayed
 * jti…), a header that is wrong ({@code alg} none or HS256 or RS256, the {@code kid} of another client,
 * an unknown critical parameter, another {@code typ}), a nested JWT, a signature or a segment replaced
 * by garbage. jqwik's engine cannot reach the shared Spring server of these tests (it runs properties
 * outside Spring's test context), so its generators are driven from this JUnit test, in a jqwik session,
 * with a fixed seed: the same {@value #CASES} cases on every run, reproducible from the case number in a
 * failure.
 */
class ClientAssertionFuzzTest extends CarnetServerTest {

	private static final long SEED = 20261130L;
	private static final int CASES = 300;
	private static final int GEN_SIZE = 100;
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
	private static final String SCOPE = "system/Patient.rs";
	private static final Set<String> OAUTH_ERRORS = Set.of("invalid_client", "invalid_request", "invalid_grant");

	/** The client whose assertions are mutated, another client (for its key id), and a jti already used. */
	private static Fixture fixture;

	@BeforeEach
	void twoClientsAndAUsedJti() {
		if (fixture == null) {
			fixture = Fixture.of(clients, baseUrl());
			HttpResponse<String> first = requestToken(fixture.sign(fixture.validClaims(fixture.usedJti())));
			assertThat(first.statusCode()).as("a valid assertion gets a token: " + first.body()).isEqualTo(200);
		}
	}

	@Test
	void aClientAssertionWithoutExpIsRefusedAsAnInvalidClient() throws Exception {
		Map<String, Object> claims = fixture.validClaims(UUID.randomUUID().toString());
		claims.remove("exp");

		HttpResponse<String> response = requestToken(fixture.sign(claims));

		assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
		assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("invalid_client");
	}

	@Test
	void mutatedClientAssertionsGetAnOAuthErrorNeverATokenNorAServerError() throws Exception {
		List<Mutation> cases = new java.util.ArrayList<>();
		// Outside a jqwik property, a session gives the generators the context they keep their state in.
		JqwikSession.start(String.valueOf(SEED));
		try {
			RandomGenerator<Mutation> generator = mutations().generator(GEN_SIZE);
			Random random = new Random(SEED);
			for (int i = 0; i < CASES; i++) {
				cases.add(generator.next(random).value());
			}
		} finally {
			JqwikSession.finish();
		}
		Map<String, Integer> statuses = new java.util.TreeMap<>();
		for (int i = 0; i < CASES; i++) {
			Mutation mutation = cases.get(i);
			String assertion = mutation.apply(fixture);

			HttpResponse<String> response = requestToken(assertion);

			String what = "case " + i + " (" + mutation.description() + "): " + response.statusCode() + " " + response.body();
			assertThat(response.statusCode()).as(what).isIn(400, 401);
			assertThat(response.headers().firstValue("Content-Type")).as(what)
					.hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.path("error").asText()).as(what).isIn(OAUTH_ERRORS);
			assertThat(body.has("access_token")).as(what).isFalse();
			assertThat(response.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
			statuses.merge(mutation.kind() + " " + response.statusCode(), 1, Integer::sum);
		}
		org.slf4j.LoggerFactory.getLogger(ClientAssertionFuzzTest.class)
				.info("{} mutated client assertions, by family and answer: {}", CASES, statuses);
		// Each family of mutations was drawn (the seed is fixed, so this holds on every run).
		assertThat(statuses.keySet().stream().map(key -> key.split(" ")[0]).distinct())
				.containsExactlyInAnyOrder("missing", "type", "oversized", "value", "header", "structure");
	}

	// --- the generators ---

	/** A way to break one rule of a client assertion, and what it is for the failure message. */
	record Mutation(String kind, String description, Function<Fixture, String> assertion) {

		String apply(Fixture fixture) {
			return assertion.apply(fixture);
		}
	}

	private static final List<String> REQUIRED = List.of("iss", "sub", "aud", "exp", "jti");

	static Arbitrary<Mutation> mutations() {
		return Arbitraries.oneOf(missingClaims(), wrongTypes(), oversizedClaims(), wrongValues(), wrongHeaders(),
				brokenStructure());
	}

	private static Arbitrary<Mutation> missingClaims() {
		return Arbitraries.of(REQUIRED).map(claim -> new Mutation("missing", "no " + claim, f -> {
			Map<String, Object> claims = f.validClaims(UUID.randomUUID().toString());
			claims.remove(claim);
			return f.sign(claims);
		}));
	}

	/** A claim of the wrong JSON type: none of these is a valid form of the claim it replaces. */
	private static Arbitrary<Mutation> wrongTypes() {
		Arbitrary<String> claim = Arbitraries.of("iss", "sub", "aud", "exp", "jti", "nbf", "iat");
		Arbitrary<Object> value = Arbitraries.oneOf(
				Arbitraries.integers().between(-5, 1_000_000).map(Object.class::cast),
				Arbitraries.of(true, false).map(Object.class::cast),
				Arbitraries.strings().alpha().numeric().ofMaxLength(20).map(Object.class::cast),
				Arbitraries.just(Map.of("value", 1)).map(Object.class::cast),
				Arbitraries.just(List.of(1, 2)).map(Object.class::cast),
				Arbitraries.just(List.of()).map(Object.class::cast),
				Arbitraries.just(List.of(List.of("nested"))).map(Object.class::cast),
				Arbitraries.just(Map.of()).map(Object.class::cast));
		return Combinators.combine(claim, value).as((name, wrong) -> new Mutation("type", name + " = " + JSON.valueToTree(wrong), f -> {
			Map<String, Object> claims = f.validClaims(UUID.randomUUID().toString());
			Object replacement = wrong;
			boolean numericClaim = Set.of("exp", "nbf", "iat").contains(name);
			if (numericClaim && replacement instanceof Number) {
				replacement = String.valueOf(replacement); // a number is their type: a numeric string is not
			}
			if (!numericClaim && replacement instanceof String text) {
				replacement = List.of(text, 7); // a string is their type: an array with a number is not
			}
			claims.put(name, replacement);
			return f.sign(claims);
		}));
	}

	private static Arbitrary<Mutation> oversizedClaims() {
		Arbitrary<String> claim = Arbitraries.of("iss", "sub", "aud", "jti");
		Arbitrary<Integer> length = Arbitraries.integers().between(ClientAssertionVerifier.MAX_JTI_LENGTH + 1, 20_000);
		return Combinators.combine(claim, length).as((name, size) -> new Mutation("oversized", name + " of " + size + " characters", f -> {
			Map<String, Object> claims = f.validClaims(UUID.randomUUID().toString());
			claims.put(name, "x".repeat(size));
			return f.sign(claims);
		}));
	}

	private static Arbitrary<Mutation> wrongValues() {
		Arbitrary<Long> pastMinutes = Arbitraries.longs().between(2, 60L * 24 * 365);
		Arbitrary<Long> aheadMinutes = Arbitraries.longs().between(7, 60L * 24 * 365 * 100);
		return Arbitraries.oneOf(
				pastMinutes.map(minutes -> valueMutation("exp " + minutes + " min ago",
						claims -> claims.put("exp", Instant.now().minus(Duration.ofMinutes(minutes)).getEpochSecond()))),
				aheadMinutes.map(minutes -> valueMutation("exp " + minutes + " min ahead",
						claims -> claims.put("exp", Instant.now().plus(Duration.ofMinutes(minutes)).getEpochSecond()))),
				Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L, -1L, 99_999_999_999_999L).map(exp ->
						valueMutation("exp " + exp, claims -> claims.put("exp", exp))),
				Arbitraries.of(1e300, -1e300, 1e20).map(exp -> valueMutation("exp " + exp, claims -> claims.put("exp", exp))),
				aheadMinutes.map(minutes -> valueMutation("nbf " + minutes + " min ahead",
						claims -> claims.put("nbf", Instant.now().plus(Duration.ofMinutes(minutes)).getEpochSecond()))),
				Arbitraries.just(new Mutation("value", "iss and sub of another client", f -> f.sign(with(with(
						f.validClaims(UUID.randomUUID().toString()), "iss", f.otherClientId()), "sub", f.otherClientId())))),
				Arbitraries.just(new Mutation("value", "sub of another client",
						f -> f.sign(with(f.validClaims(UUID.randomUUID().toString()), "sub", f.otherClientId())))),
				Arbitraries.of("https://other.example/oauth2/token", "", "http://localhost/oauth2/token").map(audience ->
						valueMutation("aud " + audience, claims -> claims.put("aud", audience))),
				Arbitraries.just(new Mutation("value", "a jti already used", f -> f.sign(f.validClaims(f.usedJti())))),
				Arbitraries.of("", " ").map(jti -> valueMutation("jti '" + jti + "'", claims -> claims.put("jti", jti))),
				Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30).map(client ->
						new Mutation("value", "iss and sub of an unknown client " + client, f -> f.sign(
								with(with(f.validClaims(UUID.randomUUID().toString()), "iss", client), "sub", client)))));
	}

	private static Mutation valueMutation(String description, java.util.function.Consumer<Map<String, Object>> change) {
		return new Mutation("value", description, f -> {
			Map<String, Object> claims = f.validClaims(UUID.randomUUID().toString());
			change.accept(claims);
			return f.sign(claims);
		});
	}

	private static Arbitrary<Mutation> wrongHeaders() {
		return Arbitraries.oneOf(
				Arbitraries.just(new Mutation("header", "alg none, unsigned", f -> {
					String header = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"" + f.keyId() + "\"}").toString();
					return header + "." + Base64URL.encode(json(f.validClaims(UUID.randomUUID().toString()))) + ".";
				})),
				Arbitraries.of("none", "None", "NONE").map(alg -> new Mutation("header", "alg " + alg + ", RSA-signed",
						f -> f.signRaw(rawHeader("{\"alg\":\"" + alg + "\",\"kid\":\"" + f.keyId() + "\"}"),
								json(f.validClaims(UUID.randomUUID().toString())), f.key()))),
				Arbitraries.just(new Mutation("header", "alg HS256 with a guessed secret", f -> f.signWith(
						new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(f.keyId()).build(), f.validClaims(UUID.randomUUID().toString()),
						macSigner()))),
				Arbitraries.of(JWSAlgorithm.RS256, JWSAlgorithm.RS512, JWSAlgorithm.PS384).map(alg -> new Mutation("header",
						"alg " + alg + " (not RS384 or ES384)", f -> f.signWith(new JWSHeader.Builder(alg).keyID(f.keyId()).build(),
								f.validClaims(UUID.randomUUID().toString()), rsaSigner(f.key())))),
				Arbitraries.just(new Mutation("header", "kid and key of another client", f -> f.signWith(
						new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(f.otherKey().getKeyID()).build(),
						f.validClaims(UUID.randomUUID().toString()), rsaSigner(f.otherKey())))),
				Arbitraries.just(new Mutation("header", "own kid, another client's key", f -> f.signWith(
						new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(f.keyId()).build(),
						f.validClaims(UUID.randomUUID().toString()), rsaSigner(f.otherKey())))),
				Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(40).map(kid -> new Mutation("header", "unknown kid " + kid,
						f -> f.signWith(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(kid).build(),
								f.validClaims(UUID.randomUUID().toString()), rsaSigner(f.key())))),
				Arbitraries.just(new Mutation("header", "an unknown critical parameter", f -> f.signRaw(
						rawHeader("{\"alg\":\"RS384\",\"kid\":\"" + f.keyId() + "\",\"crit\":[\"carnet\"],\"carnet\":1}"),
						json(f.validClaims(UUID.randomUUID().toString())), f.key()))),
				Arbitraries.of("at+jwt", "JOSE", "secevent+jwt").map(type -> new Mutation("header", "typ " + type, f -> f.signRaw(
						rawHeader("{\"alg\":\"RS384\",\"kid\":\"" + f.keyId() + "\",\"typ\":\"" + type + "\"}"),
						json(f.validClaims(UUID.randomUUID().toString())), f.key()))),
				Arbitraries.of("{\"alg\":1}", "{\"alg\":[\"RS384\"]}", "[]", "\"RS384\"", "{", "{\"kid\":\"x\"}", "null")
						.map(header -> new Mutation("header", "header " + header,
								f -> f.signRaw(rawHeader(header), json(f.validClaims(UUID.randomUUID().toString())), f.key()))));
	}

	private static Arbitrary<Mutation> brokenStructure() {
		Arbitrary<String> garbage = Arbitraries.strings().ofMinLength(0).ofMaxLength(200)
				.withChars("abcXYZ0189-_+/=.%&é\u0000\u00ff ");
		return Arbitraries.oneOf(
				garbage.map(text -> new Mutation("structure", "garbage '" + text + "'", f -> text)),
				Combinators.combine(Arbitraries.integers().between(0, 2), garbage).as((segment, text) -> new Mutation("structure",
						"segment " + segment + " replaced by '" + text + "'", f -> {
							String[] parts = f.sign(f.validClaims(UUID.randomUUID().toString())).split("\\.", -1);
							// A signature is only broken if its bytes change: replace it with other base64url.
							parts[segment] = segment == 2 ? Base64URL.encode(text + "!").toString() : text;
							return String.join(".", parts);
						})),
				Arbitraries.integers().between(1, 400).map(cut -> new Mutation("structure", "cut after " + cut + " characters",
						f -> {
							String assertion = f.sign(f.validClaims(UUID.randomUUID().toString()));
							return assertion.substring(0, Math.min(cut, assertion.length() - 1));
						})),
				Arbitraries.integers().between(0, 255).map(bit -> new Mutation("structure", "signature bit " + bit + " flipped", f -> {
					String[] parts = f.sign(f.validClaims(UUID.randomUUID().toString())).split("\\.");
					byte[] signature = Base64URL.from(parts[2]).decode();
					signature[bit % signature.length] ^= (byte) (1 << (bit % 8));
					return parts[0] + "." + parts[1] + "." + Base64URL.encode(signature);
				})),
				Arbitraries.integers().between(4, 7).map(count -> new Mutation("structure", count + " segments", f -> {
					String assertion = f.sign(f.validClaims(UUID.randomUUID().toString()));
					return assertion + ".AAAA".repeat(count - 3);
				})),
				Arbitraries.just(new Mutation("structure", "payload of another assertion", f -> {
					String[] mine = f.sign(f.validClaims(UUID.randomUUID().toString())).split("\\.");
					String[] other = f.sign(f.validClaims(UUID.randomUUID().toString())).split("\\.");
					return mine[0] + "." + other[1] + "." + mine[2];
				})),
				Arbitraries.just(new Mutation("structure", "a nested JWT (cty JWT)", f -> f.signRaw(
						rawHeader("{\"alg\":\"RS384\",\"kid\":\"" + f.keyId() + "\",\"cty\":\"JWT\"}"),
						f.sign(f.validClaims(UUID.randomUUID().toString())), f.key()))),
				Arbitraries.of("[]", "[1,2]", "\"text\"", "42", "null", "{\"iss\":", "not json").map(payload -> new Mutation(
						"structure", "payload " + payload, f -> f.signRaw(
								rawHeader("{\"alg\":\"RS384\",\"kid\":\"" + f.keyId() + "\"}"), payload, f.key()))));
	}

	// --- signing what the generators describe ---

	/** The clients and keys the mutations use. */
	record Fixture(String clientId, RSAKey key, String otherClientId, RSAKey otherKey, String tokenEndpoint,
			String usedJti) {

		static Fixture of(CarnetClients clients, String baseUrl) {
			try {
				RSAKey key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
				RSAKey other = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
				String clientId = "fuzzed-" + UUID.randomUUID();
				String otherId = "other-" + UUID.randomUUID();
				clients.registerBackendService(clientId, "Fuzzed hospital", CarnetClients.Kind.HOSPITAL_SYSTEM, List.of(SCOPE),
						new com.nimbusds.jose.jwk.JWKSet(key.toPublicJWK()).toString(), "1750000000", "SA01");
				clients.registerBackendService(otherId, "Other hospital", CarnetClients.Kind.HOSPITAL_SYSTEM, List.of(SCOPE),
						new com.nimbusds.jose.jwk.JWKSet(other.toPublicJWK()).toString(), "1750000000", "SA01");
				return new Fixture(clientId, key, otherId, other, baseUrl + "/oauth2/token", UUID.randomUUID().toString());
			} catch (JOSEException e) {
				throw new IllegalStateException(e);
			}
		}

		String keyId() {
			return key.getKeyID();
		}

		/** The claims of a valid assertion (as a JSON object, so that mutations may put any JSON in). */
		Map<String, Object> validClaims(String jti) {
			Map<String, Object> claims = new LinkedHashMap<>();
			claims.put("iss", clientId);
			claims.put("sub", clientId);
			claims.put("aud", tokenEndpoint);
			claims.put("exp", Instant.now().plus(Duration.ofMinutes(4)).getEpochSecond());
			claims.put("jti", jti);
			return claims;
		}

		String sign(Map<String, Object> claims) {
			return signWith(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(keyId()).build(), claims, rsaSigner(key));
		}

		String signWith(JWSHeader header, Map<String, Object> claims, JWSSigner signer) {
			try {
				JWSObject jws = new JWSObject(header, new Payload(json(claims)));
				jws.sign(signer);
				return jws.serialize();
			} catch (JOSEException e) {
				throw new IllegalStateException(e);
			}
		}

		/** Signs RS384 whatever the header says, over the header and payload exactly as given. */
		String signRaw(String encodedHeader, String payload, RSAKey signingKey) {
			String input = encodedHeader + "." + Base64URL.encode(payload);
			try {
				java.security.Signature signature = java.security.Signature.getInstance("SHA384withRSA");
				signature.initSign(signingKey.toPrivateKey());
				signature.update(input.getBytes(StandardCharsets.US_ASCII));
				return input + "." + Base64URL.encode(signature.sign());
			} catch (java.security.GeneralSecurityException | JOSEException e) {
				throw new IllegalStateException(e);
			}
		}
	}

	private static String rawHeader(String json) {
		return Base64URL.encode(json).toString();
	}

	private static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
		claims.put(name, value);
		return claims;
	}

	private static String json(Object value) {
		try {
			return JSON.writeValueAsString(value);
		} catch (com.fasterxml.jackson.core.JsonProcessingException e) {
			throw new IllegalStateException(e);
		}
	}

	private static JWSSigner rsaSigner(RSAKey key) {
		try {
			return new RSASSASigner(key);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	private static JWSSigner macSigner() {
		try {
			byte[] secret = new byte[32];
			new Random().nextBytes(secret);
			return new MACSigner(secret);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	private HttpResponse<String> requestToken(String assertion) {
		String form = "grant_type=client_credentials&scope=" + URLEncoder.encode(SCOPE, StandardCharsets.UTF_8)
				+ "&client_assertion_type=" + URLEncoder.encode(JWT_BEARER, StandardCharsets.UTF_8)
				+ "&client_assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
		return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/oauth2/token"))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(form))
				.build());
	}
}
