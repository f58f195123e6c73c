package org.carnetsante.agenda;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.fhir.ClusterLease;
import org.carnetsante.fhir.OncePerCluster;
import org.carnetsante.notify.NotificationOutbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ResourceLoader;

/**
 * The health agenda: appointments booked by professionals or added by the patient, and reminders (vaccination and
 * screening recommendations computed from data files, e-mails before appointments and when a recommendation is due).
 */
@Configuration(proxyBeanMethods = false)
public class AgendaConfig {

	private static final Logger LOG = LoggerFactory.getLogger(AgendaConfig.class);

	@Bean
	public AppointmentRules appointmentRules(IInterceptorService jpaInterceptors, AccessPolicyService policy) {
		AppointmentRules rules = new AppointmentRules(policy);
		jpaInterceptors.registerInterceptor(rules);
		return rules;
	}

	@Bean
	public ComputedReminderGuard computedReminderGuard(IInterceptorService jpaInterceptors) {
		ComputedReminderGuard guard = new ComputedReminderGuard();
		jpaInterceptors.registerInterceptor(guard);
		return guard;
	}

	@Bean
	public ReminderSchedules reminderSchedules(AgendaProperties agenda, ResourceLoader resources) {
		ReminderSchedules schedules = ReminderSchedules.load(resources.getResource(agenda.reminders().vaccinationSchedule()),
				resources.getResource(agenda.reminders().screeningProgrammes()));
		LOG.info("Reminders from the vaccination schedule {} ({}) and the screening programmes {} ({})",
				schedules.vaccination().version(), schedules.vaccination().year(), schedules.screening().version(),
				schedules.screening().year());
		return schedules;
	}

	@Bean
	public ReminderStore reminderStore(DataSource dataSource, Clock clock) {
		return new ReminderStore(dataSource, clock);
	}

	@Bean
	public ReminderInputs reminderInputs(AgendaProperties agenda, ReminderStore store, Clock clock, IInterceptorService jpaInterceptors) {
		ReminderInputs inputs = new ReminderInputs(store, clock, agenda.reminders().appointmentLead());
		if (agenda.reminders().enabled()) {
			jpaInterceptors.registerInterceptor(inputs);
		}
		return inputs;
	}

	@Bean
	public ReminderJob reminderJob(AgendaProperties agenda, ReminderStore store, ReminderSchedules schedules, DaoRegistry daos,
			NotificationOutbox outbox, DataSource dataSource, Clock clock) {
		AgendaProperties.Reminders settings = agenda.reminders();
		ComputedReminders reminders = new ComputedReminders(daos, new ReminderForecast(schedules, settings.horizon()), schedules,
				settings.zone());
		return new ReminderJob(store, reminders, outbox, new ClusterLease(dataSource, "reminders", settings.lease()),
				settings, clock) {
			@Override
			public boolean isAutoStartup() {
				return settings.enabled();
			}
		};
	}

	/** The spaces stored before reminders existed are computed once, for the whole cluster. */
	@EventListener(ApplicationReadyEvent.class)
	public void computeExistingSpacesOnce(ApplicationReadyEvent ready) {
		AgendaProperties agenda = ready.getApplicationContext().getBean(AgendaProperties.class);
		if (agenda.reminders().enabled()) {
			ReminderStore store = ready.getApplicationContext().getBean(ReminderStore.class);
			ready.getApplicationContext().getBean(OncePerCluster.class).run("reminders-for-existing-spaces",
					() -> LOG.info("{} existing spaces queued for their reminders", store.queueEverySpace()));
		}
	}
}
