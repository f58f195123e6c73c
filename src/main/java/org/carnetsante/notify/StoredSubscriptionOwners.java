package org.carnetsante.notify;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.carnetsante.access.Actor;
import org.carnetsante.access.SubscriptionOwners;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;

/** The owner recorded in a stored Subscription, by its id; none for a subscription that is not stored. */
final class StoredSubscriptionOwners {

	private StoredSubscriptionOwners() {}

	static Optional<Actor> ownerOf(DaoRegistry daos, String subscriptionId) {
		if (subscriptionId == null || subscriptionId.isBlank()) {
			return Optional.empty();
		}
		try {
			Subscription subscription = daos.getResourceDao(Subscription.class)
					.read(new IdType("Subscription", subscriptionId), new SystemRequestDetails());
			return SubscriptionOwners.of(subscription);
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}
}
