package org.carnetsante.fhir;

import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * Text that HAPI may read as a number. HAPI turns such text into a {@code BigDecimal} whose parse is
 * quadratic in the number of digits (300,000 digits: 2.5 s), and accepts decimals given as JSON
 * strings or XML attributes of any length; Jackson bounds number tokens, not strings. So any numeral,
 * wherever it stands, is held to Jackson's own bound on number tokens.
 */
final class Numerals {

	/** Jackson's bound on the length of a JSON number token: the same for every numeral. */
	static final int LONGEST = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

	private Numerals() {}

	/** Whether {@code b} may appear in a numeral ({@code -12.5e+3}). */
	static boolean isNumeralByte(int b) {
		return (b >= '0' && b <= '9') || b == '.' || b == '-' || b == '+' || b == 'e' || b == 'E';
	}
}
