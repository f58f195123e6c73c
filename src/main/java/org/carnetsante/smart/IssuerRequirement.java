package org.carnetsante.smart;

import java.net.URI;
import java.net.URISyntaxException;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * The server refuses to start without an explicit issuer ({@code carnet.smart.issuer}), except under
 * the {@code demo} profile. Without one, the issuer of each request would be the URL it arrives on,
 * that is whatever its {@code Host} header says: a forged header would mint tokens for another issuer,
 * and a token minted for it would be accepted when presented with the same header (issue 11, §4).
 *
 * <p>Checked before any other bean is created, so a misconfigured node stops at once with this
 * message, rather than after HAPI's start-up. Only a server is concerned: the administrator's
 * commands ({@code --spring.main.web-application-type=none}) issue no token.
 */
class IssuerRequirement implements BeanFactoryPostProcessor, EnvironmentAware {

	static final String ISSUER_KEY = "carnet.smart.issuer";
	static final String ISSUER_VARIABLE = "CARNET_SMART_ISSUER";
	/** The only profile allowed to take the issuer from each request: a laptop, never a deployment. */
	static final String DEMO_PROFILE = "demo";

	private Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		check(environment);
	}

	/** Throws, naming the key and its environment variable, when a server would start without an issuer. */
	static void check(Environment environment) {
		String issuer = environment.getProperty(ISSUER_KEY, "").strip();
		if (issuer.isEmpty()) {
			if (!environment.acceptsProfiles(Profiles.of(DEMO_PROFILE))) {
				throw new IllegalStateException(ISSUER_KEY + " (environment variable " + ISSUER_VARIABLE + ") is not set. "
						+ "Set it to the public base URL of this server, e.g. https://carnet.example.org: it is the issuer "
						+ "of the tokens Carnet signs and the only one /fhir accepts them from. Only the '" + DEMO_PROFILE
						+ "' profile may leave it empty (the issuer is then taken from each request's Host header).");
			}
		} else {
			checkedIssuer(issuer);
		}
	}

	/** An issuer as RFC 8414 §2 wants it: an https (or http) URL with a host, no query or fragment. */
	static String checkedIssuer(String issuer) {
		String withoutTrailingSlash = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
		try {
			URI uri = new URI(withoutTrailingSlash);
			if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
					&& uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
				return withoutTrailingSlash;
			}
		} catch (URISyntaxException e) {
			// refused below, with the same message
		}
		throw new IllegalStateException(ISSUER_KEY + " (environment variable " + ISSUER_VARIABLE + ") must be the "
				+ "public base URL of this server, such as https://carnet.example.org, without query or fragment: "
				+ issuer);
	}
}
