package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.interceptor.InterceptorOrders;
import java.io.IOException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IDomainResource;

/**
 * {@code _summary=text} (and HAPI's older {@code _narrative=only}) on a request answered with one
 * resource (read, vread, an operation such as {@code $validate}): FHIR answers "the text, id, meta and
 * top-level mandatory elements" of the resource. HAPI instead writes the bare narrative as an HTML
 * page, and fails with a server error when the resource has none (Spring Security's response writer
 * refuses the null HAPI appends); a narrative sent by a client would also be served as a web page of
 * the FHIR origin. This answers the FHIR way: the resource reduced to those elements (tagged
 * {@code SUBSETTED}), in the negotiated format. Searches and histories (Bundles) are HAPI's: it
 * already reduces their entries so.
 */
@Interceptor
public class TextSummary {

	/**
	 * Last of the response hooks: the access policy may still replace the resource, the response
	 * highlighter may answer a browser itself. This hook answers in their stead, so none may follow.
	 */
	static final int HOOK_ORDER = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR + 1;

	private static final Set<String> TEXT_SUMMARY_ELEMENTS = Set.of("*.text", "*.id", "*.meta", "*.(mandatory)");

	@Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = HOOK_ORDER)
	public boolean answerTextSummary(RequestDetails request, ResponseDetails response) throws IOException {
		IBaseResource resource = response.getResponseResource();
		if (!(resource instanceof IDomainResource)
				|| !RestfulServerUtils.determineSummaryMode(request).equals(Set.of(SummaryEnum.TEXT))) {
			return true;
		}
		IParser reducer = request.getFhirContext().newJsonParser().setEncodeElements(TEXT_SUMMARY_ELEMENTS);
		IBaseResource summary = reducer.parseResource(reducer.encodeResourceToString(resource));
		// Streamed as a whole resource: the summary is already reduced, and "text" mode would make HAPI
		// write the narrative page again.
		RestfulServerUtils.streamResponseAsResource(request.getServer(), summary, Set.of(SummaryEnum.FALSE),
				response.getResponseCode(), false, request.isRespondGzip(), request);
		return false;
	}
}
