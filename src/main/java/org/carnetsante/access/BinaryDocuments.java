package org.carnetsante.access;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;

/**
 * A document's bytes (a Binary) are seen only by those who may see the document: the resource its
 * {@code securityContext} names, else the DocumentReferences whose attachment URL points at it
 * ({@code location} search parameter). A Binary that belongs to no document belongs to no space the
 * policy can check, so it is not shown.
 */
public class BinaryDocuments {

	private final DaoRegistry daos;

	public BinaryDocuments(DaoRegistry daos) {
		this.daos = daos;
	}

	public List<IBaseResource> documentsOf(Binary binary, RequestDetails request) {
		List<IBaseResource> documents = new ArrayList<>();
		if (binary.hasSecurityContext() && binary.getSecurityContext().getReferenceElement().hasIdPart()) {
			var context = binary.getSecurityContext().getReferenceElement();
			try {
				documents.add(daos.getResourceDao(context.getResourceType())
						.read(context.toUnqualifiedVersionless(), new SystemRequestDetails()));
			} catch (ResourceNotFoundException | ResourceGoneException e) {
				// a context that no longer exists protects nothing: the Binary is shown to nobody
			}
			return documents;
		}
		if (!binary.getIdElement().hasIdPart()) {
			return documents;
		}
		String relative = "Binary/" + binary.getIdElement().getIdPart();
		UriOrListParam locations = new UriOrListParam().addOr(new UriParam(relative));
		if (request != null && request.getFhirServerBase() != null) {
			locations.addOr(new UriParam(request.getFhirServerBase() + "/" + relative));
		}
		SearchParameterMap search = SearchParameterMap.newSynchronous().add("location", locations);
		documents.addAll(daos.getResourceDao("DocumentReference").search(search, new SystemRequestDetails()).getAllResources());
		return documents;
	}
}
