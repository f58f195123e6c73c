package org.carnetsante.support;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Watches HAPI's subscription matcher on the shared server, so that a test knows when a change has been
 * checked against every subscription and which deliveries it queued, instead of sleeping "long enough"
 * to be sure nothing comes: HAPI checks a change against all subscriptions, asks the
 * {@link Pointcut#SUBSCRIPTION_RESOURCE_MATCHED} hooks (Carnet's delivery policy among them; the first
 * to answer false stops the delivery) for each match, queues the deliveries they let through, then calls
 * {@link Pointcut#SUBSCRIPTION_AFTER_PERSISTED_RESOURCE_CHECKED}. Once that has been called for a change,
 * no delivery of it that is not recorded here will ever be made. Close it to unregister.
 */
@Interceptor
public final class SubscriptionMatching implements AutoCloseable {

	/** One delivery the matcher queued: the subscription ({@code Subscription/1}) and what it is about. */
	public record Delivery(String subscription, String about) {}

	private static final Duration DEADLINE = Duration.ofSeconds(30);

	private final IInterceptorService interceptors;
	private final FhirContext fhirContext;
	private final Set<String> checked = ConcurrentHashMap.newKeySet();
	private final List<Delivery> queued = new CopyOnWriteArrayList<>();

	private SubscriptionMatching(IInterceptorService interceptors, FhirContext fhirContext) {
		this.interceptors = interceptors;
		this.fhirContext = fhirContext;
	}

	/** Starts watching (register before the write whose matching is awaited). */
	public static SubscriptionMatching watch(IInterceptorService interceptors, FhirContext fhirContext) {
		SubscriptionMatching matching = new SubscriptionMatching(interceptors, fhirContext);
		interceptors.registerInterceptor(matching);
		return matching;
	}

	@Hook(Pointcut.SUBSCRIPTION_AFTER_PERSISTED_RESOURCE_CHECKED)
	public void checked(ResourceModifiedMessage change) {
		IIdType id = change.getPayloadId(fhirContext);
		if (id != null) {
			checked.add(id.toUnqualifiedVersionless().getValue());
		}
	}

	/** Last of the hooks: reached only when every other one let the delivery through. */
	@Hook(value = Pointcut.SUBSCRIPTION_RESOURCE_MATCHED, order = Integer.MAX_VALUE)
	public boolean letThrough(CanonicalSubscription subscription, ResourceDeliveryMessage delivery) {
		IIdType about = delivery.getPayloadId(fhirContext);
		queued.add(new Delivery("Subscription/" + subscription.getIdPart(),
				about == null ? null : about.toUnqualifiedVersionless().getValue()));
		return true;
	}

	/** Waits until the matcher has checked the latest change of this resource ({@code DocumentReference/12}). */
	public void awaitChecked(String resource) {
		Instant deadline = Instant.now().plus(DEADLINE);
		while (!checked.contains(resource)) {
			assertThat(Instant.now()).as("the subscription matcher checks %s within %s", resource, DEADLINE).isBefore(deadline);
			try {
				Thread.sleep(20);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
		}
	}

	/** The subscriptions a delivery about this resource was queued for. */
	public List<String> deliveriesAbout(String resource) {
		return queued.stream().filter(delivery -> resource.equals(delivery.about())).map(Delivery::subscription).toList();
	}

	@Override
	public void close() {
		interceptors.unregisterInterceptor(this);
	}
}
