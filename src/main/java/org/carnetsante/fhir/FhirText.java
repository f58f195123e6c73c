package org.carnetsante.fhir;

import java.util.Optional;

/**
 * What a FHIR string may hold. FHIR: "Strings SHALL NOT contain Unicode character points below 32,
 * except for u0009 (horizontal tab), u0010 (carriage return) and u0013 (line feed)". Beyond the rule,
 * each refused character breaks something later: PostgreSQL text cannot hold NUL (a 500, or a 409 from
 * a failed index insert); an unpaired UTF-16 surrogate ({@code "\ud800"} in JSON) cannot be written as
 * UTF-8, nor hashed for HAPI's string index (a 500); XML cannot carry other control characters nor
 * U+FFFE/U+FFFF, so the resource could no longer be served as XML.
 */
final class FhirText {

	private FhirText() {}

	/** Why {@code text} cannot be a FHIR string, or empty. Linear in its length. */
	static Optional<String> problem(String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				return Optional.of("holds the control character " + codePoint(c) + " at position " + i);
			}
			if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
				i++;
				continue;
			}
			if (Character.isSurrogate(c)) {
				return Optional.of("holds an unpaired UTF-16 surrogate " + codePoint(c) + " at position " + i
						+ ", which no Unicode text contains");
			}
			if (c == '\uFFFE' || c == '\uFFFF') {
				return Optional.of("holds the noncharacter " + codePoint(c) + " at position " + i);
			}
		}
		return Optional.empty();
	}

	private static String codePoint(char c) {
		return String.format("U+%04X", (int) c);
	}

	/** A client's text as shown in a diagnostic: short, printable, nothing a log or a page could choke on. */
	static String shown(String text) {
		String printable = text.replaceAll("[\\p{Cntrl}\\p{Cs}]", "?");
		return printable.length() <= 60 ? printable : printable.substring(0, 57) + "...";
	}
}
