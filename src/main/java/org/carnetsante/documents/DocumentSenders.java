package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DocumentReference;

/**
 * Records who sent each document, from the sender's token, whatever path stored it (ITI-65, ITI-105, a
 * patient's upload, transaction and batch entries), and keeps it through every later change: the rights
 * of a document's author follow this record ({@link RecordedSender}), not the declared author.
 */
@Interceptor
public class DocumentSenders {

	/** After the write policy (the caller may write here), before the document rules read the sender. */
	public static final int HOOK_ORDER = -150;

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void recordTheSender(IBaseResource created, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (created instanceof DocumentReference document && access != null) {
			RecordedSender.record(document, access.caller());
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void keepTheSender(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		if (request instanceof ServletRequestDetails && previous instanceof DocumentReference stored
				&& updated instanceof DocumentReference document) {
			RecordedSender.keep(stored, document);
		}
	}
}
