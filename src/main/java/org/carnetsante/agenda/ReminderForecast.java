package org.carnetsante.agenda;

import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.carnetsante.agenda.ReminderSchedules.ScreeningProgramme;
import org.carnetsante.agenda.ReminderSchedules.VaccineSeries;

/**
 * What a person is due, from the schedules, their birth date, sex and recorded immunizations, on a given
 * day: a pure function, so the same inputs always give the same forecast whichever node computes it.
 *
 * <p>It also tells the next day on which the forecast would change with the same inputs (a dose comes
 * within the horizon, becomes overdue, a screening round starts, a catch-up age passes): the space is
 * recomputed on that day or when an input changes, never by scanning every space.
 */
public final class ReminderForecast {

	/** Oldest age a repeating schedule is followed to. */
	private static final Period LAST_AGE = Period.ofYears(120);

	public enum Status { DUE, OVERDUE, COMPLETE }

	/** A recorded Immunization as the forecast counts it. */
	public record RecordedDose(String immunizationId, LocalDate date, Set<String> atcCodes, Set<String> diseases) {}

	/** A vaccination recommendation: the next dose of a series, or the series complete. */
	public record Vaccination(VaccineSeries series, int doseNumber, Integer seriesDoses, Status status, LocalDate due,
			LocalDate overdueFrom, List<String> supportingImmunizations) {

		/** Names this dose on this date: a reminder is e-mailed once per key. */
		public String reminderKey() {
			return "vaccination/" + series.id() + "/" + doseNumber + "/" + due;
		}
	}

	/** A screening round the person is invited to. */
	public record Screening(ScreeningProgramme programme, LocalDate due, LocalDate nextRound) {

		public String reminderKey() {
			return "screening/" + programme.code() + "/" + due;
		}
	}

	public record Forecast(List<Vaccination> vaccinations, List<Screening> screenings, Optional<LocalDate> nextChange) {

		static final Forecast NONE = new Forecast(List.of(), List.of(), Optional.empty());
	}

	private final ReminderSchedules schedules;
	private final Period horizon;

	/** {@code horizon}: how far ahead a coming dose or round is shown (and reminded when it comes). */
	public ReminderForecast(ReminderSchedules schedules, Period horizon) {
		this.schedules = schedules;
		this.horizon = horizon;
	}

	/** The forecast of a person born on {@code birth} (Patient.gender {@code sex}) on {@code today}. */
	public Forecast forecast(LocalDate birth, String sex, List<RecordedDose> doses, LocalDate today) {
		if (birth == null) {
			return Forecast.NONE;
		}
		if (birth.isAfter(today)) {
			return new Forecast(List.of(), List.of(), Optional.of(birth)); // computed again once born
		}
		ChangeDays changes = new ChangeDays(today);
		List<Vaccination> vaccinations = new ArrayList<>();
		for (VaccineSeries series : schedules.vaccination().entries()) {
			List<RecordedDose> counting = doses.stream().filter(dose -> countsToward(series, dose)).toList();
			Consumer<Vaccination> add = vaccinations::add;
			if (series.counted()) {
				primarySeries(series, birth, counting, today, changes).ifPresent(add);
			} else {
				boosters(series, birth, counting, today, changes).ifPresent(add);
			}
		}
		List<Screening> screenings = new ArrayList<>();
		for (ScreeningProgramme programme : schedules.screening().entries()) {
			if (invites(programme, sex)) {
				round(programme, birth, today, changes).ifPresent(screenings::add);
			}
		}
		return new Forecast(List.copyOf(vaccinations), List.copyOf(screenings), changes.first());
	}

	static boolean countsToward(VaccineSeries series, RecordedDose dose) {
		return dose.atcCodes().stream().anyMatch(code -> series.countedAtcPrefixes().stream().anyMatch(code::startsWith))
				|| dose.diseases().stream().anyMatch(series.countedDiseases()::contains);
	}

	/** Dose n of a primary series is due at its age once n-1 doses are recorded. */
	private Optional<Vaccination> primarySeries(VaccineSeries series, LocalDate birth, List<RecordedDose> counting,
			LocalDate today, ChangeDays changes) {
		int given = counting.size();
		int total = series.doses().size();
		List<String> supporting = counting.stream().map(RecordedDose::immunizationId).toList();
		if (given >= total) {
			return Optional.of(new Vaccination(series, total, total, Status.COMPLETE, null, null, supporting));
		}
		if (series.catchUpUntil() != null) {
			LocalDate catchUpEnds = birth.plus(series.catchUpUntil());
			if (!today.isBefore(catchUpEnds)) {
				return Optional.empty();
			}
			changes.add(catchUpEnds);
		}
		LocalDate due = birth.plus(series.doses().get(given));
		return dueOn(series, given + 1, total, due, today, changes, supporting);
	}

