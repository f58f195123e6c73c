package org.carnetsante.agenda;

import java.time.Duration;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZoneId;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** {@code carnet.agenda.*}: the health agenda's reminders. */
@ConfigurationProperties("carnet.agenda")
public record AgendaProperties(@DefaultValue Reminders reminders) {

	/**
	 * @param enabled compute vaccination and screening reminders and e-mail reminders (off: none is computed nor sent)
	 * @param vaccinationSchedule location of the vaccination schedule data file
	 * @param screeningProgrammes location of the organized screening programmes data file
	 * @param horizon how far ahead a coming dose or screening round is shown (ISO period)
	 * @param timeZone the zone whose calendar days ages and due days are counted in
	 * @param sendAt hour of the due day at which a vaccination or screening reminder is e-mailed
	 * @param appointmentLead how long before an appointment its reminder is e-mailed
	 * @param staleAfter a reminder whose time passed longer ago than this is recorded, not e-mailed
	 * @param pollInterval how often each node asks for the job's lease and, holding it, works
	 * @param lease how long a node holds the job after each pass (another node takes over once it runs out)
	 * @param batchSize spaces computed, and reminders handed over, per batch
	 * @param retryAfter when a space whose computation failed is tried again
	 */
	public record Reminders(
			@DefaultValue("true") boolean enabled,
			@DefaultValue("classpath:agenda/vaccination-schedule.yaml") String vaccinationSchedule,
			@DefaultValue("classpath:agenda/screening-programmes.yaml") String screeningProgrammes,
			@DefaultValue("P2M") Period horizon,
			@DefaultValue("Europe/Paris") String timeZone,
			@DefaultValue("09:00") String sendAt,
			@DefaultValue("24h") Duration appointmentLead,
			@DefaultValue("30d") Duration staleAfter,
			@DefaultValue("5s") Duration pollInterval,
			@DefaultValue("1m") Duration lease,
			@DefaultValue("100") int batchSize,
			@DefaultValue("10m") Duration retryAfter) {

		public ZoneId zone() {
			return ZoneId.of(timeZone);
		}

		public LocalTime sendingHour() {
			return LocalTime.parse(sendAt);
		}
	}
}
