package org.carnetsante.smart;

import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Creates the authorization server's tables (registered clients, authorizations, consents, seen
 * client assertions, signing keys, accounts) if they are missing, in the same database as the FHIR
 * data ({@code db/smart/schema.sql}, written for both PostgreSQL and H2).
 */
public final class SmartSchema {

	private SmartSchema() {}

	public static void create(DataSource dataSource) {
		DatabasePopulatorUtils.execute(
				new ResourceDatabasePopulator(new ClassPathResource("db/smart/schema.sql")), dataSource);
	}
}
