package org.carnetsante.fhir;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.db.*}: the database that holds every resource. The connection itself (URL, user,
 * password, pool) is Spring's {@code spring.datasource.*}, fed from {@code carnet.db.url} and friends
 * (environment: {@code CARNET_DB_URL}, {@code CARNET_DB_USERNAME}, {@code CARNET_DB_PASSWORD}).
 *
 * @param url JDBC URL; the embedded default is an H2 file under the data folder
 * @param dialect Hibernate dialect class; empty means "chosen from the JDBC URL" (HAPI's H2 or
 *     PostgreSQL dialect)
 * @param schemaUpdate {@code hibernate.hbm2ddl.auto}: {@code update} lets HAPI's entity model create
 *     and extend the schema on start; {@code validate} or {@code none} when schema changes are rolled
 *     out separately
 */
@ConfigurationProperties("carnet.db")
public record DatabaseProperties(
		String url, @DefaultValue("") String dialect, @DefaultValue("update") String schemaUpdate) {

	private static final String H2_DIALECT = "ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect";
	private static final String POSTGRES_DIALECT = "ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect";

	/** The dialect to use: the configured one, else HAPI's dialect for the database the URL names. */
	public String effectiveDialect() {
		if (!dialect.isBlank()) {
			return dialect;
		}
		if (url != null && url.startsWith("jdbc:postgresql:")) {
			return POSTGRES_DIALECT;
		}
		if (url != null && url.startsWith("jdbc:h2:")) {
			return H2_DIALECT;
		}
		throw new IllegalStateException(
				"carnet.db.dialect must be set: no HAPI dialect is known for the JDBC URL " + url);
	}
}
