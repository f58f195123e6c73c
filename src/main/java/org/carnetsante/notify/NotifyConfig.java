package org.carnetsante.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** Telling patients what happens in their space: recorded with the event, delivered apart from it. */
@Configuration(proxyBeanMethods = false)
public class NotifyConfig {

	@Bean
	public NotificationOutbox notificationOutbox(DataSource dataSource, Clock clock) {
		return new NotificationOutbox(dataSource, clock);
	}

	@Bean
	public NotificationPreferences notificationPreferences(DataSource dataSource, NotifyProperties notify,
			NotificationOutbox outboxCreatesTheTables) {
		return new NotificationPreferences(dataSource, notify.email().enabledByDefault());
	}

	@Bean
	public NotificationSender notificationSender(NotificationOutbox outbox, NotificationPreferences preferences,
			NotifyProperties notify, DaoRegistry daos, DataSource dataSource) {
		// The insured registry's addresses (package space, db/space/schema.sql), read by the sender only.
		org.springframework.jdbc.core.JdbcTemplate jdbc = new org.springframework.jdbc.core.JdbcTemplate(dataSource);
		NotificationSender.RegistryAddresses registry = ins -> jdbc.queryForList(
				"SELECT email FROM carnet_space_registry WHERE ins = ? AND email IS NOT NULL", String.class, ins).stream().findFirst();
		return new NotificationSender(outbox, preferences, emailChannel(notify.email()), daos, notify.delivery(),
				notify.email().timeout(), registry);
	}

	@Bean
	public EmergencyAccessNotifications emergencyAccessNotifications(NotificationOutbox outbox, NotifyProperties notify) {
		return new EmergencyAccessNotifications(outbox, notify.emergencyWindow());
	}

	@Bean
	public FhirServerCustomizer notificationsOnTheFhirServer(NotifyProperties notify, NotificationOutbox outbox,
			NotificationPreferences preferences, IInterceptorService jpaInterceptors, DaoRegistry daos,
			AccessPolicyService policy, FhirContext fhirContext) {
		if (notify.enabled()) {
			jpaInterceptors.registerInterceptor(new DocumentNotifications(outbox));
			jpaInterceptors.registerInterceptor(new MessageAndAppointmentNotifications(outbox));
		}
		// Subscriptions: who subscribes to what, which changes are matched, and which notifications go out.
		Set<String> subscribableTypes = Set.copyOf(notify.subscriptions().types());
		jpaInterceptors.registerInterceptor(new SubscriptionRules(subscribableTypes,
				notify.subscriptions().allowedEndpoints(), notify.subscriptions().allowPrivateAddresses()));
		jpaInterceptors.registerInterceptor(new SubscriptionDeliveryPolicy(daos, policy));
		return server -> server.registerProvider(new NotificationPreferencesOperation(preferences, policy));
	}

	/** HAPI's subscription submitter, for the changes a subscription can be about only. */
	@Bean
	@org.springframework.context.annotation.Primary
	public SubscribableChanges subscribableChanges(FhirContext fhirContext, SubscriptionRegistry activeSubscriptions,
			NotifyProperties notify) {
		return new SubscribableChanges(fhirContext, activeSubscriptions, Set.copyOf(notify.subscriptions().types()));
	}

	/** The e-mail channel, when an SMTP server is configured. */
	private static Optional<EmailChannel> emailChannel(NotifyProperties.Email email) {
		if (email.smtpHost().isBlank()) {
			return Optional.empty();
		}
		JavaMailSenderImpl sender = new JavaMailSenderImpl();
		sender.setHost(email.smtpHost());
		sender.setPort(email.smtpPort());
		sender.setDefaultEncoding("UTF-8");
		if (!email.username().isBlank()) {
			sender.setUsername(email.username());
			sender.setPassword(email.password());
		}
		Properties properties = sender.getJavaMailProperties();
		properties.put("mail.smtp.auth", String.valueOf(!email.username().isBlank()));
		properties.put("mail.smtp.starttls.enable", String.valueOf(email.startTls()));
		properties.put("mail.smtp.connectiontimeout", String.valueOf(email.timeout().toMillis()));
		properties.put("mail.smtp.timeout", String.valueOf(email.timeout().toMillis()));
		properties.put("mail.smtp.writetimeout", String.valueOf(email.timeout().toMillis()));
		return Optional.of(new EmailChannel(sender, email.from(), email.spaceUrl()));
	}
}
