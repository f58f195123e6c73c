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

/**
 * Patients' spaces: one INS per space, the care relationship of whoever opens one, the insured registry and
 * its provisioning, and the lifecycle of each space (docs/space.md).
 */
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
	public SpaceRegistry spaceRegistry(DataSource dataSource, org.carnetsante.notify.NotificationOutbox outbox) {
		return new SpaceRegistry(dataSource, outbox);
	}

	@Bean
	public Provisioning provisioning(SpaceRegistry registry, DataSource dataSource, SpaceProperties space, java.time.Clock clock) {
		return new Provisioning(registry, new ProvisioningRuns(dataSource), dataSource, space, clock);
	}

	@Bean
	public SpaceLifecycle spaceLifecycle(SpaceRegistry registry, DaoRegistry daos,
			ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService transactions, org.carnetsante.notify.NotificationOutbox outbox,
			org.carnetsante.audit.AuditTrail audit, org.carnetsante.smart.UserAccounts accounts, SpaceProperties space,
			java.time.Clock clock, org.carnetsante.access.AccessPolicyService policy, DataSource dataSource) {
		return new SpaceLifecycle(registry, daos, transactions, outbox, audit, accounts,
				new SpaceContent(daos, policy, dataSource), space.lifecycle(), clock);
	}

	@Bean
	public SpaceOpeningJob spaceOpeningJob(SpaceLifecycle lifecycle, DataSource dataSource, SpaceProperties space,
			java.time.Clock clock, OncePerCluster oncePerCluster) {
		return new SpaceOpeningJob(lifecycle, new org.carnetsante.fhir.ClusterLease(dataSource, "space-opening",
				space.opening().lease()), space.opening(), clock, oncePerCluster);
	}

	@Bean
	public org.carnetsante.fhir.FhirServerCustomizer spaceLifecycleOperations(SpaceLifecycle lifecycle,
			org.carnetsante.access.AccessPolicyService policy, DaoRegistry daos, SpaceProperties space) {
		return server -> server.registerProvider(new SpaceLifecycleOperations(lifecycle, policy, daos,
				space.lifecycle().portalClients()));
	}

	@Bean
	public SpaceInvitations spaceInvitations(DataSource dataSource, DaoRegistry daos,
			ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService transactions, org.carnetsante.notify.NotificationOutbox outbox,
			org.carnetsante.smart.UserAccounts accounts, SpaceProperties space, java.time.Clock clock) {
		return new SpaceInvitations(dataSource, daos, transactions, outbox, accounts, space.invitations(), clock);
	}

	@Bean
	public org.carnetsante.fhir.FhirServerCustomizer spaceInvitationOperations(SpaceInvitations invitations,
			org.carnetsante.access.AccessPolicyService policy, DaoRegistry daos) {
		return server -> server.registerProvider(new InvitationOperations(invitations, new SpaceHolders(policy, daos)));
	}

	/** The provisioning endpoint: a longer path than the FHIR servlet's /fhir/*, not a FHIR interaction. */
	@Bean
	public org.springframework.boot.web.servlet.ServletRegistrationBean<ProvisioningServlet> provisioningEndpoint(
			Provisioning provisioning, SpaceProperties space) {
		java.util.concurrent.ExecutorService runner = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
			Thread thread = new Thread(runnable, "space-provisioning");
			thread.setDaemon(true);
			return thread;
		});
		return new org.springframework.boot.web.servlet.ServletRegistrationBean<>(new ProvisioningServlet(provisioning, runner,
				space.provisioning().clients(), java.nio.file.Path.of(space.provisioning().workDir()),
				space.provisioning().maxUpload().toBytes()),
				ProvisioningServlet.KICKOFF_PATH, ProvisioningServlet.STATUS_PATH + "/*");
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