	/** An age-based booster is due at each of its ages unless a dose was recorded since (within the tolerance). */
	private Optional<Vaccination> boosters(VaccineSeries series, LocalDate birth, List<RecordedDose> counting,
			LocalDate today, ChangeDays changes) {
		if (series.until() != null) {
			LocalDate ends = birth.plus(series.until());
			if (!today.isBefore(ends)) {
				return Optional.empty();
			}
			changes.add(ends);
		}
		List<LocalDate> ages = occurrences(series, birth);
		int current = -1;
		for (int index = 0; index < ages.size() && !ages.get(index).isAfter(today); index++) {
			current = index;
		}
		Integer total = series.thenEvery() == null ? series.doses().size() : null;
		if (current + 1 < ages.size()) {
			changes.add(ages.get(current + 1)); // the next occurrence replaces the current one
		}
		if (current >= 0) {
			LocalDate occurrence = ages.get(current);
			LocalDate coveredFrom = occurrence.minus(series.tolerance());
			List<RecordedDose> since = counting.stream().filter(dose -> dose.date() != null && !dose.date().isBefore(coveredFrom)).toList();
			if (since.isEmpty()) {
				return dueOn(series, current + 1, total, occurrence, today, changes, List.of());
			}
		}
		if (current + 1 < ages.size()) {
			LocalDate next = ages.get(current + 1);
			List<String> supporting = counting.stream().map(RecordedDose::immunizationId).toList();
			return dueOn(series, current + 2, total, next, today, changes, supporting);
		}
		return Optional.empty();
	}

	/** A dose due on {@code due}: shown from {@code horizon} before, overdue after the series' {@code late-after}. */
	private Optional<Vaccination> dueOn(VaccineSeries series, int dose, Integer total, LocalDate due, LocalDate today,
			ChangeDays changes, List<String> supporting) {
		LocalDate shownFrom = due.minus(horizon);
		if (today.isBefore(shownFrom)) {
			changes.add(shownFrom);
			return Optional.empty();
		}
		LocalDate overdueFrom = due.plus(series.lateAfter());
		changes.add(overdueFrom);
		Status status = today.isBefore(overdueFrom) ? Status.DUE : Status.OVERDUE;
		return Optional.of(new Vaccination(series, dose, total, status, due, overdueFrom, supporting));
	}

	private static List<LocalDate> occurrences(VaccineSeries series, LocalDate birth) {
		List<LocalDate> dates = new ArrayList<>();
		LocalDate last = birth.plus(LAST_AGE);
		LocalDate stop = series.until() == null ? last : birth.plus(series.until());
		for (Period age : series.doses()) {
			LocalDate date = birth.plus(age);
			if (date.isBefore(stop)) {
				dates.add(date);
			}
		}
		if (series.thenEvery() != null && !dates.isEmpty()) {
			// Each one as an age counted from the birth (not from the one before): a 29 February birthday stays one.
			Period lastAge = series.doses().get(series.doses().size() - 1);
			for (int k = 1; birth.plus(lastAge.plus(series.thenEvery().multipliedBy(k))).isBefore(stop); k++) {
				dates.add(birth.plus(lastAge.plus(series.thenEvery().multipliedBy(k))));
			}
		}
		return dates;
	}

	private static boolean invites(ScreeningProgramme programme, String sex) {
		return "any".equals(programme.sex()) || programme.sex().equals(sex);
	}

	/** The round under way (since its first day, until the next), or the first one once within the horizon. */
	private Optional<Screening> round(ScreeningProgramme programme, LocalDate birth, LocalDate today, ChangeDays changes) {
		LocalDate starts = birth.plus(programme.from());
		LocalDate ends = birth.plus(programme.until());
		if (!today.isBefore(ends)) {
			return Optional.empty();
		}
		changes.add(ends);
		if (today.isBefore(starts.minus(horizon))) {
			changes.add(starts.minus(horizon));
			return Optional.empty();
		}
		// Rounds as ages counted from the birth: a 29 February birthday stays one.
		int rounds = 0;
		while (!roundOf(programme, birth, rounds + 1).isAfter(today)) {
			rounds++;
		}
		LocalDate round = roundOf(programme, birth, rounds);
		LocalDate next = roundOf(programme, birth, rounds + 1);
		changes.add(next);
		return Optional.of(new Screening(programme, round, next.isBefore(ends) ? next : null));
	}

	private static LocalDate roundOf(ScreeningProgramme programme, LocalDate birth, int round) {
		return birth.plus(programme.from().plus(programme.every().multipliedBy(round)));
	}

	/** The earliest day after today on which the forecast changes. */
	private static final class ChangeDays {

		private final LocalDate today;
		private LocalDate first;

		ChangeDays(LocalDate today) {
			this.today = today;
		}

		void add(LocalDate day) {
			if (day.isAfter(today) && (first == null || day.isBefore(first))) {
				first = day;
			}
		}

		Optional<LocalDate> first() {
			return Optional.ofNullable(first);
		}
	}
}
