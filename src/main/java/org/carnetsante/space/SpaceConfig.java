package org.carnetsante.space;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import javax.sql.DataSource;
import org.carnetsante.fhir.OncePerCluster;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** Patients' spaces: one INS per space, and the care relationship of whoever opens one. */
@Configuration(proxyBeanMethods = false)
public class SpaceConfig {

	private static final Logger LOG = LoggerFactory.getLogger(SpaceConfig.class);

	@Bean
	public SpaceIdentities spaceIdentities(DataSource dataSource, SpaceProperties space, IInterceptorService jpaInterceptors) {
		SpaceIdentities identities = new SpaceIdentities(dataSource, space.insSystems());
		jpaInterceptors.registerInterceptor(identities);
		return identities;
	}

	@Bean
	public SpaceCreators spaceCreators(DaoRegistry daos, IInterceptorService jpaInterceptors) {
		SpaceCreators creators = new SpaceCreators(daos);
		jpaInterceptors.registerInterceptor(creators);
		return creators;
	}

	/**
	 * Claims the INS of the Patients stored before claims were recorded, once per cluster. Two Patients
	 * that already share an INS cannot both claim it: the second is reported (it must be merged by hand).
	 */
	@EventListener(ApplicationReadyEvent.class)
	public void claimTheInsOfStoredSpaces(ApplicationReadyEvent ready) {
		SpaceIdentities identities = ready.getApplicationContext().getBean(SpaceIdentities.class);
		DaoRegistry daos = ready.getApplicationContext().getBean(DaoRegistry.class);
		ready.getApplicationContext().getBean(OncePerCluster.class).run("space-ins-claims", () -> {
			int claimed = 0;
			for (String system : identities.insSystems()) {
				SearchParameterMap search = SearchParameterMap.newSynchronous("identifier", new TokenParam(system, null));
				for (IBaseResource found : daos.getResourceDao(Patient.class).search(search, new SystemRequestDetails())
						.getAllResources()) {
					try {
						identities.claim((Patient) found);
						claimed++;
					} catch (ResourceVersionConflictException duplicate) {
						LOG.warn("Patient/{} has an INS another space already has: merge them", found.getIdElement().getIdPart());
					}
				}
			}
			LOG.info("INS of {} stored spaces claimed", claimed);
		});
	}
}
