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
 * ({@code location} search parameter), or the message it was claimed for (a message's attachment too large to
 * travel inline, {@code documents.ClaimedBinaries}). A Binary that belongs to no document or message belongs to no
 * space the policy can check, so it is not shown.
 */
public class BinaryDocuments {

	private final DaoRegistry daos;
	private final org.springframework.jdbc.core.JdbcTemplate claims;

	public BinaryDocuments(DaoRegistry daos, javax.sql.DataSource dataSource) {
		this.daos = daos;
		this.claims = new org.springframework.jdbc.core.JdbcTemplate(dataSource);
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
		// The claims table (db/documents/schema.sql) is the documents' and the messages'; a message's claim is its only link.
		List<String> messages = claims.queryForList("SELECT document_id FROM carnet_document_binary WHERE binary_id = ?"
				+ " AND document_id LIKE 'Communication/%'", String.class, relative);
		for (String message : messages) {
			try {
				documents.add(daos.getResourceDao("Communication").read(new org.hl7.fhir.r4.model.IdType(message), new SystemRequestDetails()));
			} catch (ResourceNotFoundException | ResourceGoneException e) {
				// its message is gone: shown to nobody
			}
		}
		// Every owner must allow: the message's claim and any document pointing at the same bytes.
		UriOrListParam locations = new UriOrListParam().addOr(new UriParam(relative));
		if (request != null && request.getFhirServerBase() != null) {
			locations.addOr(new UriParam(request.getFhirServerBase() + "/" + relative));
		}
		SearchParameterMap search = SearchParameterMap.newSynchronous().add("location", locations);
		documents.addAll(daos.getResourceDao("DocumentReference").search(search, new SystemRequestDetails()).getAllResources());
		return documents;
	}
}
