package org.carnetsante.smart;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/** An authenticated bearer token, carrying the {@link CarnetCaller} it stands for. */
public class CallerAuthentication extends AbstractAuthenticationToken {

	private final CarnetCaller caller;
	private final Jwt token;

	public CallerAuthentication(CarnetCaller caller, Jwt token) {
		super(List.of(new SimpleGrantedAuthority("ROLE_" + caller.kind().name())));
		this.caller = caller;
		this.token = token;
		setAuthenticated(true);
	}

	@Override
	public CarnetCaller getPrincipal() {
		return caller;
	}

	@Override
	public Jwt getCredentials() {
		return token;
	}

	@Override
	public String getName() {
		return caller.subject();
	}
}
