package org.carnetsante.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The rules of patients' spaces, one row per resource that states them ({@code db/access/schema.sql}).
 * Written inside the transaction that writes the resource (plain JDBC on the same data source joins
 * HAPI's JPA transaction), so a space's rules never disagree with its Consents; read in one indexed
 * query per request and space.
 */
public class SpaceRulesStore {

	/** A row's content: whether its source closes the space, and the rules it states. */
	@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
	record StoredRules(boolean closesSpace, List<AccessRule> rules, String representativesUntil) {}

	private static final ObjectMapper JSON = new ObjectMapper();

	private final JdbcTemplate jdbc;
	private final NamedParameterJdbcTemplate named;
	private final SpaceRulesCache cache;
	/** PostgreSQL tells other nodes of changes (NOTIFY); the embedded H2 database has no other node. */
	private final boolean notifiesOtherNodes;

	public SpaceRulesStore(DataSource dataSource, SpaceRulesCache cache) {
		DatabasePopulatorUtils.execute(
				new ResourceDatabasePopulator(new ClassPathResource("db/access/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.cache = cache;
		this.notifiesOtherNodes = Boolean.TRUE.equals(jdbc.execute((Connection connection) ->
				"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())));
	}

	/** Replaces what a source resource states (nothing, when it states no rule, does not close and dates no coming of age). */
	public void replace(SpaceRuleSources.Derived derived) {
		Set<String> changed = new HashSet<>(patientsOf(derived.source()));
		changed.add(derived.patient());
		jdbc.update("DELETE FROM carnet_space_rule WHERE source = ?", derived.source());
		if (derived.closesSpace() || !derived.rules().isEmpty() || derived.representativesUntil() != null) {
			jdbc.update("INSERT INTO carnet_space_rule (source, patient_id, rules) VALUES (?, ?, ?)",
					derived.source(), derived.patient(), write(new StoredRules(derived.closesSpace(), derived.rules(),
							derived.representativesUntil() == null ? null : derived.representativesUntil().toString())));
		}
		changed(changed);
	}

	public void remove(String source) {
		List<String> changed = patientsOf(source);
		if (!changed.isEmpty()) {
			jdbc.update("DELETE FROM carnet_space_rule WHERE source = ?", source);
			changed(changed);
		}
	}

	private List<String> patientsOf(String source) {
		return jdbc.queryForList("SELECT patient_id FROM carnet_space_rule WHERE source = ?", String.class, source);
	}

	/**
	 * The spaces whose rules the current transaction changed: evicted from this node's cache once it
	 * commits, and announced to the other nodes (PostgreSQL delivers the notification on commit only).
	 */
	private void changed(Collection<String> patients) {
		for (String patient : patients) {
			if (notifiesOtherNodes) {
				jdbc.queryForList("SELECT pg_notify(?, ?)", SpaceRulesChanges.CHANNEL, patient);
			}
		}
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(
					new TransactionSynchronization() {
						@Override
						public void afterCompletion(int status) {
							patients.forEach(cache::evict);
						}
					});
		} else {
			patients.forEach(cache::evict);
		}
	}

	public boolean isEmpty() {
		return jdbc.queryForList("SELECT 1 FROM carnet_space_rule", Integer.class).isEmpty();
	}

	/**
	 * The spaces whose rules name one of these actor keys (in any rule: a care team, a permit, a block);
	 * what they let the actor do is for the policy to judge. Ordered by patient id.
	 */
	public List<String> spacesNaming(Collection<String> actorKeys) {
		if (actorKeys.isEmpty()) {
			return List.of();
		}
		List<String> conditions = new ArrayList<>();
		List<Object> patterns = new ArrayList<>();
		for (String key : actorKeys) {
			conditions.add("rules LIKE ? ESCAPE '!'");
			// The key as a JSON string, with LIKE's wildcards taken literally.
			patterns.add("%" + JSON_STRING_QUOTE + key.replace("!", "!!").replace("%", "!%").replace("_", "!_")
					+ JSON_STRING_QUOTE + "%");
		}
		return jdbc.queryForList("SELECT DISTINCT patient_id FROM carnet_space_rule WHERE " + String.join(" OR ", conditions)
				+ " ORDER BY patient_id", String.class, patterns.toArray());
	}

	private static final String JSON_STRING_QUOTE = "\"";

	/** The rules of each of these spaces (spaces with none get {@link SpaceRules#NONE}). */
	public Map<String, SpaceRules> rulesOf(Collection<String> patients) {
		return cache.rulesOf(patients, this::load);
	}

	private Map<String, SpaceRules> load(Collection<String> patients) {
		Map<String, SpaceRules> spaces = new HashMap<>();
		if (patients.isEmpty()) {
			return spaces;
		}
		Map<String, List<StoredRules>> rows = new HashMap<>();
		named.query("SELECT patient_id, rules FROM carnet_space_rule WHERE patient_id IN (:patients)",
				new MapSqlParameterSource("patients", patients),
				row -> {
					rows.computeIfAbsent(row.getString(1), patient -> new ArrayList<>()).add(read(row.getString(2)));
				});
		for (String patient : patients) {
			List<StoredRules> stored = rows.getOrDefault(patient, List.of());
			List<AccessRule> rules = new ArrayList<>();
			boolean closed = false;
			java.time.LocalDate representativesUntil = null;
			for (StoredRules row : stored) {
				closed |= row.closesSpace();
				rules.addAll(row.rules());
				if (row.representativesUntil() != null) {
					representativesUntil = java.time.LocalDate.parse(row.representativesUntil());
				}
			}
			spaces.put(patient, stored.isEmpty() ? SpaceRules.NONE : new SpaceRules(closed, rules, representativesUntil));
		}
		return spaces;
	}

	private static String write(StoredRules rules) {
		try {
			return JSON.writeValueAsString(rules);
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("Cannot encode space rules", e);
		}
	}

	private static StoredRules read(String json) {
		try {
			return JSON.readValue(json, StoredRules.class);
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("Cannot decode space rules " + json, e);
		}
	}
}
