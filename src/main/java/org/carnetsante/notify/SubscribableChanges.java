package org.carnetsante.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionCriteriaParser;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.submit.interceptor.SubscriptionMatcherInterceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's subscription submitter, handed only the changes a subscription can be about: resources of the
 * types patients' apps may subscribe to ({@code carnet.notify.subscriptions.types}, enforced by
 * {@link SubscriptionRules}) for which at least one active subscription exists, and Subscriptions
 * themselves (HAPI activates them through the same pipeline).
 *
 * <p>HAPI's own submitter turns every change into a message first — encoding the whole resource, a
 * pushed document's 30 KB Binary included —, stores it as pending in the pushing transaction, reads the
 * resource back once committed and matches it against subscriptions that cannot concern it: about a
 * twelfth of the CPU of a push (Java Flight Recorder), and still about a sixteenth for a document when
 * no subscription is about documents. Here the type is looked at before anything is built.
 *
 * <p>The active subscriptions are those of HAPI's registry on this node, the very list HAPI's matcher
 * matches a message against a few milliseconds later: a change skipped here is one HAPI would have
 * matched against no subscription concerning it. Registered in place of HAPI's submitter (the primary
 * bean of its type, which HAPI's loader registers).
 */
public class SubscribableChanges extends SubscriptionMatcherInterceptor {

	private static final String SUBSCRIPTION = "Subscription";

	private final FhirContext fhirContext;
	private final SubscriptionRegistry activeSubscriptions;
	private final Set<String> subscribableTypes = new HashSet<>();

	public SubscribableChanges(FhirContext fhirContext, SubscriptionRegistry activeSubscriptions,
			Set<String> subscribableTypes) {
		this.fhirContext = fhirContext;
		this.activeSubscriptions = activeSubscriptions;
		this.subscribableTypes.addAll(subscribableTypes);
	}

	@Override
	protected void processResourceModifiedEvent(IBaseResource resource, BaseResourceMessage.OperationTypeEnum operation,
			RequestDetails request) {
		String type = fhirContext.getResourceType(resource);
		if (SUBSCRIPTION.equals(type) || (subscribableTypes.contains(type) && anyActiveSubscriptionConcerns(type))) {
			super.processResourceModifiedEvent(resource, operation, request);
		}
	}

	private boolean anyActiveSubscriptionConcerns(String type) {
		for (ActiveSubscription active : activeSubscriptions.getAll()) {
			if (concerns(active.getSubscription(), type)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a change of this type may match the subscription. Anything not plainly about other types
	 * (a topic subscription, a criteria that does not parse, all types) counts as concerning it: HAPI's
	 * matcher then decides, as it always did.
	 */
	static boolean concerns(CanonicalSubscription subscription, String type) {
		if (subscription == null || subscription.isTopicSubscription() || subscription.getCriteriaString() == null) {
			return true;
		}
		SubscriptionCriteriaParser.SubscriptionCriteria criteria =
				SubscriptionCriteriaParser.parse(subscription.getCriteriaString());
		if (criteria == null
				|| criteria.getType() == SubscriptionCriteriaParser.TypeEnum.STARTYPE_EXPRESSION
				|| criteria.getApplicableResourceTypes() == null) {
			return true;
		}
		return criteria.getApplicableResourceTypes().contains(type);
	}
}
