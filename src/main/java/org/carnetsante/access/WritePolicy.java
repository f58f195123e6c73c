package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.storage.IResourcePersistentId;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who may write what in a space, on HAPI's pre-storage pointcuts (so every write path is covered:
 * create, update, patch, delete, conditional operations, transaction and batch entries, inside the
 * transaction, which a refusal rolls back whole):
 * <ul>
 *   <li>AuditEvents are written by Carnet alone; definitions (profiles, terminology, search parameters:
 *       {@code carnet.access.read-only-types}) are Carnet's too, read-only to clients.
 *   <li>Consents are written (and revoked) by the patient or their legal representative only, for their
 *       own space, with themselves as performer.
 *   <li>A delegation opens a space for reading only.
 *   <li>Professionals and organizations write in a space unless it is closed or the patient blocked
 *       them (feeding a space needs no care relationship, reading it does); they declare a care
 *       relationship with a CareTeam naming themselves; they never delete a space (its Patient).
 *   <li>What a client creates belongs to a space or is directory data: a resource in no space would be
 *       shown to nobody, its own writer included (a document's bytes belong to their document:
 *       {@code documents.BinaryOwnership}).
 *   <li>A change or delete of what the caller may not see, of what was deleted, or of an id that was
 *       never stored (a PUT never creates: clients do not choose ids) answers as for a resource that does
 *       not exist ({@link UniformNotFound}); so does a reference to it ({@link ReferencePolicy}).
 * </ul>
 * Writes Carnet makes itself (no REST caller) are not checked here.
 */
@Interceptor
public class WritePolicy {

	/** Who may write is decided before anything else looks at the write (documents, validation). */
	public static final int HOOK_ORDER = -200;

	private final FhirContext fhirContext;
	private final AccessPolicyService policy;
	private final ReferencePolicy references;
	private final Set<String> directoryTypes;
	private final Set<String> readOnlyTypes;

