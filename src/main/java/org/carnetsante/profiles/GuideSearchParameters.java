package org.carnetsante.profiles;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Stores the implementation guide's search parameters (such as Communication's {@code in-response-to})
 * as the server's own at every start, so HAPI indexes and serves them on every node. Storing an unchanged
 * parameter writes nothing; two nodes starting at once may race on the same version, and the loser has
 * nothing to do.
 */
class GuideSearchParameters {

	private static final Logger LOG = LoggerFactory.getLogger(GuideSearchParameters.class);

	private final CarnetImplementationGuide guide;
	private final DaoRegistry daos;
	private final ISearchParamRegistry registry;

	GuideSearchParameters(CarnetImplementationGuide guide, DaoRegistry daos, ISearchParamRegistry registry) {
		this.guide = guide;
		this.daos = daos;
		this.registry = registry;
	}

	/**
	 * First among the start-up work, so that what is written at start (the demo data, migrations) is indexed
	 * by them; resources stored before a parameter existed are indexed by HAPI's reindex job, which storing a
	 * new parameter queues (about a minute after start).
	 */
	@EventListener(ApplicationReadyEvent.class)
	@Order(Ordered.HIGHEST_PRECEDENCE)
	void storeTheGuidesSearchParameters() {
		for (IBaseResource parameter : guide.searchParameters()) {
			try {
				daos.getResourceDao("SearchParameter").update(parameter, new SystemRequestDetails());
			} catch (ResourceVersionConflictException storedByAnotherNode) {
				LOG.debug("Search parameter {} stored by another node", parameter.getIdElement().getIdPart());
			}
		}
		registry.forceRefresh();
	}
}
