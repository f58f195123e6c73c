package org.carnetsante.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.subscription.submit.interceptor.SubscriptionMatcherInterceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's subscription submitter, handed only the changes a subscription can be about: resources of the
 * types patients' apps may subscribe to ({@code carnet.notify.subscriptions.types}, enforced by
 * {@link SubscriptionRules}) and Subscriptions themselves (HAPI activates them through the same
 * pipeline).
 *
 * <p>HAPI's own submitter turns every change into a message first — encoding the whole resource, a
 * pushed document's 30 KB Binary included —, stores it as pending in the pushing transaction, reads the
 * resource back once committed and matches it against subscriptions that cannot concern it: about a
 * twelfth of the CPU of a push (Java Flight Recorder). Here the type is looked at before anything is
 * built. Registered in place of HAPI's (the primary bean of its type, which HAPI's loader registers).
 */
public class SubscribableChanges extends SubscriptionMatcherInterceptor {

	private final FhirContext fhirContext;
	private final Set<String> matchedTypes = new HashSet<>();

	public SubscribableChanges(FhirContext fhirContext, Set<String> subscribableTypes) {
		this.fhirContext = fhirContext;
		this.matchedTypes.addAll(subscribableTypes);
		this.matchedTypes.add("Subscription");
	}

	@Override
	protected void processResourceModifiedEvent(IBaseResource resource, BaseResourceMessage.OperationTypeEnum operation,
			RequestDetails request) {
		if (matchedTypes.contains(fhirContext.getResourceType(resource))) {
			super.processResourceModifiedEvent(resource, operation, request);
		}
	}
}
