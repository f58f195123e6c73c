package org.carnetsante.notify;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.notify.*}: telling patients what happens in their space.
 *
 * @param enabled record notifications at all
 * @param email the e-mail channel
 * @param delivery how the senders work through the notifications recorded
 * @param emergencyWindow one emergency notification per professional and mode within this time
 * @param subscriptions FHIR Subscriptions of patients' apps
 */
@ConfigurationProperties("carnet.notify")
public record NotifyProperties(
		@DefaultValue("true") boolean enabled,
		@DefaultValue Email email,
		@DefaultValue Delivery delivery,
		@DefaultValue("1h") java.time.Duration emergencyWindow,
		@DefaultValue Subscriptions subscriptions) {

	/**
	 * @param types resource types a patient's app may subscribe to (in its own space)
	 * @param allowedEndpoints prefixes a rest-hook endpoint must start with
	 * @param allowPrivateAddresses accept rest-hook endpoints on loopback or private networks (tests only)
	 */
	public record Subscriptions(
			@DefaultValue({"DocumentReference", "Communication", "Appointment"}) java.util.List<String> types,
			@DefaultValue("https://") java.util.List<String> allowedEndpoints,
			@DefaultValue("false") boolean allowPrivateAddresses) {
	}

	/**
	 * @param smtpHost SMTP server; empty: no e-mail is sent (notifications are recorded as undeliverable)
	 * @param smtpPort its port
	 * @param username SMTP user, if the server wants one
	 * @param password its password
	 * @param startTls upgrade the connection with STARTTLS
	 * @param from sender address of the e-mails
	 * @param timeout connection and read timeout of the SMTP server
	 * @param enabledByDefault e-mail a patient who set no preference
	 * @param spaceUrl where the e-mails send the patient to read the news
	 */
	public record Email(
			@DefaultValue("") String smtpHost,
			@DefaultValue("25") int smtpPort,
			@DefaultValue("") String username,
			@DefaultValue("") String password,
			@DefaultValue("false") boolean startTls,
			@DefaultValue("ne-pas-repondre@carnet.example") String from,
			@DefaultValue("10s") Duration timeout,
			@DefaultValue("true") boolean enabledByDefault,
			@DefaultValue("") String spaceUrl) {
	}

	/**
	 * @param pollInterval how often each node looks for notifications to send
	 * @param batchSize notifications a node claims at a time
	 * @param lease how long a claimed notification is left to its node before another may take it
	 * @param firstRetry delay before the first retry; doubled at each failure
	 * @param maxRetry longest delay between retries
	 * @param maxAttempts attempts before a notification is given up (and kept, marked failed)
	 */
	public record Delivery(
			@DefaultValue("2s") Duration pollInterval,
			@DefaultValue("50") int batchSize,
			@DefaultValue("2m") Duration lease,
			@DefaultValue("30s") Duration firstRetry,
			@DefaultValue("1h") Duration maxRetry,
			@DefaultValue("10") int maxAttempts) {
	}
}
