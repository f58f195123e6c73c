package org.carnetsante.documents;

import ca.uhn.fhir.jpa.binary.interceptor.BinaryStorageInterceptor;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Puts back into a resource read by Carnet itself the attachment bytes stored out of its row, as a read
 * shows them (HAPI's binary storage interceptor, up to {@code carnet.documents.inflated-up-to}; larger
 * ones stay a reference to the stored bytes, as on a read). Nothing to do when bytes stay inline. Used
 * where Carnet hands on what it read outside a REST read: the export, a message's attachment filed
 * as a document.
 */
public final class AttachmentsAsRead {

	private AttachmentsAsRead() {}

	public static Consumer<IBaseResource> of(DocumentProperties documents, BinaryStorageInterceptor<?> binaryStorage) {
		if (documents.binaryStorage() == DocumentProperties.BinaryStorage.INLINE) {
			return resource -> {};
		}
		return resource -> {
			try {
				binaryStorage.preShow(new SimplePreResourceShowDetails(resource), new SystemRequestDetails());
			} catch (IOException e) {
				throw new UncheckedIOException("Stored attachment bytes of " + resource.getIdElement().getValue(), e);
			}
		};
	}
}
