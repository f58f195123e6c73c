package org.carnetsante.fhir;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.dao.ContiguousHashResourceHistoryCalculator;
import ca.uhn.fhir.jpa.dao.FulltextSearchSvcImpl;
import ca.uhn.fhir.jpa.dao.IFulltextSearchSvc;
import ca.uhn.fhir.jpa.dao.ResourceHistoryCalculator;
import ca.uhn.fhir.jpa.dao.search.HSearchSortHelperImpl;
import ca.uhn.fhir.jpa.dao.search.IHSearchSortHelper;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The beans HAPI's JPA server expects its host application to provide: storage settings, the
 * {@code HAPI_PU} persistence unit on Carnet's data source, the transaction manager and the search
 * services. Domain rules never live here.
 */
@Configuration(proxyBeanMethods = false)
@Import({
	JpaR4Config.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	ThreadPoolFactoryConfig.class,
	SubscriptionChannelConfig.class,
	// FHIR Subscriptions: matching writes against active subscriptions, delivery by rest-hook and
	// websocket (the rules of who may subscribe to what live in the notify package).
	ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig.class,
	ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig.class
})
public class FhirJpaConfig {

	@Bean
	public JpaStorageSettings jpaStorageSettings(FhirProperties fhir) {
		JpaStorageSettings settings = new JpaStorageSettings();
		// _content and _text are answered from the Hibernate Search index.
		settings.setHibernateSearchIndexFullText(true);
		settings.setAllowContainsSearches(true);
		// References must point at resources that exist on this server: no placeholders, no
		// references to other servers.
		settings.setAutoCreatePlaceholderReferenceTargets(false);
		settings.setAllowExternalReferences(false);
		settings.setEnforceReferentialIntegrityOnWrite(true);
		settings.setEnforceReferentialIntegrityOnDelete(true);
		settings.setIndexMissingFields(StorageSettings.IndexEnabledEnum.DISABLED);
		settings.setFetchSizeDefaultMaximum(fhir.maxPageSize());
		settings.setReuseCachedSearchResultsForMillis(
				fhir.reuseCachedSearchResults().isZero() ? null : fhir.reuseCachedSearchResults().toMillis());
		// Bulk export jobs start at once instead of waiting for the next maintenance pass.
		settings.setJobFastTrackingEnabled(true);
		// Batch GET entries run on the request's own thread: the caller's authorization (held per
		// thread) must reach every entry, which HAPI's parallel pool would lose.
		settings.setBundleBatchPoolSize(1);
		settings.setBundleBatchMaxPoolSize(1);
		// Physical deletion of health data is not a client-facing feature (no client reaches $expunge:
		// ServedInteractions), but Carnet expunges a closed space's content itself when the person asks for
		// its deletion or its retention period ends (org.carnetsante.space.SpaceContent).
		settings.setExpungeEnabled(true);
		settings.setDeleteExpungeEnabled(false);
		// No meta.source / request id on stored versions (as the stock starter): HAPI sets them on the
		// version row after persisting it, so every version was written twice (an INSERT, then an UPDATE of
		// the whole row, a Binary's 41 KB included). Who sent what is in the access log and, for documents,
		// in the recorded sender.
		settings.setStoreMetaSourceInformation(JpaStorageSettings.StoreMetaSourceInformationEnum.NONE);
		return settings;
	}

	/** One-off data migrations, run by one node of the cluster. */
	@Bean
	public OncePerCluster oncePerCluster(DataSource dataSource, java.time.Clock clock, FhirProperties fhir) {
		return new OncePerCluster(dataSource, clock, fhir.migrationTakeOverAfter());
	}

	/** The node's one listening connection, for every follower of other nodes' changes in the context. */
	@Bean
	public DatabaseNotifications databaseNotifications(DataSource dataSource,
			org.springframework.beans.factory.ObjectProvider<DatabaseNotifications.Follower> followers) {
		return new DatabaseNotifications(dataSource, followers.orderedStream().toList());
	}

	@Bean
	static PostgresBatchedInserts postgresBatchedInserts() {
		return new PostgresBatchedInserts();
	}

