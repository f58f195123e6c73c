package org.carnetsante.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands HAPI's subscription matching only the changes a subscription can be about: resources of the
 * types patients' apps may subscribe to ({@code carnet.notify.subscriptions.types}, enforced by
 * {@link SubscriptionRules}) and Subscriptions themselves (HAPI activates them through the same
 * pipeline).
 *
 * <p>HAPI queues every other change too: it stores a pending message in the pushing transaction, reads
 * the resource back once committed and matches it against subscriptions that cannot concern it. For a
 * pushed document that was two of its three resources, one of them the Binary with the bytes.
 */
@Interceptor
public class SubscribableChanges {

	private final FhirContext fhirContext;
	private final Set<String> matchedTypes = new HashSet<>();

	public SubscribableChanges(FhirContext fhirContext, Set<String> subscribableTypes) {
		this.fhirContext = fhirContext;
		this.matchedTypes.addAll(subscribableTypes);
		this.matchedTypes.add("Subscription");
	}

	/** {@code false} stops HAPI from queueing the change for matching. */
	@Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
	public boolean worthMatching(ResourceModifiedMessage change) {
		return matchedTypes.contains(change.getResourceType(fhirContext));
	}
}
