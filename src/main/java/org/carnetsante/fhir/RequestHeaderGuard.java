package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses (400) a request whose headers would make it fail with a server error or do what the client
 * did not mean. Conditional headers that are malformed ({@link ConditionalHeaders}) or sent where they
 * would be silently ignored:
 * <ul>
 *   <li>{@code If-Match} on an update, patch or delete of one resource named by its id (on a delete it
 *       is a precondition: {@link IfMatchPrecondition});
 *   <li>{@code If-None-Match} and {@code If-Modified-Since} on reads (GET);
 *   <li>{@code If-None-Exist} on a create.
 * </ul>
 * HAPI's {@code X-Transaction-Semantics} is not served (400): it has a failed batch retried up to five
 * times, with waits the client picks, up to 50 s of a server thread for one request. {@code Prefer} is
 * not checked: RFC 7240 has servers ignore preferences they do not know, and HAPI does. Only the
 * request as sent is checked (batch and transaction entries carry their own conditions, checked by
 * {@link TransactionBundleShape}).
 */
@Interceptor
public class RequestHeaderGuard {

	private static final Set<RequestTypeEnum> VERSIONED_WRITES =
			Set.of(RequestTypeEnum.PUT, RequestTypeEnum.PATCH, RequestTypeEnum.DELETE);
	private static final String TRANSACTION_SEMANTICS = "X-Transaction-Semantics";

	private final int maxSearchValues;

	public RequestHeaderGuard(int maxSearchValues) {
		this.maxSearchValues = maxSearchValues;
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
	public void checkHeaders(RequestDetails request) {
		if (request.getHeader(TRANSACTION_SEMANTICS) != null) {
			refuse(TRANSACTION_SEMANTICS + " is not served: a failed batch is not retried");
		}
		RequestTypeEnum method = request.getRequestType();
		String ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
		if (ifMatch != null) {
			refuseIfPresent(ConditionalHeaders.ifMatchProblem(ifMatch));
			if (!VERSIONED_WRITES.contains(method) || request.getId() == null || !request.getId().hasIdPart()) {
				refuse("If-Match applies to the update, patch or delete of one resource named by its id"
						+ " (in a transaction or batch: Bundle.entry.request.ifMatch)");
			}
		}
		String ifNoneMatch = request.getHeader(Constants.HEADER_IF_NONE_MATCH);
		if (ifNoneMatch != null) {
			refuseIfPresent(ConditionalHeaders.ifNoneMatchProblem(ifNoneMatch));
			refuseUnlessRead(method, "If-None-Match");
		}
		String ifModifiedSince = request.getHeader(Constants.HEADER_IF_MODIFIED_SINCE);
		if (ifModifiedSince != null) {
			refuseIfPresent(ConditionalHeaders.ifModifiedSinceProblem(ifModifiedSince));
			refuseUnlessRead(method, "If-Modified-Since");
		}
		String ifNoneExist = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
		if (ifNoneExist != null) {
			refuseIfPresent(ConditionalHeaders.ifNoneExistProblem(ifNoneExist, "If-None-Exist", maxSearchValues));
			if (request.getRestOperationType() != RestOperationTypeEnum.CREATE) {
				refuse("If-None-Exist applies to a create (in a transaction or batch: Bundle.entry.request.ifNoneExist)");
			}
		}
	}

	private static void refuseUnlessRead(RequestTypeEnum method, String header) {
		if (method != RequestTypeEnum.GET && method != RequestTypeEnum.HEAD) {
			refuse(header + " applies to reads (GET)");
		}
	}

	private static void refuseIfPresent(Optional<String> problem) {
		problem.ifPresent(RequestHeaderGuard::refuse);
	}

	private static void refuse(String diagnostics) {
		throw OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, null, diagnostics);
	}
}
