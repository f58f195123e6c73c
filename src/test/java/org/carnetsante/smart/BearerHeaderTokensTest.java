package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Carnet's token reader and header firewall replace Spring Security's regular expressions by loops;
 * they must answer exactly as Spring Security's own on every kind of header.
 */
class BearerHeaderTokensTest {

	private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJzY29wZSI6InN5c3RlbS8qLnJzIn0"
			+ ".c2lnbmF0dXJlLXdpdGgtLV8tYW5kLXN0dWZm-_x";

	private static final List<String> AUTHORIZATION_HEADERS = List.of(
			"Bearer " + JWT, "bearer " + JWT, "BEARER " + JWT, "BeArEr " + JWT,
			"Bearer abc==", "Bearer abc=", "Bearer a~b+c/d.e_f-g", "Bearer ===", "Bearer ab=c",
			"Bearer", "Bearer ", "Bearer  " + JWT, "Bearer " + JWT + " ", "Bearer " + JWT + " extra",
			"Bearer\t" + JWT, "Bearerx " + JWT, "Bearer é" + JWT, "Bearer " + JWT + "\n", "Bearer ab%cd",
			"Basic dXNlcjpwYXNz", "Token " + JWT, "", " Bearer " + JWT, "bearer:" + JWT, "DPoP " + JWT);

	@Test
	void readsEveryAuthorizationHeaderAsSpringSecurityDoes() {
		BearerTokenResolver carnet = new BearerHeaderTokens("/websocket");
		BearerTokenResolver spring = new DefaultBearerTokenResolver();
		for (String header : AUTHORIZATION_HEADERS) {
			for (String path : List.of("/fhir/Patient/1", "/fhir/Patient?access_token=" + JWT)) {
				MockHttpServletRequest request = request(path);
				request.addHeader("Authorization", header);
				assertThat(outcome(carnet, request)).as("%s on %s", header, path).isEqualTo(outcome(spring, request));
			}
		}
		MockHttpServletRequest none = request("/fhir/Patient/1");
		assertThat(outcome(carnet, none)).isEqualTo(outcome(spring, none)).isEqualTo("no token");
	}

	@Test
	void theWebsocketHandshakeTakesTheTokenFromTheQueryToo() {
		BearerTokenResolver carnet = new BearerHeaderTokens("/websocket");
		MockHttpServletRequest request = request("/websocket");
		request.setQueryString("access_token=" + JWT);
		request.addParameter("access_token", JWT);
		assertThat(outcome(carnet, request)).isEqualTo("token " + JWT);
		MockHttpServletRequest elsewhere = request("/fhir/Patient");
		elsewhere.setQueryString("access_token=" + JWT);
		elsewhere.addParameter("access_token", JWT);
		assertThat(outcome(carnet, elsewhere)).isEqualTo("no token");
	}

	@Test
	void headerValuesAreJudgedAsTheStrictFirewallJudgesThem() {
		Pattern spring = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
		List<String> values = List.of("Bearer " + JWT, "application/fhir+json", "", "fr-FR,fr;q=0.9", "tab\there",
				"line\nbreak", "nul\u0000", "del\u007f", "café", "日本語", "unassigned\u0378", "c1\u0085", "emoji\uD83D\uDE00",
				"lone\uD800surrogate", "~!@#$%^&*()_+`-={}[]|\\:;\"'<>,.?/");
		for (String value : values) {
			assertThat(HeaderCharacterFirewall.ALLOWED.test(value)).as(value).isEqualTo(spring.matcher(value).matches());
		}
	}

	private static MockHttpServletRequest request(String pathAndQuery) {
		int query = pathAndQuery.indexOf('?');
		MockHttpServletRequest request = new MockHttpServletRequest("GET", query < 0 ? pathAndQuery : pathAndQuery.substring(0, query));
		if (query >= 0) {
			request.setQueryString(pathAndQuery.substring(query + 1));
			for (String pair : pathAndQuery.substring(query + 1).split("&")) {
				String[] nameValue = pair.split("=", 2);
				request.addParameter(nameValue[0], nameValue.length > 1 ? nameValue[1] : "");
			}
		}
		return request;
	}

	private static String outcome(BearerTokenResolver resolver, MockHttpServletRequest request) {
		try {
			String token = resolver.resolve(request);
			return token == null ? "no token" : "token " + token;
		} catch (OAuth2AuthenticationException e) {
			return "refused " + Objects.toString(e.getError().getDescription());
		}
	}
}
