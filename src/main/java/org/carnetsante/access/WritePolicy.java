package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who may write what in a space, on HAPI's pre-storage pointcuts (so every write path is covered:
 * create, update, patch, delete, conditional operations, transaction and batch entries, inside the
 * transaction, which a refusal rolls back whole):
 * <ul>
 *   <li>AuditEvents are written by Carnet alone.
 *   <li>Consents are written (and revoked) by the patient or their legal representative only, for
 *       their own space, with themselves as performer.
 *   <li>A delegation opens a space for reading only.
 *   <li>Professionals and organizations write in a space unless it is closed or the patient blocked
 *       them (feeding a space needs no care relationship, reading it does); they declare a care
 *       relationship with a CareTeam naming themselves.
 *   <li>Nobody changes or deletes what they may not see; professionals and organizations never delete a
 *       space (its Patient).
 * </ul>
 * Writes Carnet makes itself (no REST caller) are not checked here.
 */
@Interceptor
public class WritePolicy {

	/** Who may write is decided before anything else looks at the write (documents, validation). */
	public static final int HOOK_ORDER = -200;

	private final FhirContext fhirContext;
	private final AccessPolicyService policy;

	public WritePolicy(FhirContext fhirContext, AccessPolicyService policy) {
		this.fhirContext = fhirContext;
		this.policy = policy;
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeCreate(IBaseResource created, RequestDetails request) {
		check(request, null, created, RestOperationTypeEnum.CREATE);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request) {
		check(request, previous, updated, RestOperationTypeEnum.UPDATE);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void beforeDelete(IBaseResource deleted, RequestDetails request) {
		check(request, deleted, null, RestOperationTypeEnum.DELETE);
	}

	private void check(RequestDetails request, IBaseResource previous, IBaseResource next, RestOperationTypeEnum operation) {
		RequestAccess access = RequestAccess.of(request);
		if (access == null) {
			if (request instanceof ServletRequestDetails) {
				throw new ForbiddenOperationException("The request was not identified by the access policy");
			}
			return; // Carnet's own write
		}
		IBaseResource subject = next != null ? next : previous;
		ResourceFacts facts = policy.factsOf(subject);
		Set<String> patients = new HashSet<>(facts.patients());
		ResourceFacts previousFacts = previous == null ? null : policy.factsOf(previous);
		if (previousFacts != null) {
			patients.addAll(previousFacts.patients());
		}
		AccessDecision decision = decide(access, subject, facts, previousFacts, next);
		access.record(new RequestAccess.Access(operation, facts.id(), patients, decision));
		if (!decision.allowed()) {
			throw new ForbiddenOperationException(decision.reason());
		}
	}

	private AccessDecision decide(RequestAccess access, IBaseResource subject, ResourceFacts facts,
			ResourceFacts previousFacts, IBaseResource next) {
		Actor actor = access.actor();
		String type = facts.type();
		if ("AuditEvent".equals(type)) {
			return AccessDecision.deny("AuditEvents are recorded by Carnet only");
		}
		if (actor.role() == Actor.Role.REFUSED) {
			return AccessDecision.deny(actor.refusal());
		}
		if (actor.role() == Actor.Role.DELEGATE) {
			return AccessDecision.deny("a delegation opens the space for reading only");
		}
		if ("Consent".equals(type)) {
			AccessDecision consent = decideConsent(access, (Consent) subject);
			if (!consent.allowed()) {
				return consent;
			}
		}
		if (previousFacts != null) {
			AccessDecision seen = policy.decideContent(access, previousFacts);
			if (!seen.allowed()) {
				return AccessDecision.deny("changes what the caller may not see: " + seen.reason());
			}
		}
		if (actor.role().isCareSide()) {
			if ("Patient".equals(type) && next == null) {
				return AccessDecision.deny("a space is closed by its patient, not deleted by a professional or organization");
			}
			AccessDecision feeding = policy.decideFeeding(access, facts);
			if (!feeding.allowed()) {
				return feeding;
			}
			if (next instanceof CareTeam team && !actor.isNamedBy(membersOf(team))) {
				return AccessDecision.deny("a professional or organization declares only its own care relationship");
			}
		}
		return AccessDecision.allow("write permitted");
	}

	private AccessDecision decideConsent(RequestAccess access, Consent consent) {
		Actor actor = access.actor();
		if (actor.role() != Actor.Role.PATIENT && actor.role() != Actor.Role.LEGAL_REPRESENTATIVE) {
			return AccessDecision.deny("only the patient or their legal representative writes their Consents");
		}
		String patient = consent.getPatient().getReferenceElement().getIdPart();
		if (!actor.patient().equals(patient)) {
			return AccessDecision.deny("a Consent is written for the space the token opens");
		}
		Set<String> allowedPerformers = new HashSet<>(actor.keys());
		allowedPerformers.add("Patient/" + patient);
		for (Reference performer : consent.getPerformer()) {
			if (ActorKeys.of(performer).stream().noneMatch(allowedPerformers::contains)) {
				return AccessDecision.deny("the performer of a Consent is the patient or the representative writing it");
			}
		}
		return AccessDecision.allow("the patient's own consent");
	}

	private static Set<String> membersOf(CareTeam team) {
		Set<String> keys = new HashSet<>();
		for (CareTeam.CareTeamParticipantComponent participant : team.getParticipant()) {
			keys.addAll(ActorKeys.of(participant.getMember()));
			keys.addAll(ActorKeys.of(participant.getOnBehalfOf()));
		}
		return keys;
	}
}
