package org.carnetsante.export;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * What the {@code deleted} part of a {@code _since} export is made of: the resources deleted in a window,
 * each one found in HAPI's resource table (deleted in the window, of an exported type) and handed over as
 * its last version before the deletion; and the versions that resources now withheld had at the start of
 * the window. The export judges each as it would have judged it then.
 */
final class DeletedSince {

	private final NamedParameterJdbcTemplate jdbc;
	private final DaoRegistry daos;

	DeletedSince(DataSource dataSource, DaoRegistry daos) {
		this.jdbc = new NamedParameterJdbcTemplate(new JdbcTemplate(dataSource));
		this.daos = daos;
	}

	/**
	 * Calls {@code each} with the version each of these resources ({@code Type/id}) had at {@code instant},
	 * for those that existed then.
	 */
	void forEachAsOf(List<String> ids, Instant instant, Consumer<IBaseResource> each) {
		for (String id : ids) {
			IdType current = new IdType(id);
			MapSqlParameterSource asOf = new MapSqlParameterSource("type", current.getResourceType())
					.addValue("id", current.getIdPart()).addValue("instant", Timestamp.from(instant));
			Long version = jdbc.queryForObject("SELECT MAX(v.res_ver) FROM hfj_res_ver v JOIN hfj_resource r ON r.res_id = v.res_id"
					+ " WHERE r.res_type = :type AND r.fhir_id = :id AND v.res_updated <= :instant", asOf, Long.class);
			if (version == null) {
				continue; // created since: nobody saw it before
			}
			try {
				each.accept(daos.getResourceDao(current.getResourceType())
						.read(current.withVersion(String.valueOf(version)), new SystemRequestDetails()));
			} catch (BaseServerResponseException gone) {
				// Expunged meanwhile: nothing left to tell.
			}
		}
	}

	/** Calls {@code each} with the last live version of every resource of these types deleted in the window. */
	void forEach(List<String> types, Instant since, Instant until, Consumer<IBaseResource> each) {
		MapSqlParameterSource window = new MapSqlParameterSource("types", types)
				.addValue("since", Timestamp.from(since)).addValue("until", Timestamp.from(until));
		jdbc.query("SELECT res_type, fhir_id, res_ver FROM hfj_resource WHERE res_deleted_at > :since"
				+ " AND res_deleted_at <= :until AND res_type IN (:types) ORDER BY res_id", window, row -> {
					long version = row.getLong(3);
					if (version < 2) {
						return;
					}
					IdType lastLive = new IdType(row.getString(1), row.getString(2), String.valueOf(version - 1));
					try {
						each.accept(daos.getResourceDao(row.getString(1)).read(lastLive, new SystemRequestDetails()));
					} catch (BaseServerResponseException gone) {
						// Expunged meanwhile: nothing left to tell.
					}
				});
	}
}
