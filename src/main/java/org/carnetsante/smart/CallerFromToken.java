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
		String fhirUser = token.getClaimAsString(claims.fhirUser());
		String patient = token.getClaimAsString(claims.patient());
		CarnetCaller.Kind kind = kindOf(fhirUser);
		List<SmartScope> scopes = new ArrayList<>();
		for (String scope : scopeValues(token)) {
			SmartScope.parse(scope).filter(parsed -> fitsTheCaller(parsed, kind, patient)).ifPresent(scopes::add);
		}
		CarnetCaller caller = new CarnetCaller(
				token.getSubject(),
				kind,
				Optional.ofNullable(token.getClaimAsString(claims.clientId())).orElse(token.getSubject()),
				fhirUser,
				patient,
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

	/**
	 * A scope counts only for the caller it was meant for: {@code patient/} scopes with a patient
	 * context (else nothing confines them to one patient), {@code user/} scopes with a user,
	 * {@code system/} scopes without one. Others are ignored, so they grant nothing.
	 */
	private static boolean fitsTheCaller(SmartScope scope, CarnetCaller.Kind kind, String patient) {
		return switch (scope.context()) {
			case PATIENT -> patient != null && !patient.isBlank();
			case USER -> kind != CarnetCaller.Kind.SYSTEM;
			case SYSTEM -> kind == CarnetCaller.Kind.SYSTEM;
		};
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
