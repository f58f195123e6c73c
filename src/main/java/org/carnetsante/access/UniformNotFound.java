package org.carnetsante.access;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A caller who may not see a resource gets exactly the answer it would get if the resource did not exist
 * (design.md §2): same status, same wording. HAPI words "absent", "deleted", "of another type" and
 * "withheld" differently (its message codes tell which check failed), and Carnet's own refusals name
 * what they refused; this rewrites them all into three answers, on every interaction:
 * <ul>
 *   <li>a resource named by id (read, vread, instance history and operations, update, patch, delete,
 *       batch and transaction entries): 404 "Resource [type]/[id] is not known";
 *   <li>a conditional URL (conditional patch, conditional reference): 404 "No resource matches [url]";
 *   <li>a reference in a resource written: 400 "Reference [path] names [type]/[id], which is not known".
 * </ul>
 * A deleted resource answers 410 only to a caller who could see it before it was deleted; to anyone
 * else it is unknown. A delete of something absent or already deleted, which HAPI answers 200 ("not
 * deleted"), answers 404 as a delete of something hidden does (a transaction's deletes are checked before
 * anything is written, so the transaction fails whole).
 */
@Interceptor
public class UniformNotFound {

	private static final Set<RestOperationTypeEnum> NAMED_BY_ID = EnumSet.of(RestOperationTypeEnum.READ,
			RestOperationTypeEnum.VREAD, RestOperationTypeEnum.HISTORY_INSTANCE, RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE,
			RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE);
	private static final Set<RestOperationTypeEnum> READS =
			EnumSet.of(RestOperationTypeEnum.READ, RestOperationTypeEnum.VREAD, RestOperationTypeEnum.HISTORY_INSTANCE);
	/** HAPI's codes of a delete that found nothing to delete. */
	private static final Set<String> DELETED_NOTHING = Set.of("SUCCESSFUL_DELETE_NOT_FOUND", "SUCCESSFUL_DELETE_ALREADY_DELETED");
	/** HAPI's reference failures: absent, deleted, cached as absent, of another type. */
	private static final Pattern LITERAL_REFERENCE = Pattern.compile(
			"Resource (\\S+) (?:not found|is deleted|previously cached in transaction as not-found), specified in path: (\\S+)");
	private static final Pattern OTHER_TYPE_REFERENCE = Pattern.compile("reference to unknown resource ID (\\S+)");
	private static final Pattern NO_MATCH = Pattern.compile("Invalid match URL \"(.*)\" - No resources match this search");
	private static final Pattern NAMED_RESOURCE = Pattern.compile("Resource (\\S+?) is not known");
	/** Carnet's own answer for a conditional URL that matches nothing ({@link #noMatch}), kept as it is. */
	private static final Pattern CARNET_NO_MATCH = Pattern.compile("No resource matches (\\S+)");

	/** Later than every request check of default order (the scope check among them). */
	private static final int AFTER_THE_SCOPE_CHECK = 1000;

	private final AccessPolicyService policy;
	private final DaoRegistry daos;

	public UniformNotFound(AccessPolicyService policy, DaoRegistry daos) {
		this.policy = policy;
		this.daos = daos;
	}

