package org.carnetsante.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.SubscriptionOwners;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;

/**
 * Who subscribes to what (FHIR Subscriptions, for patients' apps):
 * <ul>
 *   <li>a patient-side caller (the patient, a legal representative, a delegate) subscribes to their own space:
 *       the criteria name a subscribable type and the space's patient ({@code DocumentReference?patient=Patient/123});
 *   <li>a professional or organization subscribes to the messages sent to them (replies to theirs), named by their
 *       national identifier ({@code Communication?recipient-identifier=urn:oid:1.2.250.1.71.4.2.1|[idNat]}); they
 *       find documents by ITI-67;
 *   <li>a notification carries no data ({@code channel.payload} absent): the app reads what changed
 *       with its own token, through the access policy and into the access log;
 *   <li>a rest-hook endpoint starts with one of {@code carnet.notify.subscriptions.allowed-endpoints}
 *       (https by default: no notification to an internal address);
 *   <li>the owner is recorded in the subscription; notifications go out only for what they may see
 *       ({@link SubscriptionDeliveryPolicy}).
 * </ul>
 * Refusals answer 422 naming the element (403 for a caller who may not subscribe).
 */
@Interceptor
public class SubscriptionRules {

	/**
	 * Plain search parameters a criteria may use: no chain, no modifier, no {@code _has} or {@code _content}
	 * (a match must not depend on resources outside the space).
	 */
	private static final Set<String> CRITERIA_PARAMETERS = Set.of("patient", "subject", "status", "type", "category",
			"date", "period", "setting", "facility", "event", "format", "identifier", "sent", "received");

	private final Set<String> subscribableTypes;
	private final List<String> allowedEndpoints;
	private final boolean allowPrivateAddresses;

