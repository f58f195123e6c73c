package org.carnetsante.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.StringReader;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The registry's lines: the INS's control key and agreement, CSV and NDJSON, and the reason of each refusal. */
class RegistryReaderTest {

	private static final LocalDate TODAY = LocalDate.of(2026, 12, 1);

	@Test
	void theNirKeyIsNinetySevenMinusTheNirModuloNinetySeven() {
		// INSEE's published example: 2 55 08 14 168 025, key 38.
		assertThat(InsCheck.key("2550814168025")).isEqualTo(38);
		assertThat(InsCheck.problem("255081416802538", "female", LocalDate.of(1955, 8, 1))).isEmpty();
		assertThat(InsCheck.problem("255081416802539", "female", LocalDate.of(1955, 8, 1))).hasValueSatisfying(
				problem -> assertThat(problem).contains("control key"));
		assertThat(InsCheck.problem("255081416802538", "male", LocalDate.of(1955, 8, 1))).hasValueSatisfying(
				problem -> assertThat(problem).contains("sex"));
		assertThat(InsCheck.problem("255081416802538", "female", LocalDate.of(1956, 8, 1))).hasValueSatisfying(
				problem -> assertThat(problem).contains("year"));
		// Corsica: 2A counts as 19, 2B as 18.
		assertThat(InsCheck.key("185052A006084")).isEqualTo(InsCheck.key("1850519006084"));
		assertThat(InsCheck.key("185052B006084")).isEqualTo(InsCheck.key("1850518006084"));
	}

	@Test
	void csvAndNdjsonLinesBecomePersonsOrRefusalsWithTheirLineNumbers() {
		String csv = """
				ins,family,given,birth_date,sex,email,postal_address,representatives
				255081416802538,Dupont,Marie Anne,1955-08-01,F,marie@example.org,,

				255081416802538,"Dupont, dite ""Mimi""\",Marie,1955-08-01,female,,"1 rue A, 75001 Paris",
				255081416802538,Dupont,,1955-08-01,F,marie@example.org,,
				255081416802538,Dupont,Marie,1955-08-01,F,,,
				,Dupont,Marie,1955-08-01,F,marie@example.org,,
				255081416802538,Dupont,Marie,2030-01-01,F,marie@example.org,,
				255081416802538,Dupont,Marie,1955-08-01,F,marie@example.org,,255081416802538
				""";
		List<RegistryReader.Read> reads = readAll(csv, RegistryReader.Format.CSV);
		assertThat(reads).extracting(RegistryReader.Read::number).containsExactly(2L, 4L, 5L, 6L, 7L, 8L, 9L);
		assertThat(reads.get(0).line().given()).isEqualTo("Marie Anne");
		assertThat(reads.get(1).line().family()).isEqualTo("Dupont, dite \"Mimi\"");
		assertThat(reads.get(1).line().postalAddress()).isEqualTo("1 rue A, 75001 Paris");
		assertThat(reads.get(2).refusal()).contains("given");
		assertThat(reads.get(3).refusal()).contains("neither e-mail nor postal address");
		assertThat(reads.get(4).refusal()).contains("no INS");
		assertThat(reads.get(5).refusal()).contains("future");
		assertThat(reads.get(6).refusal()).contains("legal representative");

		String ndjson = """
				{"ins":"255081416802538","family":"Dupont","given":"Marie","birthDate":"1955-08-01","sex":"female","email":"m@example.org"}
				{"ins":255081416802538}
				[1,2]
				{"ins":"255081416802538","insSystem":"urn:oid:9.9","family":"Dupont","given":"Marie","birthDate":"1955-08-01","sex":"female","email":"m@example.org"}
				""";
		List<RegistryReader.Read> lines = readAll(ndjson, RegistryReader.Format.NDJSON);
		assertThat(lines.get(0).line().ins()).isEqualTo("urn:oid:1.2.250.1.213.1.4.8|255081416802538");
		assertThat(lines.get(1).refusal()).contains("ins is a string");
		assertThat(lines.get(2).refusal()).contains("not a JSON object");
		assertThat(lines.get(3).refusal()).contains("unknown INS system");
	}

	@Test
	void aCsvWithoutItsHeaderIsRefusedFromItsFirstLine() {
		List<RegistryReader.Read> reads = readAll("255081416802538,Dupont,Marie,1955-08-01,F,m@example.org,,\n",
				RegistryReader.Format.CSV);
		assertThat(reads).hasSize(1);
		assertThat(reads.get(0).refusal()).contains("header");
	}

	@Test
	void theSameContentHasTheSameDigestAndAChangeAnother() {
		RegistryLine line = new RegistryLine(1, "urn:oid:1.2.250.1.213.1.4.8", "255081416802538", "Dupont", "Marie",
				LocalDate.of(1955, 8, 1), "female", "m@example.org", null, List.of());
		RegistryLine again = new RegistryLine(99, line.insSystem(), line.nir(), line.family(), line.given(), line.birthDate(), line.sex(),
				line.email(), null, List.of());
		RegistryLine moved = new RegistryLine(1, line.insSystem(), line.nir(), line.family(), line.given(), line.birthDate(), line.sex(),
				"new@example.org", null, List.of());
		assertThat(again.contentHash()).isEqualTo(line.contentHash());
		assertThat(moved.contentHash()).isNotEqualTo(line.contentHash());
	}

	private static List<RegistryReader.Read> readAll(String text, RegistryReader.Format format) {
		RegistryReader reader = new RegistryReader(new BufferedReader(new StringReader(text)), format,
				List.of("urn:oid:1.2.250.1.213.1.4.8"), TODAY);
		List<RegistryReader.Read> reads = new ArrayList<>();
		Optional<RegistryReader.Read> read;
		while ((read = reader.next()).isPresent()) {
			reads.add(read.get());
		}
		return reads;
	}
}
