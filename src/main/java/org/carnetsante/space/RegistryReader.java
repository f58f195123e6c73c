package org.carnetsante.space;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads an insured registry line by line (NDJSON or CSV, docs/space.md), so that memory stays flat
 * whatever the file's size, and turns each line into a {@link RegistryLine} or the reason it is refused.
 * A refused line never stops the rest.
 */
final class RegistryReader implements AutoCloseable {

	enum Format {
		NDJSON,
		CSV;

		static Format of(String name) {
			String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
			if (lower.endsWith("csv")) {
				return CSV;
			}
			if (lower.endsWith("ndjson") || lower.endsWith("jsonl")) {
				return NDJSON;
			}
			throw new IllegalArgumentException("A registry is NDJSON (.ndjson, application/fhir+ndjson) or CSV (.csv, text/csv)");
		}
	}

	/** One line read: the person it describes, or why it was refused. */
	record Read(long number, RegistryLine line, String refusal) {}

	static final String DEFAULT_INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8";
	static final List<String> CSV_COLUMNS =
			List.of("ins", "family", "given", "birth_date", "sex", "email", "postal_address", "representatives");
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final int MAX_LINE = 4000;
	private static final int MAX_NAME = 200;
	private static final int MAX_EMAIL = 320;
	private static final int MAX_ADDRESS = 500;
	private static final int MAX_REPRESENTATIVES = 2;
	private static final int ADULT_AT = 18;
	private static final LocalDate EARLIEST_BIRTH = LocalDate.of(1890, 1, 1);

	private final BufferedReader in;
	private final Format format;
	private final List<String> insSystems;
	private final LocalDate today;
	private Map<String, Integer> columns;
	private long number;

	RegistryReader(BufferedReader in, Format format, List<String> insSystems, LocalDate today) {
		this.in = in;
		this.format = format;
		this.insSystems = insSystems;
		this.today = today;
	}

