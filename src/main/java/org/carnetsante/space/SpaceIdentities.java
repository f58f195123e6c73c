package org.carnetsante.space;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * One INS, one space (design.md §3): every Patient stored claims its INS in {@code carnet_space_ins}, in
 * the transaction that stores it, whatever the path (create, update, patch, transaction entries, Carnet's
 * own writes). A second Patient with an INS already in use is refused with 409, without saying whose:
 * otherwise the two would make every ITI-65 push addressed by that INS fail (HAPI answers 412 to a
 * conditional reference matching twice) and the person's document feed would stop. A deleted Patient
 * releases its INS.
 */
@Interceptor
public class SpaceIdentities {

	/** Width of the claim's key ({@code db/space/schema.sql}). */
	private static final int MAX_KEY = 300;

	private final JdbcTemplate jdbc;
	private final NamedParameterJdbcTemplate named;
	private final Set<String> insSystems;

	public SpaceIdentities(DataSource dataSource, List<String> insSystems) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/space/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.insSystems = Set.copyOf(insSystems);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			claim(patient);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		if (resource instanceof Patient patient) {
			claim(patient);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			jdbc.update("DELETE FROM carnet_space_ins WHERE patient_id = ?", patient.getIdElement().getIdPart());
		}
	}

	/** Claims the Patient's INS and releases those it no longer carries; 409 if another space holds one. */
	public void claim(Patient patient) {
		String patientId = patient.getIdElement().getIdPart();
		List<String> keys = insOf(patient);
		for (String key : keys) {
			if (key.length() > MAX_KEY) {
				String diagnostics = "An INS (system and value) has at most " + MAX_KEY + " characters";
				throw new ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException(diagnostics,
						OperationOutcomes.error(OperationOutcome.IssueType.VALUE, "Patient.identifier", diagnostics));
			}
			// A person of the registry whose space is not open (a notice running, an opposition) has no space:
			// none is created for them here, nor fed through one (Carnet opens it itself, docs/space.md). The
			// answer is that of an INS in use, so that it tells neither which nor whether the person opposed.
			if (!jdbc.queryForList("SELECT state FROM carnet_space_registry WHERE ins = ? AND state IN ('NOTIFIED', 'OPPOSED')",
					String.class, key).isEmpty()) {
				throw insInUse();
			}
			// Read first: a failed statement would abort the whole transaction on PostgreSQL.
			List<String> holder = jdbc.queryForList("SELECT patient_id FROM carnet_space_ins WHERE ins = ?", String.class, key);
			if (holder.contains(patientId)) {
				continue;
			}
			if (!holder.isEmpty()) {
				throw insInUse();
			}
			try {
				jdbc.update("INSERT INTO carnet_space_ins (ins, patient_id) VALUES (?, ?)", key, patientId);
			} catch (DuplicateKeyException claimedMeanwhile) {
				throw insInUse(); // another transaction claimed it first (and this one is over)
			}
		}
		if (keys.isEmpty()) {
			jdbc.update("DELETE FROM carnet_space_ins WHERE patient_id = ?", patientId);
		} else {
			named.update("DELETE FROM carnet_space_ins WHERE patient_id = :patient AND ins NOT IN (:kept)",
					new MapSqlParameterSource("patient", patientId).addValue("kept", keys));
		}
	}

	private static ResourceVersionConflictException insInUse() {
		String diagnostics = "This INS already identifies a space: one INS, one space";
		return new ResourceVersionConflictException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.DUPLICATE, "Patient.identifier", diagnostics));
	}

	/** Whether no Patient claimed an INS yet (a database stored before claims were recorded). */
	public boolean noneClaimed() {
		return jdbc.queryForList("SELECT 1 FROM carnet_space_ins FETCH FIRST 1 ROWS ONLY", Integer.class).isEmpty();
	}

	private List<String> insOf(Patient patient) {
		return patient.getIdentifier().stream()
				.filter(identifier -> identifier.hasValue() && insSystems.contains(identifier.getSystem()))
				.map(SpaceIdentities::keyOf)
				.distinct()
				.toList();
	}

	private static String keyOf(Identifier identifier) {
		return identifier.getSystem() + "|" + identifier.getValue().trim();
	}

	Set<String> insSystems() {
		return insSystems;
	}
}
