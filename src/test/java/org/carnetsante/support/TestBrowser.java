package org.carnetsante.support;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a person's browser does during a SMART App Launch, over real HTTP: keeps cookies, follows
 * nothing by itself (so a test sees every redirect), reads forms and posts them.
 */
public final class TestBrowser {

	private static final Pattern INPUT = Pattern.compile("<input([^>]*)>", Pattern.CASE_INSENSITIVE);
	private static final Pattern ATTRIBUTE = Pattern.compile("(\\w+)=\"([^\"]*)\"");

	private final HttpClient http = HttpClient.newBuilder()
			.cookieHandler(new CookieManager())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();

	public HttpResponse<String> get(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").GET().build());
	}

	public HttpResponse<String> postForm(String url, List<Map.Entry<String, String>> fields) {
		StringBuilder form = new StringBuilder();
		for (Map.Entry<String, String> field : fields) {
			if (form.length() > 0) {
				form.append('&');
			}
			form.append(URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8)).append('=')
					.append(URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8));
		}
		return send(HttpRequest.newBuilder(URI.create(url))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.header("Accept", "text/html")
				.POST(HttpRequest.BodyPublishers.ofString(form.toString()))
				.build());
	}

	/** The Location of a redirect, resolved against the request URL. */
	public static String location(HttpResponse<String> response) {
		String location = response.headers().firstValue("Location")
				.orElseThrow(() -> new AssertionError("No redirect: " + response.statusCode() + " " + response.body()));
		return response.uri().resolve(location).toString();
	}

	/** Every input of the page: name → values (checkboxes appear once per box). */
	public static Map<String, List<String>> inputs(String html) {
		Map<String, List<String>> inputs = new LinkedHashMap<>();
		Matcher input = INPUT.matcher(html);
		while (input.find()) {
			Map<String, String> attributes = new LinkedHashMap<>();
			Matcher attribute = ATTRIBUTE.matcher(input.group(1));
			while (attribute.find()) {
				attributes.put(attribute.group(1).toLowerCase(), attribute.group(2).replace("&amp;", "&"));
			}
			if (attributes.containsKey("name")) {
				inputs.computeIfAbsent(attributes.get("name"), key -> new ArrayList<>())
						.add(attributes.getOrDefault("value", ""));
			}
		}
		return inputs;
	}

	private HttpResponse<String> send(HttpRequest request) {
		return Http.send(http, request);
	}
}
