package org.carnetsante.smart;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * The login form's password check, behind {@link LoginAttempts}: every attempt is counted before its
 * password is looked at (so a parallel burst cannot slip past the count), a user name or a client address
 * that failed too often lately is refused without its password being checked (so the right password does
 * not help a guesser), and only a successful login is taken off the count.
 */
class RateLimitedLogin implements AuthenticationProvider {

	/** Refused because of the recent failures, whatever the password. */
	static final class TooManyFailures extends AuthenticationException {
		TooManyFailures() {
			super("Too many failed logins lately");
		}
	}

	private final AuthenticationProvider passwords;
	private final LoginAttempts attempts;

	RateLimitedLogin(AuthenticationProvider passwords, LoginAttempts attempts) {
		this.passwords = passwords;
		this.attempts = attempts;
	}

	@Override
	public Authentication authenticate(Authentication login) {
		String username = login.getName();
		String address = login.getDetails() instanceof WebAuthenticationDetails web ? web.getRemoteAddress() : "unknown";
		String attempt = attempts.begin(username, address);
		if (attempts.isLimited(username, address)) {
			throw new TooManyFailures();
		}
		Authentication authenticated = passwords.authenticate(login);
		if (authenticated == null) {
			throw new org.springframework.security.authentication.BadCredentialsException("Bad credentials");
		}
		attempts.succeeded(attempt);
		return authenticated;
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
	}
}
