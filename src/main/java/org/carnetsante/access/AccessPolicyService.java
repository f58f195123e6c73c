package org.carnetsante.access;

import java.util.EnumSet;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.instance.model.api.IBaseParameters;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Step 3 of the request path: the access policy, applied through HAPI's consent service to every
 * resource a request returns — read, search results and includes, history entries, {@code $everything},
 * batch and transaction entries, later pages — and to what operations return outside storage. Each
 * decision is journaled for the audit trail ({@link RequestAccess}).
 *
 * <p>This class adapts; {@link AccessPolicy} decides.
 */
public class AccessPolicyService implements IConsentService {

	/**
	 * Interactions that write. While they run, HAPI reads what it is writing (with the caller's request,
	 * through the same pointcuts as a read); hiding it from HAPI would silently drop the write, so the
	 * policy judges writes before storage ({@link WritePolicy}) and their responses on the way out.
	 */
	static final Set<RestOperationTypeEnum> WRITES = EnumSet.of(RestOperationTypeEnum.CREATE, RestOperationTypeEnum.UPDATE,
			RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE, RestOperationTypeEnum.TRANSACTION,
			RestOperationTypeEnum.BATCH, RestOperationTypeEnum.META_ADD, RestOperationTypeEnum.META_DELETE);

	/**
	 * Interactions whose results are filtered before they are paged or counted (HAPI's pre-access pointcut,
	 * in its search task): a withheld match never counts in a page, a total or the presence of a next link.
	 * What is allowed is journaled when it is shown (pre-show), not when it is filtered.
	 */
	static final Set<RestOperationTypeEnum> FILTERED_BEFORE_PAGING = EnumSet.of(RestOperationTypeEnum.SEARCH_TYPE,
			RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.GET_PAGE,
			RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, RestOperationTypeEnum.EXTENDED_OPERATION_TYPE,
			RestOperationTypeEnum.EXTENDED_OPERATION_SERVER);

	private static final Set<RestOperationTypeEnum> VERSION_READS = EnumSet.of(RestOperationTypeEnum.VREAD,
			RestOperationTypeEnum.HISTORY_INSTANCE, RestOperationTypeEnum.HISTORY_TYPE, RestOperationTypeEnum.HISTORY_SYSTEM);

	/**
	 * Server-level operations that check their caller themselves and read no space's data through HAPI: a
	 * person's answer to the information notice, carried by the national portal's client (package space),
	 * which is neither a care organization nor a patient.
	 */
	public static final Set<String> SELF_GUARDED_SERVER_OPERATIONS = Set.of("$activate", "$oppose");

	private final FhirContext fhirContext;
	private final AccessPolicy policy;
	private final ResourceFactsReader facts;
	private final SpaceRulesStore spaces;
	private final BinaryDocuments binaries;
	private final SearchConfinement confinement;
	private final DaoRegistry daos;
	private final Set<String> refusedSectors;
	private final Clock clock;

	public AccessPolicyService(FhirContext fhirContext, AccessPolicy policy, ResourceFactsReader facts,
			SpaceRulesStore spaces, BinaryDocuments binaries, SearchConfinement confinement, DaoRegistry daos,
			Set<String> refusedSectors, Clock clock) {
		this.fhirContext = fhirContext;
		this.policy = policy;
		this.facts = facts;
		this.spaces = spaces;
		this.binaries = binaries;
		this.confinement = confinement;
		this.daos = daos;
		this.refusedSectors = Set.copyOf(refusedSectors);
		this.clock = clock;
	}

	/** Identifies the actor and refuses at once what it may not ask at all. */
	@Override
	public ConsentOutcome startOperation(RequestDetails request, IConsentContextServices context) {
		CarnetCaller caller = CallerFromToken.of(request)
				.orElseThrow(() -> new AuthenticationException("A bearer token is required"));
		RequestAccess access = RequestAccess.start(request, caller, Actor.of(caller, refusedSectors));
		Actor actor = access.actor();
		if (request.getRestOperationType() == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER
				&& SELF_GUARDED_SERVER_OPERATIONS.contains(request.getOperation())) {
			return ConsentOutcome.PROCEED; // they reach no space's data through HAPI and check their caller themselves
		}
		if (actor.role() == Actor.Role.REFUSED) {
			access.record(new RequestAccess.Access(request.getRestOperationType(), null, Set.of(),
					AccessDecision.deny(actor.refusal())));
			throw new ForbiddenOperationException(actor.refusal());
		}
		confinement.check(actor, actor.role().isPatientSide() && caller.patient() != null, request);
		journalTheNamedSpace(access, request);
		return ConsentOutcome.PROCEED;
	}

