package org.carnetsante.fhir;

import ca.uhn.fhir.util.DateUtils;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of FHIR's conditional request headers (FHIR R4 http.html: managing versions, conditional
 * read, create and update), shared by the HTTP headers and their Bundle entry twins
 * ({@code request.ifMatch}, {@code ifNoneMatch}, {@code ifNoneExist}, {@code ifModifiedSince}).
 * HAPI reads these leniently and failed with a server error on some ({@code If-Match: W/"abc"} reached a
 * {@code Long.parseLong}, a bad {@code If-Modified-Since} date a null); here each is either well
 * formed or refused.
 */
final class ConditionalHeaders {

	/**
	 * One entity tag naming a version: {@code W/"3"} (the weak form FHIR servers send) or {@code "3"}.
	 * HAPI keeps versions as positive longs; 18 digits always fit one.
	 */
	private static final Pattern VERSION_TAG = Pattern.compile("(?:W/)?\"([0-9]{1,18})\"");

	static final String VERSION_TAG_FORM = "W/\"<version>\" (one version number)";

	private ConditionalHeaders() {}

	/** The version an {@code If-Match} names, or empty when it is not one version tag. */
	static OptionalLong version(String ifMatch) {
		Matcher matcher = VERSION_TAG.matcher(ifMatch.trim());
		return matcher.matches() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
	}

	static Optional<String> ifMatchProblem(String value) {
		return version(value).isPresent() ? Optional.empty()
				: Optional.of("If-Match must be " + VERSION_TAG_FORM + ", not '" + FhirText.shown(value) + "'");
	}

	/** {@code *} or one version tag (a conditional read: 304 when it is the current version). */
	static Optional<String> ifNoneMatchProblem(String value) {
		return value.trim().equals("*") || version(value).isPresent() ? Optional.empty()
				: Optional.of("If-None-Match must be * or " + VERSION_TAG_FORM + ", not '" + FhirText.shown(value) + "'");
	}

	/** An HTTP date (RFC 9110), as HAPI reads it. */
	static Optional<String> ifModifiedSinceProblem(String value) {
		return DateUtils.parseDate(value.trim()) != null ? Optional.empty()
				: Optional.of("If-Modified-Since must be an HTTP date (Tue, 15 Nov 1994 08:12:31 GMT), not '"
						+ FhirText.shown(value) + "'");
	}

	/** Search parameters ({@code identifier=system|value}), as in a query string. */
	static Optional<String> ifNoneExistProblem(String value, String where, int maxSearchValues) {
		String query = value.trim();
		int questionMark = query.indexOf('?');
		if (questionMark >= 0) {
			query = query.substring(questionMark + 1); // HAPI also takes "Type?params"
		}
		if (query.isEmpty() || !query.contains("=")) {
			return Optional.of(where + " must give search parameters (identifier=system|value), not '" + FhirText.shown(value) + "'");
		}
		try {
			QueryStringInspector.check(query, where, maxSearchValues);
			return Optional.empty();
		} catch (ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refused) {
			return Optional.of(refused.getMessage());
		}
	}
}
