package org.carnetsante.access;

import java.util.List;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Duration;
import org.springframework.core.annotation.Order;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Practitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ResourceLoader;

/**
 * The access policy (step 3 of the request path) and the write rules, on the FHIR server and HAPI's
 * storage; the rules of each space kept in step with the resources that state them.
 */
@Configuration(proxyBeanMethods = false)
public class AccessConfig {

	private static final Logger LOG = LoggerFactory.getLogger(AccessConfig.class);

	/** Protections switched off for a benchmark must be acknowledged, checked before anything starts. */
	@Bean
	static BenchmarkPeerGuard benchmarkPeerGuard() {
		return new BenchmarkPeerGuard();
	}

	@Bean
	public ProfessionMatrix professionMatrix(AccessProperties access, ResourceLoader resources) {
		return ProfessionMatrix.load(resources.getResource(access.professionMatrix()));
	}

	@Bean
	public AccessPolicy accessPolicy(ProfessionMatrix matrix, AccessProperties access) {
		return new AccessPolicy(matrix, access);
	}

	@Bean
	public SpaceRulesCache spaceRulesCache(AccessProperties access) {
		return new SpaceRulesCache(access.spaceRulesCache().maxSpaces(), access.spaceRulesCache().lifetime());
	}

	@Bean
	public SpaceRulesStore spaceRulesStore(DataSource dataSource, SpaceRulesCache cache) {
		return new SpaceRulesStore(dataSource, cache);
	}

	/** Other nodes' changes of space rules (followed through {@link org.carnetsante.fhir.DatabaseNotifications}). */
	@Bean
	public SpaceRulesChanges spaceRulesChanges(SpaceRulesCache cache) {
		return new SpaceRulesChanges(cache);
	}

	@Bean
	public SpaceRuleSources spaceRuleSources(DaoRegistry daos) {
		return new SpaceRuleSources(reference -> nationalIdsOf(daos, reference));
	}

	@Bean
	public SpaceRulesIndexer spaceRulesIndexer(
			FhirContext fhirContext, SpaceRuleSources sources, SpaceRulesStore store, IInterceptorService jpaInterceptors) {
		SpaceRulesIndexer indexer = new SpaceRulesIndexer(fhirContext, sources, store);
		jpaInterceptors.registerInterceptor(indexer);
		return indexer;
	}

	@Bean
	public AccessPolicyService accessPolicyService(FhirContext fhirContext, AccessPolicy policy, SpaceRulesStore store,
			DaoRegistry daos, AccessProperties access, Clock clock, javax.sql.DataSource dataSource) {
		return new AccessPolicyService(fhirContext, policy, new ResourceFactsReader(fhirContext), store,
				new BinaryDocuments(daos, dataSource), new SearchConfinement(fhirContext, Set.copyOf(access.directoryTypes())), daos,
				Set.copyOf(access.refusedSectors()), clock);
	}

	@Bean
	public VisibleTotals visibleTotals(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
			AccessPolicyService policy, AccessProperties access) {
		return new VisibleTotals(fhirContext, daos, matchUrls, policy, access.maxCountedMatches());
	}

	/**
	 * Who made each stored search. Created after the space rules store, whose start-up creates the access
	 * tables ({@code db/access/schema.sql}). Rows are kept twice as long as HAPI keeps a search's results.
	 */
	@Bean
	public SearchOwners searchOwners(DataSource dataSource, Clock clock, JpaStorageSettings storage,
			SpaceRulesStore tablesCreated) {
		return new SearchOwners(dataSource, clock, Duration.ofMillis(storage.getExpireSearchResultsAfterMillis()).multipliedBy(2));
	}

	/**
	 * Step 3 on the FHIR server, and the write rules on HAPI's storage. Runs before the access log's
	 * customizer, whose paging (of the log) wraps this one's (of searches).
	 */
	@Bean
	@Order(10)
	public FhirServerCustomizer accessPolicyOnTheFhirServer(FhirContext fhirContext, AccessPolicyService policy,
			VisibleTotals totals, AccessProperties access, IInterceptorService jpaInterceptors, DaoRegistry daos,
			MatchUrlService matchUrls, IIdHelperService<JpaPid> resourceIds, SearchOwners searchOwners) {
		if (!access.enforced()) {
			LOG.warn("THE ACCESS POLICY IS OFF (carnet.access.enforced=false): every token reads every space its scopes"
					+ " name. This server is a benchmark peer and must never hold real data.");
			return server -> {};
		}
		Set<String> directoryTypes = Set.copyOf(access.directoryTypes());
		ReferencePolicy references = new ReferencePolicy(fhirContext, daos, matchUrls, resourceIds, policy, directoryTypes);
		jpaInterceptors.registerInterceptor(
				new WritePolicy(fhirContext, policy, references, directoryTypes, Set.copyOf(access.readOnlyTypes())));
		jpaInterceptors.registerInterceptor(searchOwners);
		return server -> {
			server.registerInterceptor(new AccessPolicyInterceptor(policy, totals));
			server.registerInterceptor(new UniformNotFound(policy, daos));
			server.registerInterceptor(new ConditionalForms(fhirContext, directoryTypes));
			server.setPagingProvider(new CallerBoundPaging(server.getPagingProvider(), searchOwners));
		};
	}