	/**
	 * A search or operation that names a space is an access to it even when it returns nothing (an
	 * empty search, a count): the decision on the space as a whole goes to the journal, with the
	 * emergency it was made under.
	 */
	private void journalTheNamedSpace(RequestAccess access, RequestDetails request) {
		RestOperationTypeEnum operation = request.getRestOperationType();
		if (operation != RestOperationTypeEnum.SEARCH_TYPE && operation != RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
				&& operation != RestOperationTypeEnum.EXTENDED_OPERATION_TYPE) {
			return;
		}
		String patient = RequestedSpace.namedPatient(request);
		if (patient != null) {
			AccessDecision decision = policy.decideSpace(access.actor(), patient,
					access.spaces(Set.of(patient), spaces).get(patient), clock.instant());
			access.record(new RequestAccess.Access(operation, null, Set.of(patient), decision));
			if (!decision.allowed() && operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
					&& "$everything".equals(request.getOperation())) {
				// The whole space, refused: answered as the $everything of a patient who does not exist.
				throw UniformNotFound.notKnown("Patient/" + patient);
			}
		}
	}

	/**
	 * Every resource leaving storage is judged here: reads and histories (a refusal answers 404), and the
	 * matches of searches, pages and operations before HAPI pages and counts them (HAPI's search task calls
	 * this on every match it stores: a withheld match leaves no trace in pages, totals or links). HAPI's
	 * consent interceptor then never reuses one caller's stored results for another.
	 */
	@Override
	public boolean shouldProcessCanSeeResource(RequestDetails request, IConsentContextServices context) {
		return true;
	}

