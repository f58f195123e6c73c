package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * {@code If-Match} as FHIR defines it (R4 http.html, "Managing Resource Contention"): the write
 * happens only if the resource is at the version named, else 412 Precondition Failed.
 * <ul>
 *   <li>Deletes: HAPI ignores {@code If-Match} on a DELETE and on a transaction's DELETE entries; this
 *       compares it, on HAPI's storage pointcut, with the version of the resource being deleted. The
 *       pointcut fires only for a resource that exists and after the access policy and the write rules
 *       (see {@link #HOOK_ORDER}): the precondition tells nothing to a caller who may not touch it.
 *   <li>Updates and patches: HAPI compares the version itself but answers 409 Conflict; this answers
 *       412, for the request and for batch entries.
 * </ul>
 */
@Interceptor
public class IfMatchPrecondition {

	/**
	 * After the write policy ({@code WritePolicy}, -200) and the document rules (0): a hidden resource
	 * answers as an absent one, a refused delete as refused, whatever the version.
	 */
	static final int HOOK_ORDER = 500;

	private static final String ENTRY_VERSIONS = IfMatchPrecondition.class.getName() + ".entryVersions";

	/** HAPI's codes for "Trying to update/patch … but this is not the current version". */
	private static final Pattern VERSION_MISMATCH = Pattern.compile("HAPI-(0989|0974): ");

	private static final String PRECONDITION_FAILED = "412 Precondition Failed";

	/** The DELETE entries' {@code ifMatch}, by resource, for the storage hook below (entries are sub-requests). */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void noteEntryPreconditions(RequestDetails request) {
		if (!isBundleOfRequests(request) || !(request.getResource() instanceof Bundle bundle)) {
			return;
		}
		Map<String, Long> versions = new HashMap<>();
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			Bundle.BundleEntryRequestComponent asked = entry.getRequest();
			if (asked.getMethod() == Bundle.HTTPVerb.DELETE && asked.hasIfMatch() && asked.hasUrl()) {
				ConditionalHeaders.version(asked.getIfMatch()).ifPresent(version ->
						versions.put(new IdType(asked.getUrl()).toUnqualifiedVersionless().getValue(), version));
			}
		}
		request.getUserData().put(ENTRY_VERSIONS, versions);
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = HOOK_ORDER)
	public void requireTheVersionAskedFor(IBaseResource deleted, RequestDetails request) {
		String id = deleted.getIdElement().toUnqualifiedVersionless().getValue();
		OptionalLong expected = expectedVersion(request, id);
		String current = deleted.getIdElement().getVersionIdPart();
		if (expected.isPresent() && !Long.toString(expected.getAsLong()).equals(current)) {
			String diagnostics = id + " is at version " + current + ", not at the version " + expected.getAsLong()
					+ " that If-Match names: it was not deleted";
			throw new PreconditionFailedException(
					diagnostics, OperationOutcomes.error(OperationOutcome.IssueType.CONFLICT, null, diagnostics));
		}
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException preconditionFailed(Throwable failure) {
		if (failure instanceof ResourceVersionConflictException conflict && isVersionMismatch(conflict.getMessage())) {
			String diagnostics = "The resource is not at the version If-Match names: " + conflict.getMessage();
			return new PreconditionFailedException(
					diagnostics, OperationOutcomes.error(OperationOutcome.IssueType.CONFLICT, null, diagnostics));
		}
		return null;
	}

	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void preconditionFailedEntries(RequestDetails request, ResponseDetails response) {
		// HAPI runs batches as its transaction operation: the answer tells which it was.
		if (!(response.getResponseResource() instanceof Bundle answers)
				|| answers.getType() != Bundle.BundleType.BATCHRESPONSE) {
			return;
		}
		for (Bundle.BundleEntryComponent answer : answers.getEntry()) {
			Bundle.BundleEntryResponseComponent entryResponse = answer.getResponse();
			if (entryResponse.hasStatus() && entryResponse.getStatus().startsWith("409")
					&& entryResponse.getOutcome() instanceof OperationOutcome outcome
					&& isVersionMismatch(outcome.getIssueFirstRep().getDiagnostics())) {
				entryResponse.setStatus(PRECONDITION_FAILED);
			}
		}
	}

	private static OptionalLong expectedVersion(RequestDetails request, String id) {
		if (request == null) {
			return OptionalLong.empty();
		}
		if (request.isSubRequest()) {
			// A sub-request answers the parent's headers: only the entry's own ifMatch counts.
			Object versions = request.getUserData().get(ENTRY_VERSIONS);
			Long version = versions instanceof Map<?, ?> byId ? (Long) byId.get(id) : null;
			return version == null ? OptionalLong.empty() : OptionalLong.of(version);
		}
		String ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
		if (request.getRequestType() != RequestTypeEnum.DELETE || ifMatch == null) {
			return OptionalLong.empty();
		}
		return ConditionalHeaders.version(ifMatch);
	}

	private static boolean isBundleOfRequests(RequestDetails request) {
		return request.getRestOperationType() == RestOperationTypeEnum.TRANSACTION
				|| request.getRestOperationType() == RestOperationTypeEnum.BATCH;
	}

	private static boolean isVersionMismatch(String message) {
		return message != null && VERSION_MISMATCH.matcher(message).find();
	}
}
