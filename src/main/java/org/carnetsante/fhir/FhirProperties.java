package org.carnetsante.fhir;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code carnet.fhir.*}: how the FHIR endpoint at {@code /fhir} behaves. Every key is listed with its
 * default in docs/configuration.md.
 *
 * @param dataDir folder for the embedded database and the local full-text index
 * @param serverAddress public base URL (e.g. behind a reverse proxy); empty means "as the request says"
 * @param defaultPageSize search page size when the client gives no {@code _count}
 * @param maxPageSize largest {@code _count} honoured
 * @param maxRequestBody largest request body accepted, after gzip inflation; larger bodies get 413
 * @param maxJsonNestingDepth deepest JSON nesting accepted in a request body; deeper gets 400
 * @param openapiEnabled serve the OpenAPI description and Swagger UI under {@code /fhir/api-docs}
 * @param reuseCachedSearchResults how long HAPI answers an identical search from its stored results
 *     instead of running it again; 0 never. HAPI never reuses the results of a search the access policy
 *     filtered for its caller, which is every search of a caller's: the setting matters only to Carnet's own
 *     searches.
 * @param maxDecimalIntegerDigits most digits a decimal accepted anywhere (bodies of every format,
 *     search values) has before its point, once written out ({@code 1e5} has 6): HAPI indexes
 *     numbers in a {@code numeric(19,2)} column, which holds 17, and writes decimals out in full when
 *     it reads JSON (a 150-byte {@code 1e999999} cost 20 s of CPU)
 * @param maxDecimalFractionDigits most digits a decimal has after its point, once written out
 *     ({@code 1e-5} has 5); FHIR asks for at least 18 significant digits
 * @param maxBundleEntries most entries of a transaction or batch Bundle
 * @param maxSearchValues most values a request's parameters carry together ({@code _id=a,b,c} counts
 *     3), in its URL or its form body: each is a condition the database evaluates
 * @param migrationTakeOverAfter how long a one-off data migration started by a node that never finished
 *     it waits before another node takes it over
 * @param resourceTypes the resource types the FHIR endpoint serves (the implementation guide's, the
 *     directory's, terminology and conformance); any other type answers 404, as an unknown type does
 */
@ConfigurationProperties("carnet.fhir")
public record FhirProperties(
		Path dataDir,
		@DefaultValue("") String serverAddress,
		@DefaultValue("20") int defaultPageSize,
		@DefaultValue("200") int maxPageSize,
		@DefaultValue("20MB") DataSize maxRequestBody,
		@DefaultValue("100") int maxJsonNestingDepth,
		@DefaultValue("true") boolean openapiEnabled,
		@DefaultValue("60s") java.time.Duration reuseCachedSearchResults,
		@DefaultValue("17") int maxDecimalIntegerDigits,
		@DefaultValue("30") int maxDecimalFractionDigits,
		@DefaultValue("1000") int maxBundleEntries,
		@DefaultValue("1000") int maxSearchValues,
		java.util.List<String> resourceTypes,
		@DefaultValue("10m") java.time.Duration migrationTakeOverAfter) {

	public FhirProperties {
		resourceTypes = resourceTypes == null ? java.util.List.of() : java.util.List.copyOf(resourceTypes);
	}

	/** The bounds every decimal the server accepts stays within. */
	public DecimalBounds decimalBounds() {
		return new DecimalBounds(maxDecimalIntegerDigits, maxDecimalFractionDigits);
	}
}
