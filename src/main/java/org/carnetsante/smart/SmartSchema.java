package org.carnetsante.smart;

import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.jdbc.support.DatabaseMetaDataCallback;

/**
 * Creates the authorization server's tables (registered clients, authorizations, consents, seen
 * client assertions, signing keys) if they are missing, in the same database as the FHIR data, with
 * the script written for that database ({@code db/smart/schema-<database>.sql}).
 */
public final class SmartSchema {

	private SmartSchema() {}

	public static void create(DataSource dataSource) {
		String script = "db/smart/schema-" + databaseName(dataSource) + ".sql";
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource(script)), dataSource);
	}

	private static String databaseName(DataSource dataSource) {
		try {
			String product = JdbcUtils.extractDatabaseMetaData(
					dataSource, (DatabaseMetaDataCallback<String>) metaData -> metaData.getDatabaseProductName());
			return switch (product) {
				case "PostgreSQL" -> "postgresql";
				case "H2" -> "h2";
				default -> throw new IllegalStateException("No authorization server schema for database " + product);
			};
		} catch (MetaDataAccessException e) {
			throw new IllegalStateException("Cannot tell which database the authorization server uses", e);
		}
	}
}
