package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.Set;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * HAPI answers malformed content with a 400, except where its code fails with an exception of its own
 * making while it reads or applies what the client sent: {@code "extension": [null]} threw a
 * NullPointerException in the JSON parser, a FHIRPath Patch {@code replace} of a status by an unknown
 * code an IllegalArgumentException, {@code value-quantity=ge0000-01-01} a NumberFormatException, a 500
 * each. Whatever fails while HAPI reads a request body or
 * applies a patch is the content's fault: 400, saying so without HAPI's internals. Content Carnet
 * stored itself is read elsewhere; a failure there stays a server error.
 *
 * <p>(Batch entries are answered by HAPI's batch processor, which turns such failures into a 500 of
 * the entry without asking any interceptor: {@link TransactionBundleShape} and
 * {@link FhirPathPatchShape} refuse what can be known beforehand.)
 */
@Interceptor
public class ClientContentFailures {

	/** Where HAPI reads or applies what the client sent: request bodies, transaction Bundles, patches. */
	private static final Set<String> CLIENT_CONTENT_HANDLERS = Set.of(
			"ca.uhn.fhir.rest.server.method.ResourceParameter",
			"ca.uhn.fhir.rest.server.method.TransactionParameter",
			"ca.uhn.fhir.jpa.patch.JsonPatchUtils",
			"ca.uhn.fhir.jpa.patch.FhirPatch");

	/** HAPI's search values, read from the client's URLs ({@code value-quantity=ge0000-01-01} failed in BigDecimal). */
	private static final String SEARCH_VALUE_PACKAGE = "ca.uhn.fhir.rest.param.";

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException clientContentUnusable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
			if (!(cause instanceof BaseServerResponseException) && cause instanceof RuntimeException
					&& thrownHandlingClientContent(cause)) {
				String diagnostics = "The content sent is not FHIR that Carnet can read or apply (HAPI failed with "
						+ cause.getClass().getSimpleName() + "): look for a null, an empty object, an element out of"
						+ " place, or a patch value that does not fit its element";
				return OperationOutcomes.invalid(OperationOutcome.IssueType.STRUCTURE, null, diagnostics);
			}
		}
		return null;
	}

	private static boolean thrownHandlingClientContent(Throwable failure) {
		for (StackTraceElement frame : failure.getStackTrace()) {
			if (CLIENT_CONTENT_HANDLERS.contains(frame.getClassName()) || frame.getClassName().startsWith(SEARCH_VALUE_PACKAGE)) {
				return true;
			}
		}
		return false;
	}
}
