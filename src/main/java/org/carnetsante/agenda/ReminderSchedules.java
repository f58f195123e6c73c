package org.carnetsante.agenda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.Resource;
import org.yaml.snakeyaml.Yaml;

/**
 * The data files reminders are computed from (issue 14): the vaccination schedule and the organized
 * screening programmes, each versioned with its source year, like the profession matrix. Loaded once at
 * start; a malformed file stops the start with the entry at fault.
 */
public record ReminderSchedules(Schedule<VaccineSeries> vaccination, Schedule<ScreeningProgramme> screening) {

	/** One data file: its version, source year and source, and its entries. */
	public record Schedule<T>(String version, int year, String source, List<T> entries) {

		/** How a computed resource names the file it came from. */
		public String citation() {
			return source + " (version " + version + ")";
		}
	}

	/** A vaccination series of the schedule (see the file's header for the meaning of each field). */
	public record VaccineSeries(String id, String label, String vaccine, List<String> diseases, boolean counted,
			List<Period> doses, Period thenEvery, Period tolerance, Period catchUpUntil, Period until, Period lateAfter,
			List<String> countedAtcPrefixes, List<String> countedDiseases) {}

	/** An organized screening programme. */
	public record ScreeningProgramme(String code, String label, String sex, Period from, Period until, Period every) {}

	public static ReminderSchedules load(Resource vaccinationFile, Resource screeningFile) {
		Map<String, Object> vaccination = read(vaccinationFile);
		Map<String, Object> screening = read(screeningFile);
		List<VaccineSeries> series = new ArrayList<>();
		for (Map<String, Object> entry : list(vaccination, "series", vaccinationFile)) {
			series.add(seriesOf(entry, vaccinationFile));
		}
		List<ScreeningProgramme> programmes = new ArrayList<>();
		for (Map<String, Object> entry : list(screening, "programmes", screeningFile)) {
			String sex = text(entry, "sex", screeningFile);
			if (!List.of("female", "male", "any").contains(sex)) {
				throw invalid(screeningFile, entry, "sex must be female, male or any");
			}
			programmes.add(new ScreeningProgramme(text(entry, "code", screeningFile), text(entry, "label", screeningFile), sex,
					period(entry, "from", screeningFile), period(entry, "until", screeningFile),
					positive(period(entry, "every", screeningFile), entry, "every", screeningFile)));
		}
		return new ReminderSchedules(header(vaccination, vaccinationFile, series), header(screening, screeningFile, programmes));
	}

	private static VaccineSeries seriesOf(Map<String, Object> entry, Resource file) {
		boolean counted = Boolean.TRUE.equals(entry.get("counted"));
		List<Period> doses = new ArrayList<>();
		for (Object dose : listOf(entry.get("doses"))) {
			doses.add(Period.parse(String.valueOf(dose)));
		}
		if (doses.isEmpty()) {
			throw invalid(file, entry, "a series needs at least one dose age");
		}
		Map<String, Object> countedBy = mapOf(entry.get("counted-by"));
		List<String> atc = strings(countedBy.get("atc"));
		List<String> countedDiseases = strings(countedBy.get("diseases"));
		if (atc.isEmpty() && countedDiseases.isEmpty()) {
			throw invalid(file, entry, "counted-by needs atc codes or diseases");
		}
		return new VaccineSeries(text(entry, "id", file), text(entry, "label", file), text(entry, "vaccine", file),
				strings(entry.get("diseases")), counted, List.copyOf(doses),
				positive(optionalPeriod(entry, "then-every"), entry, "then-every", file),
				optionalPeriod(entry, "tolerance") == null ? Period.ZERO : optionalPeriod(entry, "tolerance"),
				optionalPeriod(entry, "catch-up-until"), optionalPeriod(entry, "until"), period(entry, "late-after", file),
				atc, countedDiseases);
	}

	private static <T> Schedule<T> header(Map<String, Object> file, Resource from, List<T> entries) {
		Object year = file.get("year");
		if (!(year instanceof Integer)) {
			throw new IllegalStateException(from.getDescription() + ": year (the source's year) is required");
		}
		return new Schedule<>(text(file, "version", from), (Integer) year, text(file, "source", from), List.copyOf(entries));
	}

	private static Map<String, Object> read(Resource file) {
		try (InputStream in = file.getInputStream()) {
			Object loaded = new Yaml().load(in);
			if (!(loaded instanceof Map)) {
				throw new IllegalStateException(file.getDescription() + " is not a YAML map");
			}
			return mapOf(loaded);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read " + file.getDescription(), e);
		}
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> file, String key, Resource from) {
		Object value = file.get(key);
		if (!(value instanceof List)) {
			throw new IllegalStateException(from.getDescription() + ": " + key + " must be a list");
		}
		return (List<Map<String, Object>>) value;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> mapOf(Object value) {
		return value instanceof Map ? (Map<String, Object>) value : Map.of();
	}

	private static List<?> listOf(Object value) {
		return value instanceof List<?> list ? list : List.of();
	}

	private static List<String> strings(Object value) {
		return listOf(value).stream().map(String::valueOf).toList();
	}

	private static String text(Map<String, Object> entry, String key, Resource file) {
		Object value = entry.get(key);
		if (value == null || String.valueOf(value).isBlank()) {
			throw invalid(file, entry, key + " is required");
		}
		return String.valueOf(value);
	}

	private static Period period(Map<String, Object> entry, String key, Resource file) {
		Period period = optionalPeriod(entry, key);
		if (period == null) {
			throw invalid(file, entry, key + " (an ISO 8601 period such as P2M) is required");
		}
		return period;
	}

	/** A period things repeat by: longer than nothing (a zero one would repeat forever). */
	private static Period positive(Period period, Map<String, Object> entry, String key, Resource file) {
		if (period != null && (period.isNegative() || period.isZero())) {
			throw invalid(file, entry, key + " must be a positive period, not " + period);
		}
		return period;
	}

	private static Period optionalPeriod(Map<String, Object> entry, String key) {
		Object value = entry.get(key);
		return value == null ? null : Period.parse(String.valueOf(value));
	}

	private static IllegalStateException invalid(Resource file, Map<String, Object> entry, String why) {
		return new IllegalStateException(file.getDescription() + ", entry " + entry.getOrDefault("id", entry.get("code")) + ": " + why);
	}
}
