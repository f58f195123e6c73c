package org.carnetsante.documents;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binary.api.StoredDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.util.HapiExtensions;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Extension;

/**
 * ITI-68 for large documents: when the caller asks for the raw bytes (an Accept header that is not a FHIR
 * format) of a Binary whose bytes are too large to be put back into the resource
 * ({@code carnet.documents.inflated-up-to}), they are streamed from the binary storage to the response,
 * never held whole in memory. Runs last on the outgoing response, after the access policy has judged the
 * Binary (through its document) for this caller; smaller Binaries are answered by HAPI itself.
 */
@Interceptor
public class RawDocumentStreaming {

	/** After every other outgoing-response hook: the access policy's judgement comes first. */
	static final int HOOK_ORDER = 1000;

	private static final List<String> FHIR_FORMATS = List.of("fhir", "json", "xml", "html");

	private final IBinaryStorageSvc storage;

	public RawDocumentStreaming(IBinaryStorageSvc storage) {
		this.storage = storage;
	}

	@Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = HOOK_ORDER)
	public boolean streamLargeBytes(RequestDetails request, ResponseDetails response, HttpServletResponse servletResponse)
			throws IOException {
		if (!(response.getResponseResource() instanceof Binary binary) || binary.getData() != null || !wantsRawBytes(request)) {
			return true;
		}
		Extension externalized = binary.getDataElement().getExtensionByUrl(HapiExtensions.EXT_EXTERNALIZED_BINARY_ID);
		if (externalized == null || servletResponse == null) {
			return true;
		}
		String contentId = externalized.getValue().primitiveValue();
		StoredDetails stored = storage.fetchBinaryContentDetails(binary.getIdElement(), contentId);
		if (stored == null) {
			return true;
		}
		servletResponse.setStatus(HttpServletResponse.SC_OK);
		servletResponse.setContentType(binary.getContentType());
		servletResponse.setContentLengthLong(stored.getBytes());
		storage.writeBinaryContent(binary.getIdElement(), contentId, servletResponse.getOutputStream());
		servletResponse.getOutputStream().flush();
		return false;
	}

	private static boolean wantsRawBytes(RequestDetails request) {
		if (request.getParameters().containsKey("_format")) {
			return false;
		}
		List<String> accept = request.getHeaders("Accept");
		if (accept == null || accept.isEmpty()) {
			return false;
		}
		String wanted = String.join(",", accept).toLowerCase(Locale.ROOT);
		return FHIR_FORMATS.stream().noneMatch(wanted::contains);
	}
}
