package org.carnetsante.agenda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.Period;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.carnetsante.agenda.ReminderForecast.Forecast;
import org.carnetsante.agenda.ReminderForecast.RecordedDose;
import org.carnetsante.agenda.ReminderForecast.Status;
import org.carnetsante.agenda.ReminderForecast.Vaccination;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;

/** The forecast from the shipped data files: a child's schedule, an adult's boosters and screening, the next change day. */
class ReminderForecastTest {

	private static final ReminderSchedules SCHEDULES = ReminderSchedules.load(
			new ClassPathResource("agenda/vaccination-schedule.yaml"), new ClassPathResource("agenda/screening-programmes.yaml"));
	private static final ReminderForecast FORECAST = new ReminderForecast(SCHEDULES, Period.ofMonths(2));
	private static final LocalDate TODAY = LocalDate.of(2026, 12, 1);

	@Test
	void aThreeMonthOldWithTheFirstHexavalentDoseIsDueTheSecondAndTheOthersFirst() {
		LocalDate birth = TODAY.minusMonths(3);
		RecordedDose hexavalent = new RecordedDose("Immunization/1", birth.plusMonths(2), Set.of("J07CA09"), Set.of());

		Forecast forecast = FORECAST.forecast(birth, "male", List.of(hexavalent), TODAY);

		Map<String, Vaccination> bySeries = bySeries(forecast);
		assertThat(bySeries.get("dtcap-hib-hepb")).satisfies(next -> {
			assertThat(next.doseNumber()).isEqualTo(2);
			assertThat(next.seriesDoses()).isEqualTo(3);
			assertThat(next.due()).isEqualTo(birth.plusMonths(4));
			assertThat(next.status()).isEqualTo(Status.DUE);
			assertThat(next.supportingImmunizations()).containsExactly("Immunization/1");
		});
		assertThat(bySeries.get("pneumococcal-infant").doseNumber()).as("nothing recorded: the first dose").isEqualTo(1);
		assertThat(bySeries.get("meningococcal-b").due()).isEqualTo(birth.plusMonths(3));
		assertThat(bySeries).as("12 months is beyond the two-month horizon").doesNotContainKey("mmr");
		assertThat(forecast.screenings()).isEmpty();
		// The next change: the pneumococcal first dose (due at 2 months) becomes overdue at 4 months, the day the
		// hexavalent second dose is due — but before that, the ACWY dose due at 6 months comes within the horizon.
		assertThat(forecast.nextChange()).contains(birth.plusMonths(4));
	}

	@Test
	void aChildsCompleteSeriesIsToldComplete() {
		LocalDate birth = TODAY.minusMonths(14);
		List<RecordedDose> doses = List.of(
				new RecordedDose("Immunization/1", birth.plusMonths(2), Set.of("J07CA09"), Set.of()),
				new RecordedDose("Immunization/2", birth.plusMonths(4), Set.of("J07CA09"), Set.of()),
				new RecordedDose("Immunization/3", birth.plusMonths(11), Set.of(), Set.of("397430003")));

		Vaccination hexavalent = bySeries(FORECAST.forecast(birth, "female", doses, TODAY)).get("dtcap-hib-hepb");

		assertThat(hexavalent.doseNumber()).as("a tetanus-only dose does not count toward the hexavalent series").isEqualTo(3);
		assertThat(hexavalent.status()).as("due at 11 months, late two months later").isEqualTo(Status.OVERDUE);
		Vaccination complete = bySeries(FORECAST.forecast(birth, "female",
				List.of(doses.get(0), doses.get(1), new RecordedDose("Immunization/4", birth.plusMonths(11), Set.of("J07CA09"), Set.of())),
				TODAY)).get("dtcap-hib-hepb");
		assertThat(complete.status()).isEqualTo(Status.COMPLETE);
		assertThat(complete.due()).isNull();
	}

	@Test
	void aWomanOfFiftyTwoIsInvitedToTheThreeProgrammesAndOverdueForHerBooster() {
		LocalDate birth = LocalDate.of(1974, 6, 10);

		Forecast forecast = FORECAST.forecast(birth, "female", List.of(), TODAY);

		assertThat(forecast.screenings()).extracting(screening -> screening.programme().code())
				.containsExactlyInAnyOrder("breast", "colorectal", "cervical-hpv");
		assertThat(forecast.screenings()).extracting(screening -> screening.programme().code() + " " + screening.due())
				.as("the rounds under way: every two years from 50, every five from 30")
				.containsExactlyInAnyOrder("breast 2026-06-10", "colorectal 2026-06-10", "cervical-hpv 2024-06-10");
		Vaccination booster = bySeries(forecast).get("dtp-boosters");
		assertThat(booster.due()).isEqualTo(birth.plusYears(45));
		assertThat(booster.status()).isEqualTo(Status.OVERDUE);
		assertThat(booster.doseNumber()).as("the fourth age of the series").isEqualTo(4);
		assertThat(bySeries(forecast)).as("past every catch-up age, nothing of the child's schedule")
				.doesNotContainKeys("dtcap-hib-hepb", "hpv", "mmr", "influenza");
		assertThat(forecast.nextChange()).as("the next screening round").contains(LocalDate.of(2028, 6, 10));
	}

