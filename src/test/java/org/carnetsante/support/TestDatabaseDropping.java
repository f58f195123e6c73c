package org.carnetsante.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Drops the run's PostgreSQL database when the shared test server shuts down, after everything that
 * uses the database has stopped: the data source is made to depend on the dropper, so Spring destroys
 * the data source (and, before it, HAPI's schedulers and the persistence unit) first.
 */
@TestConfiguration(proxyBeanMethods = false)
class TestDatabaseDropping {

	private static final String DROPPER = "testDatabaseDropper";

	@Bean(DROPPER)
	DisposableBean testDatabaseDropper() {
		return TestPostgres::dropDatabase;
	}

	@Bean
	static BeanFactoryPostProcessor dataSourceOutlivedByDropper() {
		return beanFactory -> {
			BeanDefinition dataSource = beanFactory.getBeanDefinition("dataSource");
			List<String> dependsOn = new ArrayList<>();
			if (dataSource.getDependsOn() != null) {
				dependsOn.addAll(Arrays.asList(dataSource.getDependsOn()));
			}
			dependsOn.add(DROPPER);
			dataSource.setDependsOn(dependsOn.toArray(String[]::new));
		};
	}
}