	public SubscriptionRules(Set<String> subscribableTypes, List<String> allowedEndpoints, boolean allowPrivateAddresses) {
		this.subscribableTypes = Set.copyOf(subscribableTypes);
		this.allowedEndpoints = List.copyOf(allowedEndpoints);
		this.allowPrivateAddresses = allowPrivateAddresses;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource resource, RequestDetails request) {
		check(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		check(resource, request);
	}

	private void check(IBaseResource resource, RequestDetails request) {
		if (!(resource instanceof Subscription subscription) || !(request instanceof ServletRequestDetails)) {
			return; // HAPI's own status changes (requested → active) are not a caller's
		}
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		if (actor != null && actor.role().isCareSide()) {
			checkOwnMessagesCriteria(subscription.getCriteria(), actor);
		} else if (actor == null || !actor.role().isPatientSide()) {
			throw new ForbiddenOperationException("Subscriptions are for patients' apps, on their own space, and for "
					+ "professionals' software, to the messages sent to them");
		} else {
			checkCriteria(subscription.getCriteria(), actor.patient());
		}
		Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
		if (channel.getType() != Subscription.SubscriptionChannelType.RESTHOOK
				&& channel.getType() != Subscription.SubscriptionChannelType.WEBSOCKET) {
			throw refused("Subscription.channel.type", "channel type rest-hook or websocket");
		}
		if (actor.role().isCareSide() && channel.getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
			// The websocket binds a patient's app to its space; a professional's software has a server to call.
			throw refused("Subscription.channel.type", "a professional's or organization's software subscribes by rest-hook");
		}
		if (channel.hasPayload()) {
			throw refused("Subscription.channel.payload", "notifications carry no data: leave payload out and read what "
					+ "changed with the app's token");
		}
		if (channel.getType() == Subscription.SubscriptionChannelType.RESTHOOK) {
			if (allowedEndpoints.stream().noneMatch(prefix -> channel.getEndpoint() != null && channel.getEndpoint().startsWith(prefix))) {
				throw refused("Subscription.channel.endpoint", "a rest-hook endpoint starts with one of " + allowedEndpoints);
			}
			if (!allowPrivateAddresses && isPrivate(channel.getEndpoint())) {
				throw refused("Subscription.channel.endpoint", "a rest-hook endpoint is a public address");
			}
		}
		SubscriptionOwners.record(subscription, actor);
	}

	/**
	 * A professional or organization subscribes to the messages sent to them (replies to theirs among them), named
	 * by their own national identifier: {@code Communication?recipient-identifier=[system]|[idNat]}. Documents are
	 * found with ITI-67, not subscribed to.
	 */
	private static void checkOwnMessagesCriteria(String criteria, Actor actor) {
		String example = "Communication?recipient-identifier=" + ActorKeys.PROFESSIONAL_ID_SYSTEM + "|[your idNat]";
		if (criteria == null || !criteria.startsWith("Communication?")) {
			throw refused("Subscription.criteria", "a professional subscribes to the messages sent to them: " + example
					+ " (documents are found with ITI-67)");
		}
		boolean namesSelf = false;
		for (String parameter : criteria.substring(criteria.indexOf('?') + 1).split("&")) {
			String[] pair = parameter.split("=", 2);
			if (!OWN_MESSAGES_PARAMETERS.contains(pair[0])) {
				throw refused("Subscription.criteria", "criteria on one's messages use " + String.join(", ",
						new java.util.TreeSet<>(OWN_MESSAGES_PARAMETERS)) + ": not " + pair[0]);
			}
			if (pair.length == 2 && "recipient-identifier".equals(pair[0])) {
				String value;
				try {
					value = URLDecoder.decode(pair[1], StandardCharsets.UTF_8);
				} catch (IllegalArgumentException malformed) {
					throw refused("Subscription.criteria", "malformed criteria: " + malformed.getMessage());
				}
				int bar = value.indexOf('|');
				boolean self = bar > 0 && ActorKeys.keyOf(new org.hl7.fhir.r4.model.Identifier().setSystem(value.substring(0, bar))
						.setValue(value.substring(bar + 1))).filter(actor.keys()::contains).isPresent();
				if (!self) {
					throw refused("Subscription.criteria", "recipient-identifier names the caller's own national identifier: " + example);
				}
				namesSelf = true;
			}
		}
		if (!namesSelf) {
			throw refused("Subscription.criteria", "the criteria name the caller as recipient: " + example);
		}
	}

	/** What criteria on one's own messages may use: whom they are sent to (oneself), and plain filters. */
	private static final Set<String> OWN_MESSAGES_PARAMETERS = Set.of("recipient-identifier", "status", "category", "sent",
			"received");

	private void checkCriteria(String criteria, String patient) {
		if (criteria == null || !criteria.contains("?")) {
			throw refused("Subscription.criteria", "criteria name a type and the space's patient, e.g. DocumentReference?patient=Patient/"
					+ patient);
		}
		String type = criteria.substring(0, criteria.indexOf('?'));
		if (!subscribableTypes.contains(type)) {
			throw refused("Subscription.criteria", "subscribable types: " + subscribableTypes);
		}
		boolean ownSpace = false;
		boolean otherSpace = false;
		for (String parameter : criteria.substring(criteria.indexOf('?') + 1).split("&")) {
			String[] pair = parameter.split("=", 2);
			if (!CRITERIA_PARAMETERS.contains(pair[0])) {
				throw refused("Subscription.criteria", "criteria use plain parameters only (" + String.join(", ",
						new java.util.TreeSet<>(CRITERIA_PARAMETERS)) + "): not " + pair[0]);
			}
			if (pair.length == 2 && (pair[0].equals("patient") || pair[0].equals("subject"))) {
				String value;
				try {
					value = URLDecoder.decode(pair[1], StandardCharsets.UTF_8);
				} catch (IllegalArgumentException malformed) {
					throw refused("Subscription.criteria", "malformed criteria: " + malformed.getMessage());
				}
				boolean own = value.equals(patient) || value.equals("Patient/" + patient);
				ownSpace |= own;
				otherSpace |= !own;
			}
		}
		ownSpace &= !otherSpace;
		if (!ownSpace) {
			throw refused("Subscription.criteria", "the criteria name the space the token opens: patient=Patient/" + patient);
		}
	}

	/** Whether a URL's host is the server itself or a private network (no notification goes there). */
	private static boolean isPrivate(String endpoint) {
		try {
			String host = java.net.URI.create(endpoint).getHost();
			if (host == null) {
				return true;
			}
			for (java.net.InetAddress address : java.net.InetAddress.getAllByName(host)) {
				if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
						|| address.isAnyLocalAddress() || address.isMulticastAddress() || isNotRoutedEither(address)) {
					return true;
				}
			}
			return false;
		} catch (IllegalArgumentException | java.net.UnknownHostException e) {
			return true; // an endpoint that cannot be resolved is not accepted either
		}
	}

	/**
	 * Private ranges Java does not call site-local: IPv6 unique local addresses (fc00::/7, RFC 4193: the
	 * IPv6 private networks) and the carriers' shared IPv4 space (100.64.0.0/10, RFC 6598, where some clouds
	 * serve their metadata).
	 */
	private static boolean isNotRoutedEither(java.net.InetAddress address) {
		byte[] bytes = address.getAddress();
		if (address instanceof java.net.Inet6Address) {
			return (bytes[0] & 0xfe) == 0xfc;
		}
		return (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
	}

	private static UnprocessableEntityException refused(String expression, String diagnostics) {
		return new UnprocessableEntityException(
				diagnostics, OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, expression, diagnostics));
	}
}