	/**
	 * HAPI's history calculator with the same stored hash computed in one pass (8 % of a push's CPU went
	 * into feeding the digest one byte per call): see {@link ContiguousHashResourceHistoryCalculator}.
	 */
	@Bean
	@org.springframework.context.annotation.Primary
	public ResourceHistoryCalculator contiguousHashResourceHistoryCalculator(
			FhirContext fhirContext, HibernatePropertiesProvider hibernateProperties) {
		return new ContiguousHashResourceHistoryCalculator(fhirContext, hibernateProperties.isOracleDialect());
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean
	public SubscriptionSettings subscriptionSettings() {
		SubscriptionSettings settings = new SubscriptionSettings();
		// HAPI keys the supported channel types by its DSTU2 enumeration, whatever the FHIR version.
		settings.addSupportedSubscriptionType(org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType.RESTHOOK);
		settings.addSupportedSubscriptionType(org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType.WEBSOCKET);
		settings.setWebsocketContextPath(WEBSOCKET_PATH);
		return settings;
	}

	/** Where apps open their websocket to be told of their subscriptions' matches. */
	public static final String WEBSOCKET_PATH = "/websocket";

	/** HAPI's e-mail channel of subscriptions is not offered (patients' e-mails go through notify). */
	@Bean
	public ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender subscriptionEmailSender() {
		return details -> {
			throw new UnsupportedOperationException("Subscriptions of channel type email are not supported");
		};
	}

	@Bean
	@Primary
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			DataSource dataSource,
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			DatabaseProperties database,
			FullTextProperties fullText,
			FhirProperties fhir) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(dataSource);
		factory.setJpaProperties(hibernateProperties(database, fullText, fhir));
		return factory;
	}

	private static Properties hibernateProperties(
			DatabaseProperties database, FullTextProperties fullText, FhirProperties fhir) {
		Properties properties = new Properties();
		properties.put("hibernate.dialect", database.effectiveDialect());
		properties.put("hibernate.hbm2ddl.auto", database.schemaUpdate());
		properties.put("hibernate.format_sql", "false");
		properties.put("hibernate.show_sql", "false");
		properties.put("hibernate.jdbc.batch_size", "50");
		properties.put("hibernate.order_inserts", "true");
		properties.put("hibernate.order_updates", "true");
		// Nodes share the database: no second-level cache that one node could hold stale.
		properties.put("hibernate.cache.use_query_cache", "false");
		properties.put("hibernate.cache.use_second_level_cache", "false");
		properties.putAll(fullText.hibernateSearchSettings(fhir.dataDir()));
		return properties;
	}

	@Bean
	@Primary
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}

	/** Only the types users search as text are indexed; full-text searches name one of them. */
	@Bean
	public FhirServerCustomizer fullTextIndexedTypes(FullTextProperties fullText,
			ca.uhn.fhir.interceptor.api.IInterceptorService jpaInterceptors) {
		FullTextIndexedTypes indexedTypes = new FullTextIndexedTypes(fullText.indexedTypes());
		jpaInterceptors.registerInterceptor(indexedTypes);
		return server -> server.registerInterceptor(indexedTypes.searches());
	}

	@Bean
	public IFulltextSearchSvc fullTextSearchSvc() {
		return new FulltextSearchSvcImpl();
	}

	@Bean
	public IHSearchSortHelper hSearchSortHelper(ISearchParamRegistry searchParamRegistry) {
		return new HSearchSortHelperImpl(searchParamRegistry);
	}

	@Bean
	public IStaleSearchDeletingSvc staleSearchDeletingSvc() {
		return new StaleSearchDeletingSvcImpl();
	}

	@Bean
	public DatabaseBackedPagingProvider databaseBackedPagingProvider(FhirProperties fhir) {
		DatabaseBackedPagingProvider pagingProvider = new DatabaseBackedPagingProvider();
		pagingProvider.setDefaultPageSize(fhir.defaultPageSize());
		pagingProvider.setMaximumPageSize(fhir.maxPageSize());
		return pagingProvider;
	}

	@Bean
	public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
		return new DaoRegistryResourceSupportedSvc(daoRegistry);
	}

	@Bean(name = "myResourceCountsCache")
	public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
		return ResourceCountCacheUtil.newResourceCountCache(systemDao);
	}
}
