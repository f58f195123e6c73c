package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * What a conditional URL may say. HAPI resolves conditional URLs with a search that knows nothing of the
 * access policy, and answers differently for no match, one match and several: on patient data that would
 * tell what the caller may not see. So, before anything runs, whatever exists, one answer (400):
 * <ul>
 *   <li>a conditional create ({@code If-None-Exist}, an entry's {@code ifNoneExist}) is served for
 *       directory data only (it answers with the id it matched); patient data is created plainly and its
 *       uniqueness rules (one INS per space, one uniqueId per space) refuse duplicates;
 *   <li>a conditional reference names directory data, or a Patient by one identifier
 *       ({@code Patient?identifier=system|value}, as ITI-65 names the space by INS) — no {@code _has},
 *       chain, modifier or other parameter that would search through what the policy hides;
 *   <li>a conditional patch (the metadata update of a document, PDSm) names its resource by one
 *       {@code identifier=system|value}.
 * </ul>
 * The matches of the forms left are judged by the write policy ({@link ReferencePolicy},
 * {@link WritePolicy}), a hidden one answering as none.
 */
@Interceptor
public class ConditionalForms {

	private static final Pattern BY_ONE_IDENTIFIER = Pattern.compile("identifier=[^&|]*\\|[^&|]+");

	private final FhirContext fhirContext;
	private final Set<String> directoryTypes;

	public ConditionalForms(FhirContext fhirContext, Set<String> directoryTypes) {
		this.fhirContext = fhirContext;
		this.directoryTypes = Set.copyOf(directoryTypes);
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void checkConditionalForms(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation == RestOperationTypeEnum.CREATE && request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null) {
			requireDirectoryData(request.getResourceName(), "If-None-Exist");
		}
		if (operation == RestOperationTypeEnum.PATCH && (request.getId() == null || !request.getId().hasIdPart())) {
			String url = request.getConditionalUrl(operation);
			requireOneIdentifier(url == null ? "" : url.substring(url.indexOf('?') + 1), null);
		}
		if (request.getResource() != null && !(request.getResource() instanceof Bundle)) {
			checkReferences(request.getResource(), fhirContext.getResourceType(request.getResource()));
		}
		if (request.getResource() instanceof Bundle bundle
				&& (operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH)) {
			for (int i = 0; i < bundle.getEntry().size(); i++) {
				checkEntry(bundle.getEntry().get(i), "Bundle.entry[" + i + "]");
			}
		}
	}

	private void checkEntry(Bundle.BundleEntryComponent entry, String path) {
		Bundle.BundleEntryRequestComponent request = entry.getRequest();
		if (request.hasIfNoneExist()) {
			requireDirectoryData(entry.hasResource() ? entry.getResource().fhirType() : null, path + ".request.ifNoneExist");
		}
		String url = request.getUrl();
		if (request.getMethod() == Bundle.HTTPVerb.PATCH && url != null && url.contains("?")
				&& !url.substring(0, url.indexOf('?')).contains("/")) {
			requireOneIdentifier(url.substring(url.indexOf('?') + 1), path + ".request.url");
		}
		if (entry.hasResource()) {
			checkReferences(entry.getResource(), path + ".resource");
		}
	}

	private void checkReferences(IBaseResource resource, String where) {
		for (ResourceReferenceInfo info : fhirContext.newTerser().getAllResourceReferences(resource)) {
			String reference = info.getResourceReference().getReferenceElement().getValue();
			if (reference == null || !reference.contains("?") || reference.startsWith("#") || reference.startsWith("urn:")) {
				continue;
			}
			String type = reference.substring(0, reference.indexOf('?'));
			String query = reference.substring(reference.indexOf('?') + 1);
			boolean patientByIdentifier = "Patient".equals(type) && BY_ONE_IDENTIFIER.matcher(decoded(query)).matches();
			if (!directoryTypes.contains(type) && !patientByIdentifier) {
				throw refused("Conditional reference " + reference + " in " + where + " is not served: a conditional "
						+ "reference names directory data or a Patient by one identifier (Patient?identifier=system|value)", where);
			}
		}
	}

	private void requireDirectoryData(String type, String expression) {
		if (type == null || !directoryTypes.contains(type)) {
			throw refused("Conditional create is served for directory data only (" + String.join(", ",
					new TreeSet<>(directoryTypes)) + "), not for " + type + ": create it plainly (duplicates of an INS or a "
					+ "document uniqueId are refused with 409)", expression);
		}
	}

	private static void requireOneIdentifier(String query, String expression) {
		if (!BY_ONE_IDENTIFIER.matcher(decoded(query)).matches()) {
			throw refused("A conditional patch names its resource by one identifier (identifier=system|value), not by "
					+ query, expression);
		}
	}

	/** A query as the client meant it ({@code %7C} is {@code |}); a malformed escape matches no served form. */
	private static String decoded(String query) {
		try {
			return java.net.URLDecoder.decode(query, java.nio.charset.StandardCharsets.UTF_8);
		} catch (IllegalArgumentException malformed) {
			return "";
		}
	}

	private static InvalidRequestException refused(String diagnostics, String expression) {
		return new InvalidRequestException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTSUPPORTED, expression, diagnostics));
	}
}
