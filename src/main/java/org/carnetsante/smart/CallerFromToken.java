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
		String idNat = token.getClaimAsString(claims.idNat());
		String profession = token.getClaimAsString(claims.profession());
		CarnetCaller.Kind kind = kindOf(fhirUser, patient, idNat != null || profession != null);
		List<SmartScope> scopes = new ArrayList<>();
		for (String scope : scopeValues(token)) {
			SmartScope.parse(scope).filter(parsed -> fitsTheCaller(parsed, kind, patient)).ifPresent(scopes::add);
		}
		String clientId = Optional.ofNullable(token.getClaimAsString(claims.clientId())).orElse(token.getSubject());
		CarnetCaller caller = new CarnetCaller(
				token.getSubject(),
				kind,
				clientId,
				fhirUser,
				patient,
				relationshipOf(kind, token.getClaimAsString(claims.relationship())),
				List.copyOf(scopes),
				profession,
				token.getClaimAsString(claims.specialty()),
				idNat,
				token.getClaimAsString(claims.organization()),
				token.getClaimAsString(claims.sector()),
				token.getClaimAsString(claims.purposeOfUse()),
				Optional.ofNullable(token.getClaimAsString(claims.name())).orElse(clientId));
		return new CallerAuthentication(caller, token);
	}

	/**
	 * The caller of a FHIR request, also from threads other than the request's (HAPI runs parts of a
	 * search on its own pool): Spring Security exposes the authentication as the servlet request's
	 * principal. Falls back to the current thread's security context.
	 */
	public static Optional<CarnetCaller> of(ca.uhn.fhir.rest.api.server.RequestDetails request) {
		if (request instanceof ca.uhn.fhir.rest.server.servlet.ServletRequestDetails servlet
				&& servlet.getServletRequest() != null
				&& servlet.getServletRequest().getUserPrincipal() instanceof CallerAuthentication authentication) {
			return Optional.of(authentication.getPrincipal());
		}
		return current();
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

	/**
	 * A token without {@code fhirUser} is a system's, unless it names a professional (national id or
	 * profession: Pro Santé Connect tokens carry no {@code fhirUser}). A patient token whose space is
	 * not the user's own is a representative's.
	 */
	private static CarnetCaller.Kind kindOf(String fhirUser, String patient, boolean namesAProfessional) {
		if (fhirUser == null) {
			return namesAProfessional ? CarnetCaller.Kind.PROFESSIONAL : CarnetCaller.Kind.SYSTEM;
		}
		if (fhirUser.startsWith("Patient/")) {
			boolean ownSpace = patient == null || fhirUser.equals("Patient/" + patient);
			return ownSpace ? CarnetCaller.Kind.PATIENT : CarnetCaller.Kind.REPRESENTATIVE;
		}
		if (fhirUser.startsWith("RelatedPerson/")) {
			return CarnetCaller.Kind.REPRESENTATIVE;
		}
		return CarnetCaller.Kind.PROFESSIONAL;
	}

	/**
	 * Someone opening another person's space is a delegate unless the token says they are that
	 * person's legal representative: the narrower grant when in doubt.
	 */
	private static CarnetCaller.SpaceRelationship relationshipOf(CarnetCaller.Kind kind, String claimed) {
		return switch (kind) {
			case PATIENT -> CarnetCaller.SpaceRelationship.SELF;
			case REPRESENTATIVE -> CarnetCaller.SpaceRelationship.LEGAL_REPRESENTATIVE.name().equals(claimed)
					? CarnetCaller.SpaceRelationship.LEGAL_REPRESENTATIVE
					: CarnetCaller.SpaceRelationship.DELEGATE;
			default -> null;
		};
	}
}
