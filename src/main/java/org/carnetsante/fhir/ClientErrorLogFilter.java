package org.carnetsante.fhir;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.springframework.stereotype.Component;

/**
 * HAPI's interceptor service logs every exception a hook throws at ERROR with its stack trace, even
 * the deliberate 4xx refusals (a Patient that breaks its profile, an access denied). Those are the
 * client's errors and are answered with an OperationOutcome; logging them as server errors would
 * bury real failures. This filter drops exactly those events; 5xx and unexpected exceptions are
 * still logged.
 */
@Component
class ClientErrorLogFilter extends TurboFilter {

	private static final String HAPI_INTERCEPTOR_LOGGER = "ca.uhn.fhir.interceptor.executor.BaseInterceptorService";

	ClientErrorLogFilter() {
		if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging
				&& logging.getTurboFilterList().stream().noneMatch(ClientErrorLogFilter.class::isInstance)) {
			start();
			logging.addTurboFilter(this);
		}
	}

	@Override
	public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
		if (level != Level.ERROR || !HAPI_INTERCEPTOR_LOGGER.equals(logger.getName()) || params == null) {
			return FilterReply.NEUTRAL;
		}
		for (Object param : params) {
			if (param instanceof BaseServerResponseException refusal && refusal.getStatusCode() < 500) {
				return FilterReply.DENY;
			}
		}
		return FilterReply.NEUTRAL;
	}
}
