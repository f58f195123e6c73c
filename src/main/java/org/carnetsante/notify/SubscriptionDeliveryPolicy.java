package org.carnetsante.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.Actor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * A subscription's notification goes out only if its owner may see the resource it is about, now (a
 * document still INVISIBLE_PATIENT, or hidden from a minor's parents, tells its owner nothing). The
 * decision is the access policy's; a subscription without a recorded owner notifies nobody.
 */
@Interceptor
public class SubscriptionDeliveryPolicy {

	private final DaoRegistry daos;
	private final AccessPolicyService policy;

	public SubscriptionDeliveryPolicy(DaoRegistry daos, AccessPolicyService policy) {
		this.daos = daos;
		this.policy = policy;
	}

	/** Every channel type passes here (websocket pings do not pass the before-delivery pointcut). */
	@Hook(Pointcut.SUBSCRIPTION_RESOURCE_MATCHED)
	public boolean onMatch(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
		return ownerMaySee(subscription, message);
	}

	/** Judged again as a rest-hook delivery leaves, possibly later (a retry), when labels may have changed. */
	@Hook(Pointcut.SUBSCRIPTION_BEFORE_DELIVERY)
	public boolean beforeDelivery(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
		return ownerMaySee(subscription, message);
	}

	private boolean ownerMaySee(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
		Optional<Actor> owner = StoredSubscriptionOwners.ownerOf(daos, subscription.getIdPart());
		IIdType about = message.getPayloadId(daos.getSystemDao().getContext());
		if (owner.isEmpty() || about == null || !about.hasResourceType()) {
			return false;
		}
		try {
			IBaseResource resource = daos.getResourceDao(about.getResourceType())
					.read(about.toUnqualifiedVersionless(), new SystemRequestDetails());
			return policy.decideFor(owner.get(), resource).allowed();
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return false;
		}
	}
}
