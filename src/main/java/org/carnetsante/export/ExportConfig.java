package org.carnetsante.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.SearchBuilderFactory;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.access.AccessProperties;
import org.carnetsante.access.SpaceRulesStore;
import org.carnetsante.audit.AuditProperties;
import org.carnetsante.audit.AuditTrail;
import org.carnetsante.documents.AttachmentsAsRead;
import org.carnetsante.documents.DocumentProperties;
import org.carnetsante.fhir.FhirProperties;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Bulk Data {@code $export} for hospital systems (docs/export.md), unless {@code carnet.export.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "carnet.export.enabled", havingValue = "true", matchIfMissing = true)
public class ExportConfig {

	/**
	 * Never exported: the patient's own settings and log (Consent, AuditEvent, Subscription), the bytes
	 * of documents (fetched with ITI-68 from each DocumentReference's attachment URL), Groups (the
	 * export's definition, not health data), and messages (Communication: seen by their sender, their
	 * recipients and the patient side of the space only, never through a hospital's care relationship).
	 */
	static final Set<String> NEVER_EXPORTED = Set.of("Consent", "AuditEvent", "Subscription", "Binary", "Group",
			"Communication");

	@Bean
	public ExportJobs exportJobs(DataSource dataSource) {
		return new ExportJobs(dataSource);
	}

	@Bean
	public ExportRunner exportRunner(ExportJobs jobs, FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
			AccessPolicyService policy, SpaceRulesStore rules, AuditTrail trail, AuditProperties audit,
			AccessProperties access, ExportProperties export, Clock clock, DataSource dataSource,
			SearchBuilderFactory<JpaPid> searchBuilders, IHapiTransactionService transactions, DocumentProperties documents,
			BinaryStorageInterceptor<?> binaryStorage, @Qualifier("exportPrefetch") ExecutorService exportPrefetch) {
		return new ExportRunner(jobs, new ExportRun(fhirContext, daos, matchUrls, policy,
				new DeletedSince(dataSource, daos), searchBuilders, transactions, export,
				new ExportPages(dataSource, export.pageSize(), export.pageBytes().toBytes()),
				AttachmentsAsRead.of(documents, binaryStorage), exportPrefetch, clock),
				new ExportSpaces(rules, daos), trail, audit.enabled(), Set.copyOf(access.refusedSectors()), export, clock);
	}

	/** Reads the next page of an export while its worker judges and writes the current one (one per run). */
	@Bean(destroyMethod = "shutdownNow")
	public ExecutorService exportPrefetch() {
		return Executors.newCachedThreadPool(task -> {
			Thread thread = new Thread(task, "carnet-export-prefetch");
			thread.setDaemon(true);
			return thread;
		});
	}

	@Bean
	public FhirServerCustomizer bulkExportKickoff(FhirContext fhirContext, MatchUrlService matchUrls, ExportJobs jobs,
			ExportRunner runner, DaoRegistry daos, SpaceRulesStore rules, FhirProperties fhir, AccessProperties access,
			ExportProperties export, Clock clock) {
		Set<String> exportable = exportableTypes(fhirContext, fhir.resourceTypes());
		return server -> {
			server.registerProvider(new ExportKickoff(fhirContext, matchUrls, jobs, runner,
					new ExportSpaces(rules, daos), exportable, Set.copyOf(access.refusedSectors()), export, clock));
			server.registerInterceptor(new BulkDataCapabilities());
		};
	}

	@Bean
	public ServletRegistrationBean<ExportStatusServlet> bulkExportStatus(ExportJobs jobs, Clock clock) {
		// A longer prefix than the FHIR servlet's /fhir/*: these paths are not FHIR interactions.
		return new ServletRegistrationBean<>(new ExportStatusServlet(jobs, clock), ExportStatusServlet.PATH + "/*");
	}

	@Bean
	public GroupManagers groupManagers(IInterceptorService jpaInterceptors) {
		GroupManagers managers = new GroupManagers();
		jpaInterceptors.registerInterceptor(managers);
		return managers;
	}


	/** The served types that belong to a patient's space, but for those never exported. */
	static Set<String> exportableTypes(FhirContext fhirContext, List<String> served) {
		Set<String> types = new TreeSet<>();
		for (String type : served) {
			if (NEVER_EXPORTED.contains(type)) {
				continue;
			}
			RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
			List<?> compartment = definition.getSearchParamsForCompartmentName("Patient");
			if ("Patient".equals(type) || compartment != null && !compartment.isEmpty()) {
				types.add(type);
			}
		}
		return types;
	}
}
