package org.carnetsante.support;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Insured registries for the tests: valid lines (NIR with its control key, agreeing with the sex and the
 * birth year), refused lines of several kinds, and repeated INS (the same line again, or the same person
 * with a new e-mail address), with the counts a provisioning must end with.
 */
public final class RegistryFiles {

	/** What provisioning the file must report. */
	public record Expected(long lines, long created, long updated, long unchanged, long refused) {}

	public static final String TEST_INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.10";

	private RegistryFiles() {
	}

	/** A valid NIR (13 characters and key) for a person of this sex and birth date, unique per (department, serial). */
	public static String nir(boolean male, LocalDate birth, int department, int serial) {
		String nir13 = String.format(Locale.ROOT, "%d%02d%02d%02d%06d", male ? 1 : 2, birth.getYear() % 100, birth.getMonthValue(),
				department, serial);
		return nir13 + String.format(Locale.ROOT, "%02d", 97 - Long.parseLong(nir13) % 97);
	}

	/** One NDJSON line describing a person. */
	public static String line(String nir, String family, String given, LocalDate birth, boolean male, String email,
			String representatives) {
		return "{\"insSystem\":\"" + TEST_INS_SYSTEM + "\",\"ins\":\"" + nir + "\",\"family\":\"" + family + "\",\"given\":\"" + given
				+ "\",\"birthDate\":\"" + birth + "\",\"sex\":\"" + (male ? "male" : "female") + "\""
				+ (email == null ? ",\"postalAddress\":\"3 rue de la Paix, 75002 Paris\"" : ",\"email\":\"" + email + "\"")
				+ (representatives == null ? "" : ",\"representatives\":[\"" + representatives + "\"]") + "}";
	}

	/**
	 * Writes {@code lines} lines of NDJSON for department {@code department}: one in 97 refused (four
	 * kinds in turn), one in 50 the same line as an earlier one, one in 77 an earlier person with a new
	 * e-mail address.
	 */
	public static Expected write(Path file, int lines, int department) throws IOException {
		Map<String, String> contentByIns = new HashMap<>();
		long created = 0;
		long updated = 0;
		long unchanged = 0;
		long refused = 0;
		LocalDate base = LocalDate.of(1950, 1, 1);
		try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
			int serial = 0;
			for (int number = 1; number <= lines; number++) {
				String text;
				if (number % 97 == 0) {
					refused++;
					text = switch ((number / 97) % 4) {
						case 0 -> "{\"ins\": \"12345\", \"family\": \"Court\"}"; // not an INS
						case 1 -> line(nir(true, base, department, 999_999).substring(0, 13) + "00", "Clef", "Fausse", base, true,
								"clef@example.org", null); // wrong control key
						case 2 -> "{ not json";
						default -> line(nir(true, base, department, 999_998), "Futur", "Né", LocalDate.now().plusYears(1), true,
								"futur@example.org", null); // born in the future
					};
				} else if (number % 50 == 0 && serial > 0) {
					int earlier = (int) ((number * 7919L) % serial);
					String ins = insOf(earlier, department, base);
					text = contentByIns.get(ins);
					unchanged++;
				} else if (number % 77 == 0 && serial > 0) {
					int earlier = (int) ((number * 104729L) % serial);
					String ins = insOf(earlier, department, base);
					text = person(earlier, department, base, "moved-" + number + "@example.org");
					if (text.equals(contentByIns.get(ins))) {
						unchanged++;
					} else {
						updated++;
						contentByIns.put(ins, text);
					}
				} else {
					text = person(serial, department, base, serial % 3 == 0 ? null : "p" + serial + "@example.org");
					contentByIns.put(insOf(serial, department, base), text);
					serial++;
					created++;
				}
				out.write(text);
				out.write('\n');
			}
		}
		return new Expected(lines, created, updated, unchanged, refused);
	}

	private static String insOf(int serial, int department, LocalDate base) {
		return nir(serial % 2 == 0, base.plusDays(serial % 20_000), department, serial);
	}

	private static String person(int serial, int department, LocalDate base, String email) {
		LocalDate birth = base.plusDays(serial % 20_000);
		boolean male = serial % 2 == 0;
		return line(nir(male, birth, department, serial), "Nom" + serial, "Prénom", birth, male, email, null);
	}
}
