package org.carnetsante.notify;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Delivers the recorded notifications, on every node, apart from the requests that caused them: a push
 * never waits for (nor fails with) an SMTP server. Each pass claims due notifications, e-mails the
 * patients who want it at the address of their Patient resource, and retries failures with a doubling
 * delay until {@code max-attempts}.
 */
public class NotificationSender implements SmartLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(NotificationSender.class);

	private final NotificationOutbox outbox;
	private final NotificationPreferences preferences;
	private final Optional<EmailChannel> email;
	private final DaoRegistry daos;
	private final NotifyProperties.Delivery delivery;
	private ScheduledExecutorService executor;
	/** Longest one delivery may take (connect, send, read at the SMTP timeout, and some slack). */
	private final Duration spare;

	/** Where a person of the insured registry without a space is e-mailed (package space). */
	public interface RegistryAddresses {
		Optional<String> emailOf(String ins);
	}

	private final RegistryAddresses registryAddresses;

	public NotificationSender(NotificationOutbox outbox, NotificationPreferences preferences, Optional<EmailChannel> email,
			DaoRegistry daos, NotifyProperties.Delivery delivery, Duration smtpTimeout, RegistryAddresses registryAddresses) {
		this.registryAddresses = registryAddresses;
		this.spare = smtpTimeout.multipliedBy(4);
		this.outbox = outbox;
		this.preferences = preferences;
		this.email = email;
		this.daos = daos;
		this.delivery = delivery;
	}

	/** One pass: delivers what is due now; returns how many notifications it handled. */
	public int deliverDue() {
		List<NotificationOutbox.Pending> due = outbox.claimDue(delivery.batchSize(), delivery.lease());
		// A patient told of several documents in one pass is read once; the address is not kept longer
		// (the patient may change it at any time, on any node).
		Map<String, Optional<String>> addresses = new HashMap<>();
		for (NotificationOutbox.Pending notification : due) {
			// A slow SMTP server must not let the lease run out mid-send: another node would send it again.
			if (outbox.stillHeld(notification, spare)) {
				deliver(notification, addresses);
			}
		}
		return due.size();
	}

	private void deliver(NotificationOutbox.Pending notification, Map<String, Optional<String>> addresses) {
		// Cheapest question first: without a channel or the patient's wish, nothing needs the Patient read.
		if (email.isEmpty()) {
			outbox.done(notification, "NO_CHANNEL");
			return;
		}
		// The information notice is the law's, not a preference: it goes whatever the person chose for the rest.
		if (notification.kind() != NotificationKind.SPACE_NOTICE && notification.kind() != NotificationKind.SPACE_INVITATION
				&& !preferences.wantsEmail(notification.patientId(), notification.kind())) {
			outbox.done(notification, "NOT_WANTED");
			return;
		}
		Optional<String> address = addresses.computeIfAbsent(notification.patientId(), this::emailOf);
		if (address.isEmpty() && notification.patientId().startsWith(NotificationOutbox.REGISTRY_RECIPIENT)) {
			outbox.done(notification, "BY_POST"); // a person known by postal address only: the notice is a letter
			return;
		}
		if (address.isEmpty()) {
			outbox.done(notification, "NO_ADDRESS");
			return;
		}
		try {
			email.get().send(address.get(), notification);
			outbox.done(notification, "SENT");
		} catch (RuntimeException e) {
			boolean last = notification.attempts() + 1 >= delivery.maxAttempts();
			LOG.warn("Notification {} to patient {} not delivered (attempt {}{}): {}", notification.id(), notification.patientId(),
					notification.attempts() + 1, last ? ", given up" : "", e.getMessage());
			outbox.failed(notification, e.getMessage(), retryDelay(notification.attempts()), last);
		}
	}

	private Duration retryDelay(int attemptsBefore) {
		Duration delay = delivery.firstRetry().multipliedBy(1L << Math.min(attemptsBefore, 20));
		return delay.compareTo(delivery.maxRetry()) > 0 ? delivery.maxRetry() : delay;
	}

	private Optional<String> emailOf(String patientId) {
		if (patientId.startsWith(NotificationOutbox.ADDRESS_RECIPIENT)) {
			return Optional.of(patientId.substring(NotificationOutbox.ADDRESS_RECIPIENT.length()));
		}
		if (patientId.startsWith(NotificationOutbox.REGISTRY_RECIPIENT)) {
			return registryAddresses.emailOf(patientId.substring(NotificationOutbox.REGISTRY_RECIPIENT.length()));
		}
		try {
			Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
			return patient.getTelecom().stream()
					.filter(contact -> contact.getSystem() == ContactPoint.ContactPointSystem.EMAIL && contact.hasValue())
					.filter(contact -> contact.getUse() != ContactPoint.ContactPointUse.OLD)
					.sorted(java.util.Comparator.comparing(contact -> contact.hasRank() ? contact.getRank() : Integer.MAX_VALUE))
					.map(ContactPoint::getValue)
					.findFirst();
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}

	@Override
	public synchronized void start() {
		executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
			Thread thread = new Thread(runnable, "notification-sender");
			thread.setDaemon(true);
			return thread;
		});
		long every = delivery.pollInterval().toMillis();
		executor.scheduleWithFixedDelay(this::pass, every, every, TimeUnit.MILLISECONDS);
	}

	private void pass() {
		try {
			while (deliverDue() == delivery.batchSize()) {
				// a full batch: there may be more due at once
			}
		} catch (RuntimeException e) {
			LOG.warn("Notification pass failed, next pass in {}: {}", delivery.pollInterval(), e.getMessage());
		}
	}

	@Override
	public synchronized void stop() {
		if (executor != null) {
			executor.shutdown();
			try {
				executor.awaitTermination(10, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			executor = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return executor != null;
	}
}