	@Override
	public ConsentOutcome canSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices context) {
		if (WRITES.contains(request.getRestOperationType())) {
			return ConsentOutcome.PROCEED; // HAPI's own reads while writing; the response is checked on the way out
		}
		boolean filtering = FILTERED_BEFORE_PAGING.contains(request.getRestOperationType());
		AccessDecision decision = filtering ? decide(request, resource) : decideAndRecord(request, resource);
		if (filtering && !decision.allowed()) {
			record(request, resource, decision);
		}
		return decision.allowed() ? ConsentOutcome.AUTHORIZED : ConsentOutcome.REJECT;
	}

	/**
	 * What reaches the response without having been through storage (operation outputs, resources a
	 * write returns): containers pass and their entries are checked one by one; a resource the caller
	 * may not see is replaced by an OperationOutcome saying so, without its content.
	 */
	@Override
	public ConsentOutcome willSeeResource(RequestDetails request, IBaseResource resource, IConsentContextServices context) {
		if (resource instanceof IBaseBundle || resource instanceof IBaseOperationOutcome || resource instanceof IBaseParameters) {
			return ConsentOutcome.PROCEED;
		}
		AccessDecision decision = decideAndRecord(request, resource);
		if (decision.allowed()) {
			return ConsentOutcome.AUTHORIZED;
		}
		OperationOutcome withheld = new OperationOutcome();
		withheld.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
				.setCode(OperationOutcome.IssueType.SUPPRESSED)
				.setDiagnostics("A resource is withheld by the access policy");
		return new ConsentOutcome(ConsentOperationStatusEnum.REJECT, withheld);
	}

	/** The policy's decision on a resource for the request's actor, journaled. Fails closed. */
	/**
	 * What an actor outside any request may see (the owner of a subscription, when a notification is about
	 * to go out): the same decision, from the resource and its spaces' rules.
	 */
	public AccessDecision decideFor(Actor actor, IBaseResource resource) {
		return decideFor(actor, factsOf(resource));
	}

	/** The same decision from facts already read (a caller that also needs the resource's spaces). */
	public AccessDecision decideFor(Actor actor, ResourceFacts facts) {
		return policy.decide(actor, facts, spaces.rulesOf(facts.patients()), clock.instant());
	}

	public AccessDecision decideAndRecord(RequestDetails request, IBaseResource resource) {
		RequestAccess access = RequestAccess.of(request);
		if (access == null) {
			return AccessDecision.deny("no caller");
		}
		Decided decided = decide(access, request, resource);
		access.judged(resource);
		access.record(new RequestAccess.Access(
				request.getRestOperationType(), decided.resourceId(), decided.patients(), decided.decision()));
		return decided.decision();
	}

	private void record(RequestDetails request, IBaseResource resource, AccessDecision decision) {
		RequestAccess access = RequestAccess.of(request);
		if (access != null) {
			ResourceFacts read = resource instanceof Binary ? null : facts.read(resource);
			access.record(new RequestAccess.Access(request.getRestOperationType(), relativeId(resource),
					read == null ? Set.of() : read.patients(), decision));
		}
	}

	/** Whether this resource object was judged during the request (on its way out of storage). */
	boolean wasJudged(RequestDetails request, IBaseResource resource) {
		RequestAccess access = RequestAccess.of(request);
		return access != null && access.wasJudged(resource);
	}

	/** The decision alone, not journaled: for counting what a search would show. */
	public AccessDecision decide(RequestDetails request, IBaseResource resource) {
		RequestAccess access = RequestAccess.of(request);
		return access == null ? AccessDecision.deny("no caller") : decide(access, request, resource).decision();
	}

	/** Whether a professional or organization may feed this space (write into it). */
	AccessDecision decideFeedingSpace(RequestAccess access, String patient) {
		return policy.decideFeeding(access.actor(), access.spaces(Set.of(patient), spaces).get(patient), null, clock.instant());
	}

	/** Whether a professional or organization may write this resource into the spaces it belongs to. */
	AccessDecision decideFeeding(RequestAccess access, ResourceFacts resource) {
		var rules = access.spaces(resource.patients(), spaces);
		for (String patient : resource.patients()) {
			AccessDecision decision = policy.decideFeeding(access.actor(), rules.get(patient), resource, clock.instant());
			if (!decision.allowed()) {
				return decision;
			}
		}
		return AccessDecision.allow("feeding the space");
	}

	/** Whether the space's rules grant the request's actor this action on the resource (a delegation's right). */
	/** Whether the request's caller, a delegate, holds this right of their delegation over the whole space. */
	public boolean grantsOnTheSpace(RequestDetails request, String action) {
		RequestAccess access = RequestAccess.of(request);
		return access != null && access.actor().role() == Actor.Role.DELEGATE && grants(access, action, null);
	}

	boolean grants(RequestAccess access, String action, ResourceFacts resource) {
		// A right of a relative: granted to their RelatedPerson (the identity they write under), not to other keys.
		String fhirUser = access.caller().fhirUser();
		if (fhirUser == null || !fhirUser.startsWith("RelatedPerson/")) {
			return false;
		}
		var rules = access.spaces(Set.of(access.actor().patient()), spaces);
		return rules.getOrDefault(access.actor().patient(), SpaceRules.NONE)
				.grants(Set.of(fhirUser), action, resource, clock.instant());
	}

	/** The policy's decision on the resource's content for this request's actor. */
	AccessDecision decideContent(RequestAccess access, ResourceFacts resource) {
		return policy.decide(access.actor(), resource, access.spaces(resource.patients(), spaces), clock.instant());
	}

	public ResourceFacts factsOf(IBaseResource resource) {
		return facts.read(resource);
	}

	private record Decided(String resourceId, Set<String> patients, AccessDecision decision) {}

	private Decided decide(RequestAccess access, RequestDetails request, IBaseResource resource) {
		String resourceId = relativeId(resource);
		if (resource instanceof Binary binary) {
			return decideBinary(access, request, binary, resourceId);
		}
		ResourceFacts read = facts.read(resource);
		AccessDecision decision = decideContent(access, read);
		if (decision.allowed() && VERSION_READS.contains(request.getRestOperationType())) {
			// An old version is shown only if the resource as it stands now may be seen: masking or
			// hiding a document hides its history too.
			IBaseResource current = currentVersionOf(resource);
			if (current != null) {
				AccessDecision now = decideContent(access, facts.read(current));
				if (!now.allowed()) {
					decision = now;
				}
			}
		}
		return new Decided(resourceId, read.patients(), decision);
	}

	private Decided decideBinary(RequestAccess access, RequestDetails request, Binary binary, String resourceId) {
		List<IBaseResource> documents = binaries.documentsOf(binary, request);
		if (documents.isEmpty()) {
			return new Decided(resourceId, Set.of(), AccessDecision.deny("a Binary that belongs to no document is not shown"));
		}
		Set<String> patients = new HashSet<>();
		AccessDecision decision = null;
		for (IBaseResource document : documents) {
			ResourceFacts read = facts.read(document);
			patients.addAll(read.patients());
			decision = decideContent(access, read);
			if (!decision.allowed()) {
				break;
			}
		}
		return new Decided(resourceId, patients, decision);
	}

	private IBaseResource currentVersionOf(IBaseResource resource) {
		var id = resource.getIdElement();
		if (!id.hasIdPart() || !id.hasVersionIdPart()) {
			return null;
		}
		try {
			IBaseResource current = daos.getResourceDao(fhirContext.getResourceType(resource))
					.read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
			return id.getVersionIdPart().equals(current.getIdElement().getVersionIdPart()) ? null : current;
		} catch (ResourceGoneException | ResourceNotFoundException e) {
			return null; // deleted since: the version is judged on its own
		}
	}

	private String relativeId(IBaseResource resource) {
		var id = resource.getIdElement();
		return id != null && id.hasIdPart() ? fhirContext.getResourceType(resource) + "/" + id.getIdPart() : null;
	}
}
