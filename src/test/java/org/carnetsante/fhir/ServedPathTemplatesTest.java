package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ServedInteractions#serves}: the path templates of an API description ({@code {id}} for an id)
 * judged as the requests they stand for, which is what keeps the OpenAPI description to what is served.
 */
class ServedPathTemplatesTest {

	private final ServedInteractions served = new ServedInteractions(Set.of("Patient", "DocumentReference", "Group"));

	@ParameterizedTest(name = "{0} {1}: {2}")
	@CsvSource({
			"GET,    /metadata,                                true",
			"POST,   /,                                        true",
			"GET,    /Patient,                                 true",
			"POST,   /Patient,                                 true",
			"POST,   /Patient/_search,                         true",
			"GET,    /Patient/{id},                            true",
			"PUT,    /Patient/{id},                            true",
			"PATCH,  /Patient/{id},                            true",
			"DELETE, /Patient/{id},                            true",
			"GET,    /Patient/{id}/_history,                   true",
			"GET,    /Patient/{id}/_history/{version_id},      true",
			"GET,    /Patient/{id}/$everything,                true",
			"POST,   /DocumentReference/$validate,             true",
			"PATCH,  /DocumentReference,                       true",
			"GET,    /$export,                                 true",
			"GET,    /Group/{id}/$export,                      true",
			"GET,    /Observation/{id},                        false",
			"GET,    /Observation,                             false",
			"PUT,    /Patient,                                 false",
			"DELETE, /Patient,                                 false",
			"GET,    /_history,                                false",
			"GET,    /Patient/_history,                        false",
			"POST,   /Patient/{id}/$validate,                  false",
			"GET,    /Patient/{id}/$meta,                      false",
			"POST,   /Patient/{id}/$meta-add,                  false",
			"POST,   /$expunge,                                false",
			"POST,   /$reindex,                                false",
			"GET,    /DocumentReference/{id}/$everything,      false",
	})
	void aTemplateIsServedExactlyWhenTheRequestItStandsForIs(String method, String template, boolean expected) {
		assertThat(served.serves(method, template)).isEqualTo(expected);
	}
}
