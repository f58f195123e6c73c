package org.carnetsante.fhir;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses a JSON body, before HAPI parses it, where HAPI's own parse would cost too much or fail
 * with a server error:
 * <ul>
 *   <li>nesting deeper than {@code carnet.fhir.max-json-nesting-depth};
 *   <li>a number outside {@link DecimalBounds} (HAPI writes {@code 1e999999} out in full, then spends
 *       20 s parsing it), or longer than {@link Numerals#LONGEST};
 *   <li>a string of digits longer than {@link Numerals#LONGEST} (HAPI parses decimals given as strings);
 *   <li>{@code null} where FHIR JSON never has one: as the value of a property (a {@code "resource":
 *       null} entry made HAPI's parser throw), or beside objects in an array that does not align
 *       primitives' extensions ({@code _given}).
 * </ul>
 * Each refusal names where it is, as a FHIRPath-like expression ({@code Bundle.entry[0].resource}).
 * The rest of the grammar is left to the JSON parser.
 */
final class JsonBodyInspector implements BodyInspector {

	/** Longest property name kept for messages; FHIR's are far shorter. */
	private static final int LONGEST_NAME = 100;

	private final int maxDepth;
	private final DecimalBounds decimals;

	private final Deque<Container> containers = new ArrayDeque<>();
	private String rootType;

	private boolean inString;
	private boolean escaped;
	private boolean stringIsName;
	private boolean stringIsRootType;
	private final StringBuilder name = new StringBuilder();
	private boolean stringIsNumeral;
	private int stringLength;

	private StringBuilder numeral;

	JsonBodyInspector(int maxDepth, DecimalBounds decimals) {
		this.maxDepth = maxDepth;
		this.decimals = decimals;
	}

	/**
	 * Most of a large body is the inside of long strings that are no numeral (base64 data, text): those
	 * are skipped to their next quote or backslash.
	 */
	@Override
	public void inspect(byte[] bytes, int offset, int length) {
		int end = offset + length;
		int i = offset;
		while (i < end) {
			if (inString && !escaped && !stringIsNumeral && !stringIsName && !stringIsRootType) {
				int b = bytes[i];
				if (b != '"' && b != '\\') {
					i++;
					continue;
				}
			}
			inspect(bytes[i] & 0xFF);
			i++;
		}
	}

	@Override
	public void inspect(int b) {
		if (numeral != null) {
			if (Numerals.isNumeralByte(b)) {
				if (numeral.length() >= Numerals.LONGEST) {
					throw refusal("Number longer than " + Numerals.LONGEST + " characters");
				}
				numeral.append((char) b);
				return;
			}
			endNumeral();
		}
		if (inString) {
			inspectInString(b);
			return;
		}
		switch (b) {
			case '"' -> startString();
			case '{' -> open(true);
			case '[' -> open(false);
			case '}', ']' -> containers.poll();
			case ',' -> next();
			case ':' -> {
				if (!containers.isEmpty()) {
					containers.peek().expectingName = false;
				}
			}
			case 'n' -> nullValue();
			default -> {
				if (b == '-' || b == '+' || (b >= '0' && b <= '9')) {
					numeral = new StringBuilder().append((char) b);
				}
			}
		}
	}

	private void inspectInString(int b) {
		if (escaped) {
			escaped = false;
			stringIsNumeral = false;
			return;
		}
		if (b == '\\') {
			escaped = true;
			stringIsNumeral = false;
			return;
		}
		if (b == '"') {
			endString();
			return;
		}
		if (stringIsName || stringIsRootType) {
			if (name.length() < LONGEST_NAME) {
				name.append((char) b);
			}
			if (stringIsName) {
				return;
			}
		}
		stringLength++;
		stringIsNumeral &= Numerals.isNumeralByte(b);
		if (stringIsNumeral && stringLength > Numerals.LONGEST) {
			throw refusal("String of more than " + Numerals.LONGEST + " digits: too long to be read as a number");
		}
	}

	private void startString() {
		inString = true;
		Container container = containers.peek();
		stringIsName = container != null && container.object && container.expectingName;
		stringIsRootType = !stringIsName && containers.size() == 1 && "resourceType".equals(container.name);
		name.setLength(0);
		stringIsNumeral = true;
		stringLength = 0;
	}

	private void endString() {
		inString = false;
		if (stringIsName) {
			containers.peek().name = name.toString();
		} else if (stringIsRootType) {
			rootType = name.toString();
		}
	}

	private void endNumeral() {
		String written = numeral.toString();
		numeral = null;
		decimals.problem(written).ifPresent(problem -> {
			throw refusal("Number " + abbreviated(written) + " " + problem);
		});
	}

	private void open(boolean object) {
		Container parent = containers.peek();
		if (parent != null && !parent.object) {
			parent.holdsStructures = true;
			refuseNullBesideStructures(parent);
		}
		if (containers.size() >= maxDepth) {
			throw refusal("JSON body nested deeper than " + maxDepth + " levels");
		}
		Container container = new Container(object);
		container.arrayName = parent != null && parent.object ? parent.name : null;
		containers.push(container);
	}

	private void next() {
		Container container = containers.peek();
		if (container == null) {
			return;
		}
		if (container.object) {
			container.expectingName = true;
		} else {
			container.index++;
		}
	}

	private void nullValue() {
		Container container = containers.peek();
		if (container == null) {
			return;
		}
		if (container.object) {
			throw refusal("null is not a FHIR value: leave the property out");
		}
		container.holdsNull = true;
		refuseNullBesideStructures(container);
	}

	/** FHIR JSON puts null in arrays only to align primitives with their extensions. */
	private void refuseNullBesideStructures(Container array) {
		if (array.holdsNull && array.holdsStructures && (array.arrayName == null || !array.arrayName.startsWith("_"))) {
			throw refusal("null beside objects in an array: FHIR JSON has null only in arrays of primitives");
		}
	}

	private ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refusal(String diagnostics) {
		String where = where();
		return OperationOutcomes.invalid(
				OperationOutcome.IssueType.INVALID, where, diagnostics + (where == null ? "" : " (at " + where + ")"));
	}

	/** Where the inspection stands, as {@code Bundle.entry[0].resource}; null before the first property. */
	private String where() {
		if (containers.isEmpty()) {
			return null;
		}
		StringBuilder path = new StringBuilder(rootType == null ? "$" : rootType);
		for (Iterator<Container> outermostFirst = containers.descendingIterator(); outermostFirst.hasNext(); ) {
			Container container = outermostFirst.next();
			if (container.object) {
				if (container.name != null) {
					path.append('.').append(container.name);
				}
			} else {
				path.append('[').append(container.index).append(']');
			}
		}
		return path.toString();
	}

	private static String abbreviated(String numeral) {
		return numeral.length() <= 40 ? numeral : numeral.substring(0, 37) + "...";
	}

	private static final class Container {
		final boolean object;
		boolean expectingName = true;
		String name;
		String arrayName;
		int index;
		boolean holdsNull;
		boolean holdsStructures;

		Container(boolean object) {
			this.object = object;
		}
	}
}
