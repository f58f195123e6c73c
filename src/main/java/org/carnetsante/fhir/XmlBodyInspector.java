package org.carnetsante.fhir;

import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses an XML body, before HAPI parses it, that holds an attribute value of more than
 * {@link Numerals#LONGEST} digits: FHIR XML gives every primitive in a {@code value} attribute, and
 * HAPI parses a decimal's digits in quadratic time (a 300 kB value cost 3 s, a 5 MB one would take
 * hours). The rest (well-formedness, entities, characters XML forbids) is left to the XML parser, which
 * refuses them itself.
 */
final class XmlBodyInspector implements BodyInspector {

	private static final int LONGEST_ELEMENT_NAME = 100;

	private boolean inTag;
	private boolean readingName;
	private final StringBuilder element = new StringBuilder();
	private int quote;
	private boolean valueIsNumeral;
	private int valueLength;

	/** Text between tags, and attribute values that are no numeral, are skipped to what ends them. */
	@Override
	public void inspect(byte[] bytes, int offset, int length) {
		int end = offset + length;
		for (int i = offset; i < end; i++) {
			int b = bytes[i];
			if ((!inTag && b != '<') || (quote != 0 && !valueIsNumeral && b != quote)) {
				continue;
			}
			inspect(b & 0xFF);
		}
	}

	@Override
	public void inspect(int b) {
		if (!inTag) {
			if (b == '<') {
				inTag = true;
				readingName = true;
				element.setLength(0);
			}
			return;
		}
		if (quote != 0) {
			if (b == quote) {
				quote = 0;
			} else {
				valueLength++;
				valueIsNumeral &= Numerals.isNumeralByte(b);
				if (valueIsNumeral && valueLength > Numerals.LONGEST) {
					String diagnostics = "Attribute of <" + element + "> of more than " + Numerals.LONGEST
							+ " digits: too long to be read as a number";
					throw OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, null, diagnostics);
				}
			}
			return;
		}
		if (b == '"' || b == '\'') {
			quote = b;
			valueIsNumeral = true;
			valueLength = 0;
			readingName = false;
		} else if (b == '>') {
			inTag = false;
		} else if (readingName) {
			if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '/') {
				readingName = element.length() == 0 && b == '/';
			} else if (element.length() < LONGEST_ELEMENT_NAME) {
				element.append((char) b);
			}
		}
	}
}
