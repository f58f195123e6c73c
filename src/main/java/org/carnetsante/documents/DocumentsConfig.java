package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import ca.uhn.fhir.jpa.binary.svc.NullBinaryStorageSvcImpl;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.binstore.FilesystemBinaryStorageSvcImpl;
import javax.sql.DataSource;
import org.carnetsante.fhir.FhirProperties;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Documents (IHE MHD as profiled by PDSm): where their bytes are stored, and the rules of their intake,
 * change and search, on HAPI's storage and on the FHIR server.
 */
@Configuration(proxyBeanMethods = false)
public class DocumentsConfig {

	private static final Logger LOG = LoggerFactory.getLogger(DocumentsConfig.class);

	/** A document's bytes: a blob table or files, not base64 inside the Binary's resource row. */
	@Bean
	public IBinaryStorageSvc binaryStorageSvc(DocumentProperties documents, FhirProperties fhir) {
		IBinaryStorageSvc storage = switch (documents.binaryStorage()) {
			case DATABASE -> new DatabaseBinaryContentStorageSvcImpl();
			case FILESYSTEM -> new FilesystemBinaryStorageSvcImpl(documents.binaryDirectory());
			case INLINE -> new NullBinaryStorageSvcImpl();
		};
		storage.setMinimumBinarySize((int) Math.min(Integer.MAX_VALUE, documents.externalizedFrom().toBytes()));
		// Nothing larger than a request can arrive; the request body limit is the real bound.
		storage.setMaximumBinarySize(fhir.maxRequestBody().toBytes());
		return storage;
	}

	/**
	 * Unless bytes stay inline: HAPI's interceptor moving bytes out of Binary resources into the storage
	 * above (and back when shown), and the raw streaming of large documents on the FHIR server.
	 */
	@Bean
	public FhirServerCustomizer documentBytesOutOfTheirRows(DocumentProperties documents,
			BinaryStorageInterceptor<?> binaryStorageInterceptor, IBinaryStorageSvc binaryStorage,
			IInterceptorService jpaInterceptors) {
		if (documents.binaryStorage() == DocumentProperties.BinaryStorage.INLINE) {
			return server -> {};
		}
		binaryStorageInterceptor.setAllowAutoInflateBinaries(true);
		binaryStorageInterceptor.setAutoInflateBinariesMaximumSize(documents.inflatedUpTo().toBytes());
		jpaInterceptors.registerInterceptor(binaryStorageInterceptor);
		return server -> server.registerInterceptor(new RawDocumentStreaming(binaryStorage));
	}

	@Bean
	public DocumentUniqueIds documentUniqueIds(DataSource dataSource) {
		return new DocumentUniqueIds(dataSource);
	}

	@Bean
	public DocumentBytes documentBytes(IBinaryStorageSvc binaryStorage) {
		return new DocumentBytes(binaryStorage);
	}

	/**
	 * Who sent each document, recorded on every server (the access policy reads it, benchmark peers
	 * included).
	 */
	@Bean
	public DocumentSenders documentSenders(IInterceptorService jpaInterceptors) {
		DocumentSenders senders = new DocumentSenders();
		jpaInterceptors.registerInterceptor(senders);
		return senders;
	}

	@Bean
	public DocumentMigrations documentMigrations(DaoRegistry daos, DocumentUniqueIds uniqueIds, DataSource dataSource,
			org.carnetsante.fhir.OncePerCluster once) {
		return new DocumentMigrations(daos, uniqueIds, dataSource, once);
	}

	/** Documents stored before the rules of the hardening issue are brought under them, once per cluster. */
	@org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
	public void migrateStoredDocuments(org.springframework.boot.context.event.ApplicationReadyEvent ready) {
		ready.getApplicationContext().getBean(DocumentMigrations.class).run();
	}

	/** The document rules on HAPI's storage (every write path) and ITI-67's on the FHIR server. */
	@Bean
	public FhirServerCustomizer documentRulesOnTheFhirServer(DocumentProperties documents,
			DaoRegistry daos, DocumentBytes bytes, DocumentUniqueIds uniqueIds,
			IInterceptorService jpaInterceptors, org.carnetsante.access.AccessPolicyService policy) {
		if (!documents.rulesEnforced()) {
			LOG.warn("THE DOCUMENT RULES ARE OFF (carnet.documents.rules-enforced=false): sizes, hashes and uniqueIds "
					+ "are not checked. This server is a benchmark peer and must never hold real data.");
			return server -> {};
		}
		jpaInterceptors.registerInterceptor(
				new DocumentIntake(daos, bytes, uniqueIds, new PatientUploads(documents.patientUploads()), policy));
		jpaInterceptors.registerInterceptor(new DocumentChangeRules(documents.archivedExtension()));
		jpaInterceptors.registerInterceptor(new BinaryOwnership(uniqueIds));
		return server -> {
			if (documents.searchRequiresStatus()) {
				server.registerInterceptor(new DocumentSearchRequirements());
			}
		};
	}
}
