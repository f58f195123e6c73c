package org.carnetsante.fhir;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * On PostgreSQL, lets the JDBC driver send a batch of inserts as one multi-row statement
 * ({@code reWriteBatchedInserts}): HAPI's index rows and the access log's AuditEvents are written in
 * batches. Set on the connection pool rather than in the URL, so a URL given by an operator gets it too;
 * H2 refuses unknown connection settings, hence only for PostgreSQL URLs.
 */
class PostgresBatchedInserts implements BeanPostProcessor {

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource pool && pool.getJdbcUrl() != null
				&& pool.getJdbcUrl().startsWith("jdbc:postgresql:")) {
			pool.addDataSourceProperty("reWriteBatchedInserts", "true");
		}
		return bean;
	}
}
