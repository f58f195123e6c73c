package org.carnetsante.smart;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;

/** Turns a verified token into the {@link CarnetCaller} of the request, reading the mapped claims. */
public class CallerFromToken implements Converter<Jwt, CallerAuthentication> {

	private final TokenClaimNames claims;

	public CallerFromToken(TokenClaimNames claims) {
		this.claims = claims;
	}

	@Override
	public CallerAuthentication convert(Jwt token) {
		List<SmartScope> scopes = new ArrayList<>();
		for (String scope : scopeValues(token)) {
			SmartScope.parse(scope).ifPresent(scopes::add);
		}
		String fhirUser = token.getClaimAsString(claims.fhirUser());
		CarnetCaller caller = new CarnetCaller(
				token.getSubject(),
				kindOf(fhirUser),
				Optional.ofNullable(token.getClaimAsString(claims.clientId())).orElse(token.getSubject()),
				fhirUser,
				token.getClaimAsString(claims.patient()),
				List.copyOf(scopes),
				token.getClaimAsString(claims.profession()),
				token.getClaimAsString(claims.specialty()),
				token.getClaimAsString(claims.idNat()),
				token.getClaimAsString(claims.organization()),
				token.getClaimAsString(claims.purposeOfUse()));
		return new CallerAuthentication(caller, token);
	}

	/** The caller of the current request, if it presented a valid token. */
	public static Optional<CarnetCaller> current() {
		if (SecurityContextHolder.getContext().getAuthentication() instanceof CallerAuthentication authentication) {
			return Optional.of(authentication.getPrincipal());
		}
		return Optional.empty();
	}

	private List<String> scopeValues(Jwt token) {
		Object value = token.getClaims().get(claims.scope());
		if (value instanceof String text) {
			return List.of(text.trim().split("\\s+"));
		}
		if (value instanceof Collection<?> values) {
			return values.stream().map(String::valueOf).toList();
		}
		return List.of();
	}

	private static CarnetCaller.Kind kindOf(String fhirUser) {
		if (fhirUser == null) {
			return CarnetCaller.Kind.SYSTEM;
		}
		if (fhirUser.startsWith("Patient/")) {
			return CarnetCaller.Kind.PATIENT;
		}
		if (fhirUser.startsWith("RelatedPerson/")) {
			return CarnetCaller.Kind.REPRESENTATIVE;
		}
		return CarnetCaller.Kind.PROFESSIONAL;
	}
}