	public WritePolicy(FhirContext fhirContext, AccessPolicyService policy, ReferencePolicy references,
			Set<String> directoryTypes, Set<String> readOnlyTypes) {
		this.fhirContext = fhirContext;
		this.policy = policy;
		this.references = references;
		this.directoryTypes = Set.copyOf(directoryTypes);
		this.readOnlyTypes = Set.copyOf(readOnlyTypes);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HOOK_ORDER)
	public void beforeCreate(IBaseResource created, RequestDetails request, TransactionDetails transaction) {
		check(request, transaction, null, created, RestOperationTypeEnum.CREATE);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HOOK_ORDER)
	public void beforeUpdate(IBaseResource previous, IBaseResource updated, RequestDetails request,
			TransactionDetails transaction) {
		check(request, transaction, previous, updated, RestOperationTypeEnum.UPDATE);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void beforeDelete(IBaseResource deleted, RequestDetails request, TransactionDetails transaction) {
		check(request, transaction, deleted, null, RestOperationTypeEnum.DELETE);
	}

	/**
	 * A PUT to an id that was never stored would create a resource with the id the client chose; it
	 * answers as a PUT to a resource the caller may not see does.
	 */
	@Hook(Pointcut.STORAGE_PRESTORAGE_CLIENT_ASSIGNED_ID)
	public void clientsDoNotChooseIds(IBaseResource created, RequestDetails request) {
		if (request instanceof ServletRequestDetails) {
			throw UniformNotFound.notKnown(fhirContext.getResourceType(created) + "/" + created.getIdElement().getIdPart());
		}
	}

	private void check(RequestDetails request, TransactionDetails transaction, IBaseResource previous, IBaseResource next,
			RestOperationTypeEnum operation) {
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
		try {
			AccessDecision decision = decide(access, request, subject, facts, previous, next, transaction);
			access.record(new RequestAccess.Access(operation, facts.id(), patients, decision));
			if (!decision.allowed()) {
				throw new ForbiddenOperationException(decision.reason());
			}
		} catch (BaseServerResponseException refused) {
			if (!(refused instanceof ForbiddenOperationException)) {
				access.record(new RequestAccess.Access(operation, facts.id(), patients,
						AccessDecision.deny(refused.getMessage())));
			}
			throw refused;
		}
	}

	private AccessDecision decide(RequestAccess access, RequestDetails request, IBaseResource subject, ResourceFacts facts,
			IBaseResource previous, IBaseResource next, TransactionDetails transaction) {
		Actor actor = access.actor();
		String type = facts.type();
		if ("AuditEvent".equals(type)) {
			return AccessDecision.deny("AuditEvents are recorded by Carnet only");
		}
		if (actor.role() == Actor.Role.REFUSED) {
			return AccessDecision.deny(actor.refusal());
		}
		if (previous != null) {
			// First: a change of what the caller cannot see answers as if it were not there. Judged as a read
			// judges it (a Binary through its document).
			if (isDeleted(previous) || !policy.decide(request, previous).allowed()) {
				throw notThere(previous, transaction);
			}
		}
		if (actor.role() == Actor.Role.DELEGATE && !delegatedReply(access, facts, previous, next)) {
			return AccessDecision.deny("a delegation opens the space for reading only (and for replying to messages when it"
					+ " says so)");
		}
		if (readOnlyTypes.contains(type)) {
			return AccessDecision.deny(type + " resources are definitions Carnet serves: clients read them, never write them");
		}
		if ("Consent".equals(type) && next != null) {
			AccessDecision consent = decideConsent(access, (Consent) subject);
			if (!consent.allowed()) {
				return consent;
			}
		}
		if (next != null && actor.role().isPatientSide() && !OWN_RULES.contains(type)
				&& !facts.patients().equals(Set.of(actor.patient()))) {
			return AccessDecision.deny("a patient-side token writes in the space it opens, nothing else");
		}
		if (next != null) {
			references.check(access, next);
			if (previous == null && !belongsSomewhere(type, facts)) {
				String diagnostics = type + " that belongs to no patient's space is not stored: it would be shown to nobody, "
						+ "its writer included (name the patient it is about)";
				throw new UnprocessableEntityException(diagnostics,
						OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, type, diagnostics));
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

	/**
	 * A new message written by a delegate whose delegation grants {@link AccessRule#REPLY_TO_MESSAGES} on messages: a
	 * reply, under the messaging's rules like any patient-side message (it answers a thread a professional opened).
	 */
	private boolean delegatedReply(RequestAccess access, ResourceFacts facts, IBaseResource previous, IBaseResource next) {
		return previous == null && facts.isMessage() && next != null && access.actor().patient() != null
				&& policy.grants(access, AccessRule.REPLY_TO_MESSAGES, facts);
	}

	/** A space (Patient), patient data, directory data, or a document's bytes (checked by their own rule). */
	private boolean belongsSomewhere(String type, ResourceFacts facts) {
		return facts.isPatientData() || directoryTypes.contains(type) || OWN_RULES.contains(type);
	}

	/**
	 * Types whose place is decided by their own rule: a Patient is a space; a Binary belongs to its document
	 * ({@code documents.BinaryOwnership}); a Subscription to its maker's space ({@code notify.SubscriptionRules}).
	 */
	private static final Set<String> OWN_RULES = Set.of("Patient", "Binary", "Subscription");

	/**
	 * The answer for a resource the caller may not see, as it named it: by id, or by the conditional URL
	 * that matched it (never by the id it matched, which the caller was not told).
	 */
	private BaseServerResponseException notThere(IBaseResource resource, TransactionDetails transaction) {
		String matchedBy = conditionalUrlOf(resource, transaction);
		if (matchedBy != null) {
			return UniformNotFound.noMatch(matchedBy);
		}
		return UniformNotFound.notKnown(fhirContext.getResourceType(resource) + "/" + resource.getIdElement().getIdPart());
	}

	/** The conditional URL this transaction resolved to the resource, if it was named by one. */
	private static String conditionalUrlOf(IBaseResource resource, TransactionDetails transaction) {
		if (transaction == null || !(resource instanceof IAnyResource any)) {
			return null;
		}
		JpaPid pid = IDao.RESOURCE_PID.get(any);
		if (pid == null) {
			return null;
		}
		for (Map.Entry<String, IResourcePersistentId> resolved : transaction.getResolvedMatchUrls().entrySet()) {
			if (resolved.getValue() != null && Objects.equals(String.valueOf(resolved.getValue().getId()),
					String.valueOf(pid.getId()))) {
				return resolved.getKey();
			}
		}
		return null;
	}

	private static boolean isDeleted(IBaseResource resource) {
		return resource instanceof IAnyResource any && ResourceMetadataKeyEnum.DELETED_AT.get(any) != null;
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
