package org.carnetsante.space;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.ExpungeOptions;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.carnetsante.access.AccessPolicyService;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Removes what a closed space holds, really (docs/space.md): when the person closes it asking for the
 * deletion of its content, and when its retention period ends. The resources of this space alone
 * ({@link #contentOf}) are deleted in one FHIR transaction and then expunged, versions and bytes (HAPI's
 * binary storage drops a Binary's blob when it expunges it); Carnet's own rows about them go too. What stays is the minimal trace: the Patient (identity and state of the space), the registry's
 * row and the access log, which the law keeps.
 */
public class SpaceContent {

	private static final Logger LOG = LoggerFactory.getLogger(SpaceContent.class);
	/**
	 * Types that refer to patients without being any one space's content: other Patients (a link between two
	 * persons), groups of patients (a hospital's export Group), the directory. (A List about this patient alone,
	 * a push's submission set, is the space's.)
	 */
	private static final Set<String> NEVER_SPACE_CONTENT = Set.of("Patient", "Group", "Practitioner", "PractitionerRole",
			"Organization", "Location", "Device", "HealthcareService", "Endpoint");

	private final DaoRegistry daos;
	private final AccessPolicyService policy;
	private final JdbcTemplate jdbc;
	private final NamedParameterJdbcTemplate named;

	public SpaceContent(DaoRegistry daos, AccessPolicyService policy, DataSource dataSource) {
		this.daos = daos;
		this.policy = policy;
		this.jdbc = new JdbcTemplate(dataSource);
		this.named = new NamedParameterJdbcTemplate(jdbc);
	}

	/** Deletes and expunges everything the space holds but its Patient; answers how many resources went. */
	public int purge(String patientId) {
		Set<String> content = contentOf(patientId);
		if (content.isEmpty()) {
			return 0;
		}
		Bundle deletions = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (String id : content) {
			deletions.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl(id);
		}
		daos.getSystemDao().transaction(new SystemRequestDetails(), deletions);
		ExpungeOptions everything = new ExpungeOptions().setExpungeDeletedResources(true).setExpungeOldVersions(true);
		for (String id : content) {
			IdType resource = new IdType(id);
			daos.getResourceDao(resource.getResourceType()).expunge(resource, everything, new SystemRequestDetails());
		}
		forgetCarnetRows(patientId, content);
		LOG.info("Content of the space Patient/{} deleted: {} resources", patientId, content.size());
		return content.size();
	}

	/**
	 * Relative ids of the resources of the space, its Patient excepted: the live resources that refer to the
	 * Patient and belong to this space alone (the access policy's facts name this patient and no other, so a
	 * resource shared with another space, an export Group or another Patient linked to this one stays), and
	 * the Binaries that Carnet recorded as theirs (a document's bytes, a message's large attachment).
	 */
	Set<String> contentOf(String patientId) {
		Set<String> content = new LinkedHashSet<>();
		for (String id : jdbc.queryForList("SELECT DISTINCT source.res_type || '/' || source.fhir_id FROM hfj_res_link link"
				+ " JOIN hfj_resource target ON target.res_id = link.target_resource_id"
				+ " JOIN hfj_resource source ON source.res_id = link.src_resource_id"
				+ " WHERE target.res_type = 'Patient' AND target.fhir_id = ? AND source.res_deleted_at IS NULL", String.class,
				patientId)) {
			if (belongsToThisSpaceAlone(id, patientId)) {
				content.add(id);
			}
		}
		if (!content.isEmpty()) {
			List<String> owners = new ArrayList<>(content);
			owners.addAll(content.stream().map(id -> new IdType(id).getIdPart()).toList());
			for (String binary : named.queryForList("SELECT binary_id FROM carnet_document_binary WHERE document_id IN (:owners)",
					new MapSqlParameterSource("owners", owners), String.class)) {
				String id = binary.startsWith("Binary/") ? binary : "Binary/" + binary;
				if (exists(id)) {
					content.add(id);
				}
			}
		}
		return content;
	}

	private boolean belongsToThisSpaceAlone(String id, String patientId) {
		IdType resourceId = new IdType(id);
		if (NEVER_SPACE_CONTENT.contains(resourceId.getResourceType())) {
			return false;
		}
		try {
			IBaseResource resource = daos.getResourceDao(resourceId.getResourceType()).read(resourceId, new SystemRequestDetails());
			return Set.of(patientId).equals(policy.factsOf(resource).patients());
		} catch (ResourceNotFoundException | ResourceGoneException gone) {
			return false;
		}
	}

	private boolean exists(String id) {
		IdType resource = new IdType(id);
		return !jdbc.queryForList("SELECT 1 FROM hfj_resource WHERE res_type = ? AND fhir_id = ? AND res_deleted_at IS NULL",
				Integer.class, resource.getResourceType(), resource.getIdPart()).isEmpty();
	}

	/** Carnet's rows about the removed resources and the space's pending work. */
	private void forgetCarnetRows(String patientId, Set<String> content) {
		List<String> ids = new ArrayList<>(content);
		List<String> bare = content.stream().map(id -> new IdType(id).getIdPart()).toList();
		MapSqlParameterSource removed = new MapSqlParameterSource("ids", ids).addValue("bare", bare).addValue("patient", patientId);
		named.update("DELETE FROM carnet_document_unique_id WHERE document_id IN (:ids) OR document_id IN (:bare)", removed);
		named.update("DELETE FROM carnet_document_unique_id_in_space WHERE patient_id = :patient", removed);
		named.update("DELETE FROM carnet_document_binary WHERE document_id IN (:ids) OR binary_id IN (:ids) OR binary_id IN (:bare)",
				removed);
		named.update("DELETE FROM carnet_space_rule WHERE source IN (:ids)", removed);
		named.update("DELETE FROM carnet_reminder WHERE patient_id = :patient", removed);
		named.update("DELETE FROM carnet_reminder_recompute WHERE patient_id = :patient", removed);
		// Pending notifications about what is gone; the space's own (its closure) still go out.
		named.update("DELETE FROM carnet_notification WHERE patient_id = :patient AND done_at IS NULL AND kind NOT LIKE 'SPACE!_%'"
				+ " ESCAPE '!'", removed);
	}
}
