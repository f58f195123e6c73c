package org.carnetsante.fhir;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * How large and how fine a decimal Carnet accepts: at most {@code maxIntegerDigits} digits before the
 * point and {@code maxFractionDigits} after it, counted as the value is written out in full
 * ({@code 1e5} is {@code 100000}, six integer digits; {@code 1e-5} has five fraction digits).
 *
 * <p>Why: HAPI writes a decimal out in full before parsing it when it reads JSON (its Jackson
 * structure calls {@code BigDecimal.toPlainString()}), and Java parses digit strings in quadratic
 * time, so {@code 1e999999} cost 20 s of CPU, then failed to index ({@code Infinite or NaN}); HAPI
 * indexes {@code number} search parameters in a {@code numeric(19,2)} column (17 integer digits) and
 * quantities as doubles. FHIR asks servers to support at least 18 significant digits, well within.
 */
public record DecimalBounds(int maxIntegerDigits, int maxFractionDigits) {

	/** Why {@code value} is refused, or empty when it is within the bounds. Constant time. */
	public Optional<String> problem(BigDecimal value) {
		// precision - scale is the number of digits before the point once written out; both are ints
		// read from the BigDecimal, whatever its exponent.
		long integerDigits = (long) value.precision() - value.scale();
		if (integerDigits > maxIntegerDigits) {
			return Optional.of("has " + integerDigits + " digits before its decimal point once written out; at most "
					+ maxIntegerDigits + " are accepted");
		}
		if (value.scale() > maxFractionDigits) {
			return Optional.of("has " + value.scale() + " digits after its decimal point once written out; at most "
					+ maxFractionDigits + " are accepted");
		}
		return Optional.empty();
	}

	/**
	 * The same for a numeral as written (JSON number, search value): refused if it is not a decimal
	 * at all (its exponent beyond what Java can hold) or out of bounds. Only call it on numerals of
	 * bounded length: parsing the digits is quadratic in their number.
	 */
	public Optional<String> problem(String numeral) {
		BigDecimal value;
		try {
			value = new BigDecimal(numeral);
		} catch (NumberFormatException | ArithmeticException e) {
			return Optional.of("is not a decimal Carnet can hold");
		}
		return problem(value);
	}

	/** The rule in words, for documentation and messages. */
	public String describe() {
		return "at most " + maxIntegerDigits + " digits before the decimal point and " + maxFractionDigits
				+ " after it, written out in full";
	}
}
