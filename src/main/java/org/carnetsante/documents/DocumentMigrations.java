package org.carnetsante.documents;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.RecordedSender;
import org.carnetsante.fhir.OncePerCluster;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * One-off migrations of the documents stored before the rules of issue 11, run once per cluster at start:
 * <ul>
 *   <li>uniqueId claims move into their document's space ({@link DocumentUniqueIds});
 *   <li>documents without a recorded sender get one: who created their first version, as the access log
 *       recorded it (HAPI stored each version's request id in {@code meta.source} until issue 12 turned
 *       that off; the access log entry of that request names the caller). A document whose sender cannot be found keeps none: nobody has an
 *       author's rights on it but Carnet (the patient may still mask it).
 * </ul>
 */
public class DocumentMigrations {

	private static final Logger LOG = LoggerFactory.getLogger(DocumentMigrations.class);
	private static final ObjectMapper JSON = new ObjectMapper();

	private final DaoRegistry daos;
	private final DocumentUniqueIds uniqueIds;
	private final JdbcTemplate jdbc;
	private final OncePerCluster once;

	public DocumentMigrations(DaoRegistry daos, DocumentUniqueIds uniqueIds, DataSource dataSource, OncePerCluster once) {
		this.daos = daos;
		this.uniqueIds = uniqueIds;
		this.jdbc = new JdbcTemplate(dataSource);
		this.once = once;
	}

	public void run() {
		once.run("document-unique-ids-per-space", () -> LOG.info("{} uniqueId claims moved into their spaces",
				uniqueIds.moveGlobalClaimsToTheirSpaces(this::spaceOf)));
		once.run("document-senders", () -> LOG.info("{} documents got their sender from the access log", recordSenders()));
	}

	/** The patient of a stored document, or null if it is gone. */
	private String spaceOf(String documentId) {
		return document(documentId).map(document -> document.getSubject().getReferenceElement().getIdPart()).orElse(null);
	}

	private int recordSenders() {
		Map<String, Reference> senderOfRequest = sendersByRequestId();
		int recorded = 0;
		List<String> ids = jdbc.queryForList("SELECT fhir_id FROM hfj_resource WHERE res_type = 'DocumentReference'"
				+ " AND res_deleted_at IS NULL", String.class);
		for (String id : ids) {
			DocumentReference document = document("DocumentReference/" + id).orElse(null);
			if (document == null || !RecordedSender.keysOf(document).isEmpty()) {
				continue;
			}
			Reference sender = requestIdOfFirstVersion(id).map(senderOfRequest::get).orElse(null);
			if (sender != null) {
				RecordedSender.record(document, sender);
				document.setId(document.getIdElement().toUnqualifiedVersionless());
				daos.getResourceDao(DocumentReference.class).update(document, new SystemRequestDetails());
				recorded++;
			}
		}
		return recorded;
	}

	/** Who made each request that created something, from the access log's allowed create entries. */
	private Map<String, Reference> sendersByRequestId() {
		Map<String, Reference> senders = new HashMap<>();
		jdbc.query("SELECT record FROM carnet_audit_event WHERE outcome = '0' AND record LIKE ?",
				row -> {
					try {
						JsonNode record = JSON.readTree(row.getString(1));
						JsonNode who = record.get("who");
						String requestId = record.path("requestId").asText(null);
						if (requestId != null && who != null && !who.isNull()) {
							senders.putIfAbsent(requestId, referenceTo(who));
						}
					} catch (IOException unreadable) {
						// an entry this version cannot read names no sender
					}
				}, "%\"operation\":\"CREATE\"%");
		return senders;
	}

	private static Reference referenceTo(JsonNode who) {
		Reference reference = new Reference();
		String fhirUser = who.path("fhirUser").asText(null);
		String idNat = who.path("idNat").asText(null);
		String organization = who.path("organization").asText(null);
		if (fhirUser != null) {
			reference.setReference(fhirUser);
		}
		if (idNat != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(idNat));
		} else if (organization != null) {
			reference.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(organization));
		}
		reference.setDisplay(who.path("name").asText(null));
		return reference;
	}

	/** The request id HAPI recorded with a document's first version ({@code meta.source} "…#id"). */
	private java.util.Optional<String> requestIdOfFirstVersion(String id) {
		try {
			DocumentReference first = daos.getResourceDao(DocumentReference.class)
					.read(new IdType("DocumentReference", id, "1"), new SystemRequestDetails());
			String source = first.getMeta().getSource();
			return source == null || !source.contains("#") ? java.util.Optional.empty()
					: java.util.Optional.of(source.substring(source.indexOf('#') + 1));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return java.util.Optional.empty();
		}
	}

	private java.util.Optional<DocumentReference> document(String id) {
		try {
			return java.util.Optional.of(daos.getResourceDao(DocumentReference.class).read(new IdType(id), new SystemRequestDetails()));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return java.util.Optional.empty();
		}
	}
}
