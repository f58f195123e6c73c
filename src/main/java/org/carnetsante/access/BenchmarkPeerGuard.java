package org.carnetsante.access;

import java.util.List;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * The switches that turn a protection off exist so that {@code bench/} can measure what each costs, and
 * must be said twice: any of them off without {@code carnet.access.unprotected-benchmark-peer=true} stops
 * the server before anything else is created (a node of a real deployment never starts without its access
 * policy, access log, validation or document rules).
 */
public class BenchmarkPeerGuard implements BeanFactoryPostProcessor, EnvironmentAware {

	static final String ACKNOWLEDGEMENT = "carnet.access.unprotected-benchmark-peer";
	/** The protections that may be switched off, each {@code true} unless a benchmark says otherwise. */
	static final List<String> SWITCHES = List.of("carnet.access.enforced", "carnet.audit.enabled", "carnet.ig.validate-writes",
			"carnet.documents.rules-enforced");

	private Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		if (environment.getProperty(ACKNOWLEDGEMENT, Boolean.class, false)) {
			return;
		}
		for (String protection : SWITCHES) {
			if (!environment.getProperty(protection, Boolean.class, true)) {
				throw new IllegalStateException(protection + "=false is for benchmark peers only: it also needs "
						+ ACKNOWLEDGEMENT + "=true");
			}
		}
	}
}
