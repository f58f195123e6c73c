package org.carnetsante.smart;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.smart.login.*}: how many failed logins the login page accepts before it refuses every
 * attempt for a while ({@link LoginAttempts}). Both counts are over the same sliding window and shared
 * by every node (they live in the database).
 *
 * @param maxFailuresPerAccount failed logins for one user name (known or not) within the window, after
 *     which that name is refused even with the right password
 * @param maxFailuresPerAddress failed logins from one client address (any user name) within the window,
 *     after which that address is refused
 * @param window how far back failures count; a refused name or address is accepted again once its
 *     oldest counted failure is older than this
 */
@ConfigurationProperties("carnet.smart.login")
public record LoginProperties(
		@DefaultValue("5") int maxFailuresPerAccount,
		@DefaultValue("30") int maxFailuresPerAddress,
		@DefaultValue("15m") Duration window) {

	public LoginProperties {
		if (maxFailuresPerAccount < 1 || maxFailuresPerAddress < 1) {
			throw new IllegalArgumentException("carnet.smart.login.max-failures-per-* must be at least 1");
		}
		if (window == null || window.isNegative() || window.isZero()) {
			throw new IllegalArgumentException("carnet.smart.login.window must be a positive duration");
		}
	}
}
