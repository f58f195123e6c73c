package org.carnetsante.documents;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import javax.sql.DataSource;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The same uniqueId is never stored twice in a space (MHD: a document's uniqueId is permanent; each space
 * is its own registry). Each stored document claims its uniqueId in its space in a table whose primary key
 * they are ({@code db/documents/schema.sql}), inside the transaction that stores the document (plain JDBC
 * on the same data source joins HAPI's): of two concurrent pushes of one uniqueId to one space, on any
 * nodes, the second waits for the first and fails. The answer is 409 Conflict, naming no document. A
 * claim in another space does not count: a 409 would tell the sender that a space it may not read holds a
 * document with that uniqueId. A Binary is claimed the same way by the one document it belongs to.
 */
public class DocumentUniqueIds {

	private final JdbcTemplate jdbc;

	public DocumentUniqueIds(DataSource dataSource) {
		DatabasePopulatorUtils.execute(
				new ResourceDatabasePopulator(new ClassPathResource("db/documents/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
	}

	/** The key of a uniqueId: its system and value, as ITI-67 searches them. */
	static String keyOf(Identifier uniqueId) {
		return (uniqueId.hasSystem() ? uniqueId.getSystem() : "") + "|" + uniqueId.getValue();
	}

	/** Maximum length of a uniqueId's system and value together. */
	static final int MAX_UNIQUE_ID = 600;

	/**
	 * Claims a Binary for the document being stored; false if it belongs to another document (its
	 * bytes are that document's, whatever the caller declares).
	 */
	public boolean claimBinary(String binaryId, String documentId) {
		try {
			jdbc.update("INSERT INTO carnet_document_binary (binary_id, document_id) VALUES (?, ?)", binaryId, documentId);
			return true;
		} catch (DuplicateKeyException taken) {
			return false;
		}
	}

	/** Whether a document claimed this Binary (in this transaction, or before). */
	public boolean isClaimed(String binaryId) {
		return !jdbc.queryForList("SELECT 1 FROM carnet_document_binary WHERE binary_id = ?", Integer.class, binaryId).isEmpty();
	}

	/** Claims a uniqueId in a space for a document being stored; 409 if another document of the space holds it. */
	public void claim(String patientId, Identifier uniqueId, String documentId) {
		String key = keyOf(uniqueId);
		if (key.length() > MAX_UNIQUE_ID) {
			throw AttachmentIntegrity.refused("DocumentReference.masterIdentifier",
					"a uniqueId (system and value) has at most " + MAX_UNIQUE_ID + " characters");
		}
		try {
			jdbc.update("INSERT INTO carnet_document_unique_id_in_space (patient_id, unique_id, document_id) VALUES (?, ?, ?)",
					patientId, key, documentId);
			return;
		} catch (DuplicateKeyException taken) {
			// stored before, or by a push of the same moment (which this one waited for): a conflict
		}
		// The holder is not named: it may be a document of a space the caller does not see.
		String diagnostics = "A document with uniqueId " + uniqueId.getValue() + " is already stored in this space: a uniqueId is "
				+ "never reused; to replace a document, push a new one whose relatesTo replaces it";
		throw new ResourceVersionConflictException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.DUPLICATE,
						"DocumentReference.masterIdentifier", diagnostics));
	}

	/**
	 * Moves the claims of the global table (before claims were per space) into their spaces: the space of
	 * each claiming document, as {@code spaceOf} tells (null: the document is gone, the claim with it).
	 * Safe to run again.
	 */
	public int moveGlobalClaimsToTheirSpaces(java.util.function.Function<String, String> spaceOf) {
		int moved = 0;
		for (java.util.Map<String, Object> row : jdbc.queryForList("SELECT unique_id, document_id FROM carnet_document_unique_id")) {
			String documentId = (String) row.get("document_id");
			String patient = spaceOf.apply(documentId);
			if (patient != null) {
				try {
					jdbc.update("INSERT INTO carnet_document_unique_id_in_space (patient_id, unique_id, document_id) VALUES (?, ?, ?)",
							patient, row.get("unique_id"), documentId);
					moved++;
				} catch (DuplicateKeyException alreadyMoved) {
					// run before, or the same uniqueId claimed again since in that space
				}
			}
			jdbc.update("DELETE FROM carnet_document_unique_id WHERE unique_id = ?", row.get("unique_id"));
		}
		return moved;
	}
}