	/** The next line, or empty at the end of the file. Blank lines are counted and skipped. */
	Optional<Read> next() {
		try {
			String text;
			while ((text = in.readLine()) != null) {
				number++;
				if (text.isBlank()) {
					continue;
				}
				if (format == Format.CSV && columns == null) {
					columns = header(text);
					if (columns == null) {
						return Optional.of(new Read(number, null, "the first line must be the header "
								+ String.join(",", CSV_COLUMNS) + " (ins_system optional)"));
					}
					continue;
				}
				return Optional.of(read(text));
			}
			return Optional.empty();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Skips lines already committed by an earlier run (the header is read again). */
	void skipTo(long linesDone) {
		while (number < linesDone && next().isPresent()) {
			// read and dropped
		}
	}

	long linesRead() {
		return number;
	}

	private Read read(String text) {
		if (text.length() > MAX_LINE) {
			return new Read(number, null, "the line is longer than " + MAX_LINE + " characters");
		}
		try {
			Map<String, String> fields = format == Format.CSV ? csvFields(text) : jsonFields(text);
			return check(fields);
		} catch (IllegalArgumentException malformed) {
			return new Read(number, null, malformed.getMessage());
		}
	}

	private Read check(Map<String, String> fields) {
		String system = Optional.ofNullable(fields.get("ins_system")).filter(value -> !value.isBlank()).orElse(DEFAULT_INS_SYSTEM);
		if (!insSystems.contains(system)) {
			return refused("unknown INS system " + system);
		}
		String nir = trimmed(fields.get("ins"));
		String family = trimmed(fields.get("family"));
		String given = trimmed(fields.get("given"));
		if (nir == null) {
			return refused("no INS");
		}
		if (family == null || given == null || family.length() > MAX_NAME || given.length() > MAX_NAME) {
			return refused("family and given names are required, at most " + MAX_NAME + " characters each");
		}
		LocalDate birthDate;
		try {
			birthDate = LocalDate.parse(Optional.ofNullable(trimmed(fields.get("birth_date"))).orElse(""));
		} catch (DateTimeParseException e) {
			return refused("the birth date is not a date (YYYY-MM-DD)");
		}
		if (birthDate.isAfter(today) || birthDate.isBefore(EARLIEST_BIRTH)) {
			return refused("the birth date is in the future or before " + EARLIEST_BIRTH);
		}
		String sex = sexOf(trimmed(fields.get("sex")));
		if (sex == null) {
			return refused("the sex is female, male or unknown (F, M accepted)");
		}
		Optional<String> insProblem = InsCheck.problem(nir, sex, birthDate);
		if (insProblem.isPresent()) {
			return refused(insProblem.get());
		}
		String email = trimmed(fields.get("email"));
		String address = trimmed(fields.get("postal_address"));
		if (email != null && (email.length() > MAX_EMAIL || !email.matches("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"))) {
			return refused("the e-mail address is not one");
		}
		if (address != null && address.length() > MAX_ADDRESS) {
			return refused("the postal address is longer than " + MAX_ADDRESS + " characters");
		}
		if (email == null && address == null) {
			return refused("neither e-mail nor postal address: the information notice could not reach the person");
		}
		List<String> representatives = representatives(fields.get("representatives"));
		if (representatives.size() > MAX_REPRESENTATIVES) {
			return refused("at most " + MAX_REPRESENTATIVES + " legal representatives");
		}
		for (String representative : representatives) {
			if (InsCheck.problem(representative, null, null).isPresent() || representative.equals(nir)) {
				return refused("a legal representative's INS is not a valid INS of someone else");
			}
		}
		if (!representatives.isEmpty() && !birthDate.plusYears(ADULT_AT).isAfter(today)) {
			return refused("legal representatives are given for an adult");
		}
		return new Read(number, new RegistryLine(number, system, nir, family, given, birthDate, sex, email, address,
				representatives), null);
	}

	private Read refused(String reason) {
		return new Read(number, null, reason);
	}

	private static String sexOf(String value) {
		if (value == null) {
			return null;
		}
		return switch (value.toLowerCase(Locale.ROOT)) {
			case "female", "f" -> "female";
			case "male", "m" -> "male";
			case "unknown" -> "unknown";
			default -> null;
		};
	}

	private static List<String> representatives(String value) {
		if (value == null || value.isBlank()) {
			return List.of();
		}
		return Arrays.stream(value.split("[;|]")).map(String::trim).filter(each -> !each.isEmpty()).distinct().toList();
	}

	private static String trimmed(String value) {
		return value == null || value.isBlank() ? null : value.trim();
	}

	private Map<String, String> jsonFields(String text) {
		JsonNode node;
		try {
			node = JSON.readTree(text);
		} catch (JsonProcessingException e) {
			throw new IllegalArgumentException("the line is not JSON");
		}
		if (node == null || !node.isObject()) {
			throw new IllegalArgumentException("the line is not a JSON object");
		}
		Map<String, String> fields = new HashMap<>();
		fields.put("ins", text(node, "ins"));
		fields.put("ins_system", text(node, "insSystem"));
		fields.put("family", text(node, "family"));
		fields.put("given", text(node, "given"));
		fields.put("birth_date", text(node, "birthDate"));
		fields.put("sex", text(node, "sex"));
		fields.put("email", text(node, "email"));
		fields.put("postal_address", text(node, "postalAddress"));
		JsonNode representatives = node.get("representatives");
		if (representatives != null && representatives.isArray()) {
			List<String> values = new ArrayList<>();
			representatives.forEach(each -> values.add(each.asText()));
			fields.put("representatives", String.join(";", values));
		} else if (representatives != null && !representatives.isNull()) {
			throw new IllegalArgumentException("representatives is a list of INS");
		}
		return fields;
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isTextual()) {
			throw new IllegalArgumentException(field + " is a string");
		}
		return value.asText();
	}

	private static Map<String, Integer> header(String text) {
		List<String> names;
		try {
			names = splitCsv(text);
		} catch (IllegalArgumentException e) {
			return null;
		}
		Map<String, Integer> positions = new HashMap<>();
		for (int i = 0; i < names.size(); i++) {
			positions.put(names.get(i).trim().toLowerCase(Locale.ROOT), i);
		}
		return positions.keySet().containsAll(CSV_COLUMNS) ? positions : null;
	}

	private Map<String, String> csvFields(String text) {
		List<String> values = splitCsv(text);
		if (values.size() != columns.size()) {
			throw new IllegalArgumentException("the line has " + values.size() + " fields, the header " + columns.size());
		}
		Map<String, String> fields = new HashMap<>();
		columns.forEach((name, position) -> fields.put(name, values.get(position)));
		return fields;
	}

	/** RFC 4180 fields of one line: commas, fields in double quotes, a doubled quote inside one. */
	static List<String> splitCsv(String text) {
		List<String> fields = new ArrayList<>();
		StringBuilder field = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quoted) {
				if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
					field.append('"');
					i++;
				} else if (c == '"') {
					quoted = false;
				} else {
					field.append(c);
				}
			} else if (c == '"' && field.isEmpty()) {
				quoted = true;
			} else if (c == ',') {
				fields.add(field.toString());
				field.setLength(0);
			} else {
				field.append(c);
			}
		}
		if (quoted) {
			throw new IllegalArgumentException("a quoted field is not closed");
		}
		fields.add(field.toString());
		return fields;
	}

	@Override
	public void close() throws IOException {
		in.close();
	}
}
