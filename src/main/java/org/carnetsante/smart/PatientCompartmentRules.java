package org.carnetsante.smart;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationFlagsEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.List;
import org.hl7.fhir.r4.model.IdType;

/**
 * Step 2 of the request path for tokens with a patient context ({@code patient/} scopes): whatever
 * is read, searched, included, returned by history or written, alone or in a transaction or batch,
 * must belong to that patient's compartment. Searches are narrowed to the compartment beforehand
 * ({@link PatientCompartmentNarrowing}); this interceptor checks every resource that comes back or
 * goes in (HAPI's {@link AuthorizationInterceptor}).
 *
 * <p>A single read of something outside the compartment answers 404, as if the resource did not
 * exist, so a token cannot probe which ids exist in other spaces.
 *
 * <p>Tokens without a patient context (backend systems, professionals) pass this step; the access
 * policy decides for them.
 */
public class PatientCompartmentRules extends AuthorizationInterceptor {

	public PatientCompartmentRules() {
		super(PolicyEnum.DENY);
		// Judge reads by what they return rather than refuse up front what the request alone cannot
		// place in a compartment (a resource's history): every returned resource is checked, here and
		// by the access policy.
		setFlags(AuthorizationFlagsEnum.DO_NOT_PROACTIVELY_BLOCK_COMPARTMENT_READ_ACCESS);
	}

	@Override
	public List<IAuthRule> buildRuleList(RequestDetails request) {
		CarnetCaller caller = CallerFromToken.current().orElse(null);
		if (caller == null || caller.patient() == null) {
			return new RuleBuilder().allowAll().build();
		}
		IdType patient = new IdType("Patient", caller.patient());
		return new RuleBuilder()
				.allow("the patient's compartment: read").read().allResources().inCompartment("Patient", patient).andThen()
				// Writes are judged by the access policy (what may be changed: access.WritePolicy, what it is
				// about: PatientWriteGuard), which answers a write to another space's resource as one to a
				// resource that does not exist; a refusal here would tell them apart.
				.allow("writes, judged by the access policy").write().allResources().withAnyId().andThen()
				.allow("deletes, judged by the access policy").delete().allResources().withAnyId().andThen()
				.allow("the patient's compartment: patch").patch().allRequests().andThen()
				.allow("transactions, entry by entry").transaction().withAnyOperation().andApplyNormalRules().andThen()
				.allow("validation").operation().named("$validate").onAnyType().andRequireExplicitResponseAuthorization().andThen()
				// A document's bytes are in no compartment: the access policy shows them to whoever may
				// see their DocumentReference.
				.allow("documents' bytes, through their document").read().resourcesOfType("Binary").withAnyId().andThen()
				.allow("the space's access log").operation().named("$access-log").onInstance(patient).andAllowAllResponses().andThen()
				// Subscriptions are in no compartment: SubscriptionRules confines them to the token's space
				// and the access policy shows them to their owner only.
				.allow("the app's subscriptions: read").read().resourcesOfType("Subscription").withAnyId().andThen()
				.allow("the app's subscriptions: write").write().resourcesOfType("Subscription").withAnyId().andThen()
				.allow("the app's subscriptions: delete").delete().resourcesOfType("Subscription").withAnyId().andThen()
				.allow("the patient's notification preferences").operation().named("$notification-preferences").onInstance(patient)
						.andAllowAllResponses().andThen()
				// The space's lifecycle (org.carnetsante.space): its state, closing and reopening it.
				.allow("the space's state").operation().named("$space-state").onInstance(patient).andAllowAllResponses().andThen()
				.allow("closing the space").operation().named("$close").onInstance(patient).andAllowAllResponses().andThen()
				.allow("reopening the space").operation().named("$reopen").onInstance(patient).andAllowAllResponses().andThen()
				.allow("inviting to the space").operation().named("$invite").onInstance(patient).andAllowAllResponses().andThen()
				.allow("the space's invitations").operation().named("$invitations").onInstance(patient).andAllowAllResponses().andThen()
				.allow("ending an invitation").operation().named("$end-invitation").onInstance(patient).andAllowAllResponses().andThen()
				.allow("answering an invitation").operation().named("$answer-invitation").onServer().andAllowAllResponses().andThen()
				// The messaging's operations judge the message as a read first (one outside the space answers as absent).
				.allow("messages: read receipts").operation().named("$mark-read")
						.onInstancesOfType(org.hl7.fhir.r4.model.Communication.class).andAllowAllResponses().andThen()
				.allow("messages: the patient's view").operation().named("$remove-from-view")
						.onInstancesOfType(org.hl7.fhir.r4.model.Communication.class).andAllowAllResponses().andThen()
				.allow("messages: attachments filed as documents").operation().named("$file-attachment")
						.onInstancesOfType(org.hl7.fhir.r4.model.Communication.class).andAllowAllResponses().andThen()
				// Narrowed to the compartment beforehand; every resource it returns is judged by the access policy.
				.allow("the whole space").operation().named("$everything").onInstance(patient).andAllowAllResponses().andThen()
				.denyAll("outside the patient's compartment")
				.build();
	}

	/** What a request names by id outside the compartment is, to the token, a resource that does not exist. */
	@Override
	protected void handleDeny(RequestDetails request, Verdict decision) {
		RestOperationTypeEnum operation = request.getRestOperationType();
		if (NAMED_BY_ID.contains(operation) && request.getId() != null && request.getId().hasIdPart()) {
			throw new ResourceNotFoundException(request.getId());
		}
		super.handleDeny(request, decision);
	}

	private static final java.util.Set<RestOperationTypeEnum> NAMED_BY_ID = java.util.EnumSet.of(RestOperationTypeEnum.READ,
			RestOperationTypeEnum.VREAD, RestOperationTypeEnum.HISTORY_INSTANCE, RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
}
