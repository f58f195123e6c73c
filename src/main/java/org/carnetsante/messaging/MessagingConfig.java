package org.carnetsante.messaging;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import java.time.Clock;
import org.carnetsante.access.AccessPolicyService;
import org.carnetsante.documents.AttachmentsAsRead;
import org.carnetsante.documents.DocumentProperties;
import org.carnetsante.documents.PatientUploads;
import org.carnetsante.fhir.FhirServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The secure messaging: who writes to whom, and what recipients and the patient's side do with messages. */
@Configuration(proxyBeanMethods = false)
public class MessagingConfig {

	@Bean
	public FhirServerCustomizer messagingOnTheFhirServer(MessagingProperties messaging, DocumentProperties documents,
			DaoRegistry daos, AccessPolicyService policy, IInterceptorService jpaInterceptors,
			BinaryStorageInterceptor<?> binaryStorage, IHapiTransactionService transactions, Clock clock,
			org.carnetsante.documents.DocumentBytes bytes, org.carnetsante.documents.DocumentUniqueIds claims) {
		long attachmentMax = messaging.attachmentMaxSize().toBytes();
		if (documents.binaryStorage() != DocumentProperties.BinaryStorage.INLINE
				&& attachmentMax > documents.inflatedUpTo().toBytes()) {
			throw new IllegalStateException("carnet.messaging.attachment-max-size (" + messaging.attachmentMaxSize()
					+ ") is above carnet.documents.inflated-up-to (" + documents.inflatedUpTo()
					+ "): larger attachments would not be shown whole when their message is read");
		}
		jpaInterceptors.registerInterceptor(new MessageRules(daos, policy, attachmentMax, clock,
				new org.carnetsante.documents.ClaimedBinaries(daos, bytes, claims)));
		MessageOperations operations = new MessageOperations(daos, policy, AttachmentsAsRead.of(documents, binaryStorage),
				messaging.filedDocumentClassCoding(), new PatientUploads(documents.patientUploads()), transactions, clock, bytes);
		return server -> server.registerProvider(operations);
	}
}
