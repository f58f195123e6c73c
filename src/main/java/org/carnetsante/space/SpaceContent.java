package org.carnetsante.space;

import ca.uhn.fhir.context.FhirContext;
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
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Removes what a closed space holds, really (docs/space.md): when the person closes it asking for the
 * deletion of its content, and when its retention period ends. Every resource that refers to the space's
 * Patient, and in turn every resource that refers to one of those or whose bytes they point to (a
 * document's Binary, a provenance), is deleted in one FHIR transaction and then expunged, versions and
 * bytes (HAPI's binary storage drops a Binary's blob when it expunges it); Carnet's own rows about them
 * go too. What stays is the minimal trace: the Patient (identity and state of the space), the registry's
 * row and the access log, which the law keeps.
 */
public class SpaceContent {

	private static final Logger LOG = LoggerFactory.getLogger(SpaceContent.class);
	/** Rounds of "what refers to what is removed": documents, their bytes, what points at those. */
	private static final int MAX_DEPTH = 5;

	private final DaoRegistry daos;
	private final FhirContext fhirContext;
	private final JdbcTemplate jdbc;
	private final NamedParameterJdbcTemplate named;

	public SpaceContent(DaoRegistry daos, FhirContext fhirContext, DataSource dataSource) {
		this.daos = daos;
		this.fhirContext = fhirContext;
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

	/** Relative ids of the resources of the space, its Patient excepted. */
	Set<String> contentOf(String patientId) {
		String patient = "Patient/" + patientId;
		Set<String> content = new LinkedHashSet<>();
		Set<String> frontier = Set.of(patient);
		for (int depth = 0; depth < MAX_DEPTH && !frontier.isEmpty(); depth++) {
			Set<String> found = new LinkedHashSet<>(referringTo(frontier));
			found.addAll(bytesOf(frontier));
			found.remove(patient);
			found.removeAll(content);
			content.addAll(found);
			frontier = found;
		}
		return content;
	}

	/** Live resources whose indexed references point at one of these. */
	private List<String> referringTo(Set<String> targets) {
		List<String> found = new ArrayList<>();
		for (String target : targets) {
			IdType id = new IdType(target);
			found.addAll(jdbc.queryForList("SELECT source.res_type || '/' || source.fhir_id FROM hfj_res_link link"
					+ " JOIN hfj_resource target ON target.res_id = link.target_resource_id"
					+ " JOIN hfj_resource source ON source.res_id = link.src_resource_id"
					+ " WHERE target.res_type = ? AND target.fhir_id = ? AND source.res_deleted_at IS NULL", String.class,
					id.getResourceType(), id.getIdPart()));
		}
		return found;
	}

	/** The Binaries these resources' attachments point at (a document's bytes, a message's large attachment). */
	private Set<String> bytesOf(Set<String> resources) {
		Set<String> binaries = new LinkedHashSet<>();
		for (String id : resources) {
			if (id.startsWith("Patient/") || id.startsWith("Binary/")) {
				continue;
			}
			IdType resourceId = new IdType(id);
			IBaseResource resource;
			try {
				resource = daos.getResourceDao(resourceId.getResourceType()).read(resourceId, new SystemRequestDetails());
			} catch (ResourceNotFoundException | ResourceGoneException gone) {
				continue;
			}
			for (Attachment attachment : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Attachment.class)) {
				String url = attachment.getUrl();
				int at = url == null ? -1 : url.indexOf("Binary/");
				if (at >= 0) {
					binaries.add(new IdType(url.substring(at)).toUnqualifiedVersionless().getValue());
				}
			}
		}
		binaries.removeIf(binary -> !exists(binary));
		return binaries;
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
