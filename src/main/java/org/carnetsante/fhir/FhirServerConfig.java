package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.List;
import org.carnetsante.profiles.CarnetImplementationGuide;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The FHIR REST endpoint: HAPI's {@link RestfulServer} on {@code /fhir/*} with the JPA resource
 * providers, the capability statement, the OpenAPI description and Carnet's request guards.
 *
 * <p>Other capabilities add their REST-layer interceptors through {@link FhirServerCustomizer} beans;
 * interceptors on storage pointcuts belong to HAPI's JPA interceptor service instead, so that they
 * also see writes that do not come through REST.
 */
@Configuration(proxyBeanMethods = false)
public class FhirServerConfig {

	static final String FHIR_BASE_PATH = "/fhir";

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviders,
			JpaSystemProvider<?, ?> systemProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			CarnetCapabilityStatement capabilityStatement,
			ObjectProvider<FhirServerCustomizer> customizers,
			ObjectProvider<OpenApiCustomizer> openApiCustomizers,
			FhirProperties fhir) {
		// Unknown elements and invalid values in a request are refused (400), not silently dropped:
		// a misspelt clinical field must not vanish from a patient's record.
		systemDao.getContext().setParserErrorHandler(new StrictErrorHandler());
		RestfulServer server = new RestfulServer(systemDao.getContext());
		// Only the served types get a provider (HAPI builds one per type): the CapabilityStatement and the
		// OpenAPI description list just them.
		java.util.Set<String> servedTypes = java.util.Set.copyOf(fhir.resourceTypes());
		if (servedTypes.isEmpty()) {
			throw new IllegalStateException("carnet.fhir.resource-types is empty: list the resource types /fhir serves");
		}
		server.registerProviders(resourceProviders.createProviders().stream()
				.filter(provider -> !(provider instanceof ca.uhn.fhir.rest.server.IResourceProvider typed)
						|| servedTypes.contains(systemDao.getContext().getResourceType(typed.getResourceType())))
				.toList());
		ServedInteractions servedInteractions = new ServedInteractions(servedTypes);
		server.registerInterceptor(servedInteractions);
		server.registerProvider(systemProvider);

		JpaCapabilityStatementProvider capabilityProvider = new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		capabilityProvider.setImplementationDescription(CarnetCapabilityStatement.DESCRIPTION);
		server.setServerConformanceProvider(capabilityProvider);
		server.setServerName(CarnetCapabilityStatement.SOFTWARE_NAME);
		server.setServerVersion(capabilityStatement.softwareVersion());
		server.setImplementationDescription(CarnetCapabilityStatement.DESCRIPTION);
		server.registerInterceptor(capabilityStatement);

		server.setPagingProvider(pagingProvider);
		registerInputGuards(server, systemDao.getContext(), searchParamRegistry, fhir);
		server.setDefaultPrettyPrint(false);
		server.setServerAddressStrategy(
				fhir.serverAddress().isBlank()
						? new IncomingRequestAddressStrategy()
						: new HardcodedServerAddressStrategy(fhir.serverAddress()));

		// A browser asking for a resource gets it syntax-highlighted instead of raw JSON.
		server.registerInterceptor(new ResponseHighlighterInterceptor());
		if (fhir.openapiEnabled()) {
			server.registerInterceptor(new CarnetOpenApi(servedInteractions, openApiCustomizers.orderedStream().toList()));
		}
		customizers.orderedStream().forEach(customizer -> customizer.customize(server));
		return server;
	}

	/**
	 * Bad input gets a 4xx OperationOutcome, bounded CPU, and nothing written. Registered on the REST
	 * server, their storage hooks run for every write and search that comes through it, batch and
	 * transaction entries included.
	 */
	private static void registerInputGuards(RestfulServer server, FhirContext fhirContext,
			ISearchParamRegistry searchParameters, FhirProperties fhir) {
		DecimalBounds decimals = fhir.decimalBounds();
		server.registerInterceptor(new RequestHeaderGuard(fhir.maxSearchValues()));
		server.registerInterceptor(new StorableValueGuard(fhirContext, searchParameters, decimals, fhir.maxSearchValues()));
		server.registerInterceptor(
				new TransactionBundleShape(fhirContext, searchParameters, fhir.maxBundleEntries(), fhir.maxSearchValues()));
		server.registerInterceptor(new FhirPathPatchShape(fhirContext));
		server.registerInterceptor(new ResultParameterGuard());
		server.registerInterceptor(new ResourceIdGuard());
		server.registerInterceptor(new SearchValueGuard(fhirContext, decimals));
		server.registerInterceptor(new IfMatchPrecondition());
		server.registerInterceptor(new ClientContentFailures());
		server.registerInterceptor(new TextSummary());
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer server) {
		ServletRegistrationBean<RestfulServer> registration =
				new ServletRegistrationBean<>(server, FHIR_BASE_PATH + "/*");
		registration.setName("fhir");
		registration.setLoadOnStartup(1);
		return registration;
	}

	@Bean
	public FilterRegistrationBean<RequestBodyGuard> requestBodyGuard(FhirProperties fhir) {
		FilterRegistrationBean<RequestBodyGuard> registration = new FilterRegistrationBean<>(new RequestBodyGuard(
				fhir.maxRequestBody().toBytes(), fhir.maxJsonNestingDepth(), fhir.decimalBounds()));
		registration.setUrlPatterns(List.of(FHIR_BASE_PATH + "/*"));
		return registration;
	}

	@Bean
	public FilterRegistrationBean<QueryStringGuard> queryStringGuard(FhirProperties fhir) {
		FilterRegistrationBean<QueryStringGuard> registration =
				new FilterRegistrationBean<>(new QueryStringGuard(fhir.maxSearchValues()));
		registration.setUrlPatterns(List.of(FHIR_BASE_PATH + "/*"));
		return registration;
	}

	/** Refusals of the web server itself, on the FHIR endpoint, as OperationOutcomes too. */
	@Bean
	public WebServerFactoryCustomizer<TomcatServletWebServerFactory> fhirErrorReports() {
		return factory -> factory.addContextCustomizers(
				context -> context.getParent().getPipeline().addValve(new FhirErrorReportValve()));
	}

	@Bean
	public CarnetCapabilityStatement carnetCapabilityStatement(
			ObjectProvider<BuildProperties> buildProperties, CarnetImplementationGuide implementationGuide) {
		BuildProperties build = buildProperties.getIfAvailable();
		return new CarnetCapabilityStatement(build == null ? "dev" : build.getVersion(), implementationGuide);
	}
}
