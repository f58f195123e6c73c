package org.carnetsante.fhir;

import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Checks a query string ({@code a=1&b=x%7Cy}) byte by byte, as written on the wire: in a URL, in a
 * Bundle entry's URL or an {@code If-None-Exist} header; or parameters already decoded (a form-encoded
 * body, which the servlet container decodes). HAPI decodes
 * query strings itself and fails with a server error on a broken escape ({@code %zz}, {@code %u00e9});
 * decoded control characters ({@code %00}) reached PostgreSQL, which cannot store them in text. Every
 * value counts against {@code carnet.fhir.max-search-values}: each is a condition the database
 * evaluates ({@code _id} with 70,000 values took 6 s). A run of more than {@link Numerals#LONGEST}
 * digits is refused too: HAPI parses number and quantity values in quadratic time.
 */
final class QueryStringInspector implements BodyInspector {

	private static final int DELETE = 0x7F;

	private final String where;
	private final int maxValues;
	private int values;
	private int escapeDigits = -1;
	private int escaped;
	private boolean inValue;
	private boolean previousWasBackslash;
	private int digitRun;

	/** @param where what the query string is, for messages ("The URL", "Bundle.entry[2].request.url") */
	QueryStringInspector(String where, int maxValues) {
		this.where = where;
		this.maxValues = maxValues;
	}

	/** Checks a whole query string (without its {@code ?}). */
	static void check(String queryString, String where, int maxValues) {
		QueryStringInspector inspector = new QueryStringInspector(where, maxValues);
		for (int i = 0; i < queryString.length(); i++) {
			char c = queryString.charAt(i);
			// Characters beyond ASCII are not escapes nor delimiters; only their presence matters.
			inspector.inspect(c < 0x80 ? c : 'x');
		}
		inspector.end();
	}

	/** Checks parameters the servlet container decoded already: their values, and how many they are. */
	static void checkDecoded(java.util.Map<String, String[]> parameters, String where, int maxValues) {
		QueryStringInspector inspector = new QueryStringInspector(where, maxValues);
		for (java.util.Map.Entry<String, String[]> parameter : parameters.entrySet()) {
			inspector.decoded(parameter.getKey(), false);
			for (String value : parameter.getValue()) {
				inspector.count();
				inspector.decoded(value, true);
			}
		}
	}

	private void decoded(String text, boolean value) {
		inValue = value;
		previousWasBackslash = false;
		digitRun = 0;
		for (int i = 0; i < text.length(); i++) {
			character(text.charAt(i), true);
		}
	}

	@Override
	public void inspect(int b) {
		if (escapeDigits >= 0) {
			int digit = Character.digit(b, 16);
			if (digit < 0) {
				throw refusal("has a broken escape: % must be followed by two hexadecimal digits");
			}
			escaped = escaped * 16 + digit;
			if (++escapeDigits == 2) {
				escapeDigits = -1;
				character(escaped, true);
			}
			return;
		}
		if (b == '%') {
			escapeDigits = 0;
			escaped = 0;
			return;
		}
		character(b, false);
	}

	/** The end of the query string: an escape cut short is broken too. */
	void end() {
		if (escapeDigits >= 0) {
			throw refusal("has a broken escape: % must be followed by two hexadecimal digits");
		}
	}

	private void character(int c, boolean wasEscaped) {
		if (c < 0x20 || c == DELETE) {
			throw refusal("holds a control character (code " + c + "), which no FHIR value contains");
		}
		if (!wasEscaped && c == '&') {
			inValue = false;
		} else if (!wasEscaped && c == '=') {
			if (!inValue) {
				inValue = true;
				count();
			}
		} else if (c == ',' && inValue && !previousWasBackslash) {
			count();
		}
		previousWasBackslash = c == '\\';
		digitRun = c >= '0' && c <= '9' ? digitRun + 1 : 0;
		if (digitRun > Numerals.LONGEST) {
			throw refusal("holds more than " + Numerals.LONGEST + " digits in a row: too long to be read as a number");
		}
	}

	private void count() {
		if (++values > maxValues) {
			throw refusal("carries more than " + maxValues + " search values");
		}
	}

	private ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refusal(String problem) {
		return OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, null, where + " " + problem);
	}
}
