package org.carnetsante.audit;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.carnetsante.access.ProfessionMatrix;
import org.carnetsante.fhir.FhirProperties;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The access log (step 5 of the request path): AuditEvents recorded from the policy's decisions, kept
 * in their own table, and served as {@code /fhir/AuditEvent} and {@code Patient/[id]/$access-log}.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfig {

	@Bean
	public AuditEventStore auditEventStore(DataSource dataSource) {
		return new AuditEventStore(dataSource);
	}

	/** The local journal of entries the database would not take; its health shows as {@code accessLog}. */
	@Bean(name = "accessLogHealthIndicator")
	public AuditDeadLetters auditDeadLetters(AuditProperties audit, FhirProperties fhir) {
		boolean configured = audit.deadLetterFile() != null && !audit.deadLetterFile().toString().isBlank();
		return new AuditDeadLetters(configured ? audit.deadLetterFile() : fhir.dataDir().resolve("audit-dead-letters.ndjson"));
	}

	@Bean
	public AuditTrail auditTrail(AuditEventStore store, DataSource dataSource, AuditProperties audit,
			AuditDeadLetters deadLetters, MeterRegistry meters) {
		return new AuditTrail(store, dataSource, audit, deadLetters, meters);
	}

	@Bean
	public AuditEventFactory auditEventFactory(AuditProperties audit, Clock clock) {
		return new AuditEventFactory(audit.source(), clock);
	}

	/** After the access policy's customizer: the log's paging wraps the policy's. */
	@Bean
	@org.springframework.core.annotation.Order(20)
	public FhirServerCustomizer accessLogOnTheFhirServer(FhirContext fhirContext, AuditEventStore store, AuditTrail trail,
			AuditEventFactory events, ProfessionMatrix matrix, AuditProperties audit,
			FhirProperties fhir, org.springframework.context.ApplicationEventPublisher publisher) {
		if (!audit.enabled()) {
			LoggerFactory.getLogger(AuditConfig.class).warn("THE ACCESS LOG IS OFF (carnet.audit.enabled=false): accesses"
					+ " are not recorded. This server is a benchmark peer and must never hold real data.");
		}
		return server -> {
			// AuditEvents are served from the access log, not from HAPI's resource tables.
			server.getResourceProviders().stream()
					.filter(provider -> "AuditEvent".equals(fhirContext.getResourceType(provider.getResourceType())))
					.toList()
					.forEach(server::unregisterProvider);
			server.registerProvider(new AuditEventProvider(events, store));
			server.registerInterceptor(new AuditEventsAreImmutable());
			server.registerProvider(new AccessLogOperation(store, matrix, fhir.defaultPageSize(), fhir.maxPageSize()));
			server.setPagingProvider(new AuditLogPaging(server.getPagingProvider(), events, store));
			if (audit.enabled()) {
				server.registerInterceptor(new AccessAuditor(events, trail, publisher));
			}
		};
	}
}