	/**
	 * Fills the space rules from the stored Consents, care teams and closed spaces when their table is
	 * empty (a database written before the table existed); a no-op otherwise.
	 */
	@EventListener(ApplicationReadyEvent.class)
	public void rebuildSpaceRulesIfMissing(ApplicationReadyEvent ready) {
		SpaceRulesStore store = ready.getApplicationContext().getBean(SpaceRulesStore.class);
		if (!store.isEmpty()) {
			dateTheComingOfAgeOfRepresentedSpaces(ready);
			return;
		}
		DaoRegistry daos = ready.getApplicationContext().getBean(DaoRegistry.class);
		SpaceRulesIndexer indexer = ready.getApplicationContext().getBean(SpaceRulesIndexer.class);
		int indexed = 0;
		for (String type : new String[] {"Consent", "CareTeam"}) {
			for (IBaseResource resource : daos.getResourceDao(type)
					.search(SearchParameterMap.newSynchronous(), new SystemRequestDetails()).getAllResources()) {
				indexer.index(resource);
				indexed++;
			}
		}
		for (IBaseResource patient : daos.getResourceDao("Patient")
				.search(SearchParameterMap.newSynchronous("active", new TokenParam("false")), new SystemRequestDetails())
				.getAllResources()) {
			indexer.index(patient);
			indexed++;
		}
		if (indexed > 0) {
			LOG.info("Space rules rebuilt from {} stored Consents, care teams and closed spaces", indexed);
		}
		dateTheComingOfAgeOfRepresentedSpaces(ready);
	}

	/**
	 * Dates the coming of age in the rules of every space a legal representative reaches, stored before the
	 * rules held it (the representatives' access ends on the 18th birthday, those already past included), once
	 * per cluster and after the rules' rebuild.
	 */
	private static void dateTheComingOfAgeOfRepresentedSpaces(ApplicationReadyEvent ready) {
		DaoRegistry daos = ready.getApplicationContext().getBean(DaoRegistry.class);
		SpaceRulesIndexer indexer = ready.getApplicationContext().getBean(SpaceRulesIndexer.class);
		org.springframework.jdbc.core.JdbcTemplate jdbc = new org.springframework.jdbc.core.JdbcTemplate(
				ready.getApplicationContext().getBean(javax.sql.DataSource.class));
		ready.getApplicationContext().getBean(org.carnetsante.fhir.OncePerCluster.class).run("space-rules-coming-of-age", () -> {
			int indexed = 0;
			for (String patientId : jdbc.queryForList("SELECT DISTINCT patient_id FROM carnet_user_patient"
					+ " WHERE relationship = 'LEGAL_REPRESENTATIVE'", String.class)) {
				try {
					indexer.index(daos.getResourceDao("Patient").read(new org.hl7.fhir.r4.model.IdType("Patient", patientId),
							new SystemRequestDetails()));
					indexed++;
				} catch (ResourceNotFoundException | ResourceGoneException gone) {
					// a login to a space that no longer exists reaches nothing
				}
			}
			LOG.info("Coming of age dated in the rules of {} spaces that legal representatives reach", indexed);
		});
	}

	/** The national ids of the Practitioner or Organization a reference points to, as actor keys. */
	private static Set<String> nationalIdsOf(DaoRegistry daos, String reference) {
		Set<String> keys = new HashSet<>();
		String type = reference.substring(0, reference.indexOf('/'));
		try {
			IBaseResource target = daos.getResourceDao(type)
					.read(new org.hl7.fhir.r4.model.IdType(reference), new SystemRequestDetails());
			List<Identifier> identifiers = target instanceof Practitioner practitioner ? practitioner.getIdentifier()
					: target instanceof Organization organization ? organization.getIdentifier() : List.of();
			identifiers.forEach(identifier -> ActorKeys.keyOf(identifier).ifPresent(keys::add));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			// a reference to nothing names no one else
		}
		return keys;
	}
}
