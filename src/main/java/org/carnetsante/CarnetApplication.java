package org.carnetsante;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchDataAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Carnet: the FHIR R4 server of the national patient health space.
 *
 * <p>The JPA persistence unit is HAPI's own (see {@code fhir.FhirJpaConfig}), so Spring Boot's
 * Hibernate auto-configuration is switched off, and so is Boot's Flyway run (Flyway arrives with
 * HAPI's migration module; the schema is HAPI's). The Elasticsearch client that Hibernate Search
 * brings along is configured by Hibernate Search itself, not by Boot. Spring Boot's generated
 * in-memory user is off: every caller is an OAuth client or a user of the authorization server.
 */
@SpringBootApplication(
		exclude = {
			HibernateJpaAutoConfiguration.class,
			FlywayAutoConfiguration.class,
			UserDetailsServiceAutoConfiguration.class,
			ElasticsearchRestClientAutoConfiguration.class,
			ElasticsearchClientAutoConfiguration.class,
			ElasticsearchDataAutoConfiguration.class
		})
@ConfigurationPropertiesScan
public class CarnetApplication {

	public static void main(String[] args) {
		SpringApplication.run(CarnetApplication.class, args);
	}
}