	@Test
	void aBoosterRecordedSinceTheAgeClearsItUntilTheNextAge() {
		LocalDate birth = LocalDate.of(1974, 6, 10);
		RecordedDose tetanus = new RecordedDose("Immunization/9", LocalDate.of(2020, 3, 1), Set.of(), Set.of("76902006"));

		Forecast forecast = FORECAST.forecast(birth, "male", List.of(tetanus), TODAY);

		assertThat(bySeries(forecast)).doesNotContainKey("dtp-boosters");
		assertThat(forecast.screenings()).extracting(screening -> screening.programme().code()).containsExactly("colorectal");
		// 65 minus the two-month horizon is after the next colorectal round, so the round comes first.
		assertThat(forecast.nextChange()).contains(LocalDate.of(2028, 6, 10));
		Forecast at64 = FORECAST.forecast(birth, "male", List.of(tetanus), LocalDate.of(2039, 5, 1));
		assertThat(bySeries(at64).get("dtp-boosters").due()).as("shown within the horizon").isEqualTo(LocalDate.of(2039, 6, 10));
		assertThat(bySeries(at64).get("dtp-boosters").status()).isEqualTo(Status.DUE);
	}

	@Test
	void aYearlyVaccinationRecordedThisSeasonIsNotDueAgainUntilTheNextYear() {
		LocalDate birth = LocalDate.of(1955, 1, 20);
		RecordedDose flu = new RecordedDose("Immunization/5", LocalDate.of(2026, 10, 15), Set.of("J07BB02"), Set.of());

		Map<String, Vaccination> vaccinated = bySeries(FORECAST.forecast(birth, "female", List.of(flu), TODAY));
		Map<String, Vaccination> not = bySeries(FORECAST.forecast(birth, "female", List.of(), TODAY));

		assertThat(vaccinated.get("influenza").due()).as("the next year's").isEqualTo(LocalDate.of(2027, 1, 20));
		assertThat(not.get("influenza").due()).isEqualTo(LocalDate.of(2026, 1, 20));
		assertThat(not.get("influenza").status()).isEqualTo(Status.OVERDUE);
		assertThat(not.get("zoster").doseNumber()).isEqualTo(1);
		assertThat(FORECAST.forecast(birth, "female", List.of(), TODAY).screenings()).extracting(screening -> screening.programme().code())
				.containsExactlyInAnyOrder("breast", "colorectal");
		assertThat(FORECAST.forecast(LocalDate.of(1950, 3, 1), "female", List.of(), TODAY).screenings()).as("past 75: no programme")
				.isEmpty();
	}

	@Test
	void aLeapDayBirthdayStaysOneInRepeatedRoundsAndBoosters() {
		LocalDate birth = LocalDate.of(1976, 2, 29);

		Forecast forecast = FORECAST.forecast(birth, "female", List.of(), LocalDate.of(2028, 3, 15));

		assertThat(forecast.screenings()).filteredOn(screening -> screening.programme().code().equals("breast"))
				.singleElement().satisfies(breast -> assertThat(breast.due()).as("52nd birthday").isEqualTo(LocalDate.of(2028, 2, 29)));
		Forecast at85 = FORECAST.forecast(birth, "female", List.of(), LocalDate.of(2061, 3, 1));
		assertThat(bySeries(at85).get("dtp-boosters").due()).as("85th birthday, 65 + 2 x 10 years").isEqualTo(LocalDate.of(2061, 2, 28));
		assertThat(FORECAST.forecast(birth, "female", List.of(), LocalDate.of(2064, 3, 1)).vaccinations())
				.filteredOn(vaccination -> vaccination.series().id().equals("dtp-boosters"))
				.singleElement().satisfies(booster -> assertThat(booster.due()).isEqualTo(LocalDate.of(2061, 2, 28)));
	}

	@Test
	void noBirthDateGivesNothingAndABirthInTheFutureIsComputedAgainThatDay() {
		assertThat(FORECAST.forecast(null, "female", List.of(), TODAY).vaccinations()).isEmpty();
		Forecast unborn = FORECAST.forecast(TODAY.plusDays(1), "female", List.of(), TODAY);
		assertThat(unborn.vaccinations()).isEmpty();
		assertThat(unborn.nextChange()).contains(TODAY.plusDays(1));
	}

	@Test
	void aRepetitionOfNothingIsRefusedAtStart() {
		ByteArrayResource endless = new ByteArrayResource(("version: '1'\nyear: 2025\nsource: test\nprogrammes:\n"
				+ "  - code: endless\n    label: x\n    sex: any\n    from: P50Y\n    until: P75Y\n    every: P0D\n").getBytes(),
				"endless programmes");
		assertThatThrownBy(() -> ReminderSchedules.load(new ClassPathResource("agenda/vaccination-schedule.yaml"), endless))
				.hasMessageContaining("endless").hasMessageContaining("positive");
	}

	@Test
	void aMalformedScheduleStopsTheStartWithTheEntryAtFault() {
		ByteArrayResource broken = new ByteArrayResource(("version: '1'\nyear: 2025\nsource: test\nseries:\n"
				+ "  - id: nothing-counts\n    label: x\n    vaccine: x\n    doses: [P2M]\n    late-after: P1M\n").getBytes(), "broken schedule");
		assertThatThrownBy(() -> ReminderSchedules.load(broken, new ClassPathResource("agenda/screening-programmes.yaml")))
				.hasMessageContaining("nothing-counts").hasMessageContaining("counted-by");
	}

	private static Map<String, Vaccination> bySeries(Forecast forecast) {
		return forecast.vaccinations().stream().collect(Collectors.toMap(vaccination -> vaccination.series().id(), Function.identity()));
	}
}
