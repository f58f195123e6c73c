package org.carnetsante.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** What the tests read of FHIR answers: the JSON of a successful one, the matches of a search. */
public final class FhirResponses {

	private static final ObjectMapper JSON = new ObjectMapper();

	private FhirResponses() {}

	/** The body of an answer that must have succeeded (200 or 201). */
	public static JsonNode json(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
		try {
			return JSON.readTree(response.body());
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The relative ids ({@code Type/id}) of a search Bundle's matches, in order. */
	public static List<String> matches(JsonNode bundle) {
		List<String> ids = new ArrayList<>();
		for (JsonNode entry : bundle.path("entry")) {
			if ("match".equals(entry.at("/search/mode").asText())) {
				ids.add(entry.at("/resource/resourceType").asText() + "/" + entry.at("/resource/id").asText());
			}
		}
		return ids;
	}

	public static List<String> matches(HttpResponse<String> response) {
		return matches(json(response));
	}
}