	/** The answer for a resource named by id that does not exist for the caller. */
	public static ResourceNotFoundException notKnown(String id) {
		String diagnostics = message(id);
		return new ResourceNotFoundException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, null, diagnostics));
	}

	/** The answer for a conditional URL that matches nothing the caller may use. */
	public static ResourceNotFoundException noMatch(String conditionalUrl) {
		String diagnostics = "No resource matches " + conditionalUrl;
		return new ResourceNotFoundException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, null, diagnostics));
	}

	/** The answer for a reference, in a resource written, to something that does not exist for the caller. */
	public static InvalidRequestException unknownReference(String path, String target) {
		String diagnostics = "Reference " + path + " names " + target + ", which is not known";
		return new InvalidRequestException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, path, diagnostics));
	}

	static String message(String id) {
		return "Resource " + id + " is not known";
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException uniform(RequestDetails request, Throwable failure) {
		if (!(failure instanceof BaseServerResponseException refusal) || refusal.getStatusCode() >= 500) {
			return null;
		}

		Optional<BaseServerResponseException> reference = uniformReference(refusal.getMessage());
		if (reference.isPresent()) {
			return reference.get();
		}
		boolean absent = refusal instanceof ResourceNotFoundException || refusal instanceof ResourceGoneException;
		if (!absent || refusal.getMessage() != null && refusal.getMessage().startsWith(org.carnetsante.fhir.ServedInteractions.UNKNOWN_TYPE)) {
			return null; // a type not served is not a resource that exists or not: its answer stays
		}
		RestOperationTypeEnum operation = request.getRestOperationType();
		if (refusal instanceof ResourceGoneException && READS.contains(operation) && request.getId() != null
				&& couldSeeBeforeDeletion(request, request.getId())) {
			return null; // 410 to whoever could see it
		}
		if (operation != null && NAMED_BY_ID.contains(operation) && request.getId() != null && request.getId().hasIdPart()) {
			return notKnown(request.getId().toUnqualified().getValue());
		}
		if (operation == RestOperationTypeEnum.PATCH && request.getConditionalUrl(operation) != null) {
			return noMatch(request.getConditionalUrl(operation));
		}
		if (operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH) {
			return uniformMessage(refusal.getMessage());
		}
		return null;
	}

	/** A 404 inside a transaction keeps what it names, in Carnet's words. */
	private static BaseServerResponseException uniformMessage(String message) {
		Matcher noMatch = NO_MATCH.matcher(message);
		if (noMatch.find()) {
			return noMatch(noMatch.group(1));
		}
		Matcher named = NAMED_RESOURCE.matcher(message);
		if (named.find()) {
			return notKnown(named.group(1));
		}
		Matcher carnetNoMatch = CARNET_NO_MATCH.matcher(message);
		if (carnetNoMatch.find()) {
			return noMatch(carnetNoMatch.group(1));
		}
		return notKnown("named by the transaction");
	}

	/** HAPI's reference failures in Carnet's words (HAPI-1091, 1094, 1095, 1096, 2602). */
	private static Optional<BaseServerResponseException> uniformReference(String message) {
		if (message == null) {
			return Optional.empty();
		}
		Matcher literal = LITERAL_REFERENCE.matcher(message);
		if (literal.find()) {
			return Optional.of(unknownReference(literal.group(2), literal.group(1)));
		}
		Matcher otherType = OTHER_TYPE_REFERENCE.matcher(message);
		if (otherType.find()) {
			return Optional.of(unknownReference("a reference of the resource", new IdType(otherType.group(1)).toUnqualifiedVersionless().getValue()));
		}
		Matcher noMatch = NO_MATCH.matcher(message);
		if (noMatch.find()) {
			return Optional.of(noMatch(noMatch.group(1)));
		}
		return Optional.empty();
	}

	/** A direct delete that found nothing answers as a delete of something the caller may not see. */
	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void uniformDeletesAndEntries(RequestDetails request, ResponseDetails response) {
		RestOperationTypeEnum operation = request.getRestOperationType();
		if (operation == RestOperationTypeEnum.DELETE && !request.isSubRequest() && deletedNothing(response.getResponseResource())) {
			throw notKnown(request.getId().toUnqualifiedVersionless().getValue());
		}
		// HAPI names both a batch and a transaction TRANSACTION; only a batch answers entries one by one.
		if ((operation == RestOperationTypeEnum.BATCH || operation == RestOperationTypeEnum.TRANSACTION)
				&& response.getResponseResource() instanceof Bundle answers && request.getResource() instanceof Bundle asked) {
			uniformBatchEntries(request, asked, answers);
		}
	}

	/**
	 * Batch entries are answered one by one (no rollback to care about): an entry that found nothing, or
	 * what the caller may not see, gets the same status and wording.
	 */
	private void uniformBatchEntries(RequestDetails request, Bundle asked, Bundle answers) {
		for (int i = 0; i < answers.getEntry().size() && i < asked.getEntry().size(); i++) {
			Bundle.BundleEntryResponseComponent answer = answers.getEntry().get(i).getResponse();
			Bundle.BundleEntryRequestComponent question = asked.getEntry().get(i).getRequest();
			String status = answer.getStatus() == null ? "" : answer.getStatus();
			if (question.getUrl() == null || question.getMethod() == null) {
				continue;
			}
			String url = question.getUrl().startsWith("/") ? question.getUrl().substring(1) : question.getUrl();
			boolean conditional = url.contains("?") && !url.split("\\?")[0].contains("/");
			boolean gone = status.startsWith("410");
			boolean nothingDeleted = question.getMethod() == Bundle.HTTPVerb.DELETE && deletedNothing(answer.getOutcome());
			if (gone && question.getMethod() == Bundle.HTTPVerb.GET && !conditional
					&& couldSeeBeforeDeletion(request, new IdType(url.split("\\?")[0]))) {
				continue;
			}
			if (status.startsWith("404") || gone || nothingDeleted) {
				BaseServerResponseException uniform = conditional ? noMatch(url) : notKnown(url.split("\\?")[0]);
				answer.setStatus("404 Not Found");
				answer.setOutcome(uniform.getOperationOutcome() instanceof OperationOutcome outcome ? outcome
						: OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, null, uniform.getMessage()));
			}
		}
	}

	/**
	 * Before a transaction runs: each resource it deletes by id exists (HAPI would answer "not deleted,
	 * does not exist" and commit the rest), so that an absent one fails the transaction exactly as a
	 * hidden one does (refused by the write policy). Checked after the checks of the caller on the same
	 * pointcut (scopes, refused actors): a caller refused whatever it names gets that refusal, whether
	 * the resource exists or not.
	 */
	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = AFTER_THE_SCOPE_CHECK)
	public void transactionDeletesNameExistingResources(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation != RestOperationTypeEnum.TRANSACTION || !(request.getResource() instanceof Bundle bundle)
				|| bundle.getType() != Bundle.BundleType.TRANSACTION) {
			return;
		}
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			Bundle.BundleEntryRequestComponent question = entry.getRequest();
			if (question.getMethod() != Bundle.HTTPVerb.DELETE || question.getUrl() == null || question.getUrl().contains("?")) {
				continue;
			}
			IdType id = new IdType(question.getUrl().startsWith("/") ? question.getUrl().substring(1) : question.getUrl());
			if (id.hasResourceType() && id.hasIdPart() && stored(id).isEmpty()) {
				throw notKnown(id.toUnqualifiedVersionless().getValue());
			}
		}
	}

	private boolean couldSeeBeforeDeletion(RequestDetails request, IIdType id) {
		try {
			var dao = daos.getResourceDaoOrNull(id.getResourceType());
			if (dao == null) {
				return false;
			}
			IBaseResource deleted = dao.read(id.toUnqualifiedVersionless(), new SystemRequestDetails(), true);
			long deletedVersion = deleted.getIdElement().getVersionIdPartAsLong();
			if (deletedVersion < 2) {
				return false;
			}
			IBaseResource lastContent = dao.read(id.toUnqualifiedVersionless().withVersion(Long.toString(deletedVersion - 1)),
					new SystemRequestDetails());
			return policy.decide(request, lastContent).allowed();
		} catch (ResourceNotFoundException | ResourceGoneException | InvalidRequestException
				| UnprocessableEntityException e) {
			return false;
		}
	}

	/** The resource as stored now, if it exists and is not deleted. */
	private Optional<IBaseResource> stored(IIdType id) {
		var dao = daos.getResourceDaoOrNull(id.getResourceType());
		if (dao == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(dao.read(id.toUnqualifiedVersionless(), new SystemRequestDetails()));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}

	private static boolean deletedNothing(IBaseResource outcome) {
		return outcome instanceof OperationOutcome operationOutcome && operationOutcome.getIssue().stream()
				.flatMap(issue -> issue.getDetails().getCoding().stream())
				.anyMatch(coding -> DELETED_NOTHING.contains(coding.getCode()));
	}
}
