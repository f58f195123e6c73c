package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * The FHIR endpoint serves what Carnet needs and nothing else: an interaction nobody needs is an attack
 * surface (issue 11: {@code $meta} told labels of documents the caller may not read, instance
 * {@code $validate} named the resources referring to a hidden one). Each refusal below has one answer
 * whatever the request names, whether it exists or not, and comes before anything is read:
 * <ul>
 *   <li>a resource type outside {@code carnet.fhir.resource-types}: 404, worded as for an unknown type;
 *   <li>an operation other than {@code [type]/$validate} (create mode only),
 *       {@code Patient/[id]/$everything}, {@code Patient/[id]/$access-log} and
 *       {@code Patient/[id]/$notification-preferences}, the messaging's {@code Communication/[id]/$mark-read},
 *       {@code $remove-from-view} and {@code $file-attachment}, the space lifecycle's {@code $activate} and
 *       {@code $oppose} (on the server) and {@code Patient/[id]/$space-state}, {@code $close} and {@code $reopen},
 *       and Bulk Data {@code $export} (on the server,
 *       {@code Patient} and {@code Group/[id]}): 400;
 *   <li>the history of a whole type or of the server (only one resource's history is served): 400;
 *   <li>conditional update and conditional delete (a resource is changed or deleted by its id; the
 *       metadata update of a document by identifier is a conditional PATCH, which is served): 400.
 * </ul>
 * The same holds for every entry of a batch or transaction.
 */
@Interceptor
public class ServedInteractions {

	/**
	 * An operation served, and where: on the server ({@code $op}), on a type ({@code [type]/$op}, any
	 * type when {@code type} is null) or on one resource ({@code [type]/[id]/$op}).
	 */
	private record ServedOperation(String name, String type, boolean onInstance, boolean onServer) {

		ServedOperation(String name, String type, boolean onInstance) {
			this(name, type, onInstance, false);
		}

		boolean servedAt(String typeNamed, boolean instance) {
			if (onServer) {
				return typeNamed == null;
			}
			return onInstance == instance && (type == null ? typeNamed != null && !instance : type.equals(typeNamed));
		}

		String where() {
			return onServer ? name : (type == null ? "[type]" : type) + (onInstance ? "/[id]/" : "/") + name;
		}
	}

	private static final List<ServedOperation> OPERATIONS = List.of(
			// A vendor checks a resource against the guide before sending it.
			new ServedOperation("$validate", null, false),
			new ServedOperation("$everything", "Patient", true),
			new ServedOperation("$access-log", "Patient", true),
			new ServedOperation("$notification-preferences", "Patient", true),
			// The secure messaging (org.carnetsante.messaging).
			new ServedOperation("$mark-read", "Communication", true),
			new ServedOperation("$remove-from-view", "Communication", true),
			new ServedOperation("$file-attachment", "Communication", true),
			// The lifecycle of a space (org.carnetsante.space): the answer to the information notice by code, and the
			// patient's own transitions.
			new ServedOperation("$activate", null, false, true),
			new ServedOperation("$oppose", null, false, true),
			new ServedOperation("$space-state", "Patient", true),
			new ServedOperation("$close", "Patient", true),
			new ServedOperation("$reopen", "Patient", true),
			new ServedOperation("$invite", "Patient", true),
			new ServedOperation("$invitations", "Patient", true),
			new ServedOperation("$end-invitation", "Patient", true),
			new ServedOperation("$answer-invitation", null, false, true),
			// Bulk Data export for hospital systems (org.carnetsante.export).
			new ServedOperation("$export", null, false, true),
			new ServedOperation("$export", "Patient", false),
			new ServedOperation("$export", "Group", true));
	private static final Set<String> ASYNCHRONOUS = Set.of("$export");
	private static final String SERVED_OPERATIONS = OPERATIONS.stream().map(ServedOperation::where)
			.collect(java.util.stream.Collectors.joining(", "));
	private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]{1,63}");
	private static final String HISTORY = "_history";
	/** How a type that is not served is answered (as HAPI words an unknown type). */
	public static final String UNKNOWN_TYPE = "Unknown resource type";

	private final Set<String> servedTypes;

	public ServedInteractions(Set<String> servedTypes) {
		this.servedTypes = Set.copyOf(servedTypes);
	}

	/** The request's path, before HAPI resolves it: types, operations and histories it names. */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
	public boolean checkPath(HttpServletRequest request) {
		String path = request.getPathInfo();
		if (path != null) {
			checkUrl(path, request.getMethod(), request.getParameter("mode"), null);
		}
		return true;
	}

	/** What only a parsed request tells: conditional forms, {@code $validate}'s mode, every entry of a bundle. */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void checkRequest(RequestDetails request, RestOperationTypeEnum operation) {
		if ((operation == RestOperationTypeEnum.UPDATE || operation == RestOperationTypeEnum.DELETE)
				&& (request.getId() == null || !request.getId().hasIdPart())) {
			throw conditionalWriteRefused(operation == RestOperationTypeEnum.UPDATE ? "update" : "delete", null);
		}
		if (operation == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE && "$validate".equals(request.getOperation())
				&& request.getResource() instanceof Parameters parameters) {
			requireCreateMode(modeOf(parameters), null);
		}
		if ((operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH)
				&& request.getResource() instanceof Bundle bundle) {
			for (int i = 0; i < bundle.getEntry().size(); i++) {
				checkEntry(bundle.getEntry().get(i), "Bundle.entry[" + i + "]");
			}
		}
	}

	private void checkEntry(Bundle.BundleEntryComponent entry, String path) {
		Bundle.BundleEntryRequestComponent request = entry.getRequest();
		// What a POST or PUT stores must be of a served type; a PATCH carries its patch (Parameters, Binary).
		if (entry.hasResource() && (request.getMethod() == Bundle.HTTPVerb.POST || request.getMethod() == Bundle.HTTPVerb.PUT)) {
			requireServed(entry.getResource().fhirType(), path + ".resource");
		}
		if (request.getUrl() == null || request.getMethod() == null) {
			return; // the bundle's shape is checked apart
		}
		String url = request.getUrl();
		String method = request.getMethod().toCode();
		int query = url.indexOf('?');
		String location = query < 0 ? url : url.substring(0, query);
		if (query >= 0 && !location.contains("/") && ("PUT".equals(method) || "DELETE".equals(method))) {
			throw conditionalWriteRefused("PUT".equals(method) ? "update" : "delete", path + ".request.url");
		}
		String mode = query < 0 ? null : Arrays.stream(url.substring(query + 1).split("&"))
				.filter(pair -> pair.startsWith("mode=")).map(pair -> pair.substring("mode=".length())).findFirst().orElse(null);
		if (mode == null && entry.getResource() instanceof Parameters parameters) {
			mode = modeOf(parameters);
		}
		checkUrl(location, method, mode, path + ".request.url");
	}

	/**
	 * Whether a request with this method to this path is served, the path being a template as an API
	 * description writes it ({@code /Patient/{id}/$everything}: each {@code {…}} stands for an id). The
	 * OpenAPI description lists only what this says is served.
	 */
	public boolean serves(String method, String pathTemplate) {
		String path = pathTemplate.replaceAll("\\{[^}/]*}", "x");
		List<String> segments = Arrays.stream(path.split("/")).filter(segment -> !segment.isEmpty()).toList();
		boolean typeOnly = segments.size() == 1 && TYPE.matcher(segments.get(0)).matches();
		if (typeOnly && ("PUT".equals(method) || "DELETE".equals(method))) {
			return false; // conditional update and delete: a resource is changed or deleted by its id
		}
		try {
			checkUrl(path, method, null, null);
			return true;
		} catch (ResourceNotFoundException | InvalidRequestException refused) {
			return false;
		}
	}

	/** Checks a relative FHIR URL path ({@code /Patient/1/$everything}, {@code Patient/_history}…). */
	private void checkUrl(String path, String method, String mode, String expression) {
		List<String> segments = new ArrayList<>();
		for (String segment : path.split("/")) {
			if (!segment.isEmpty()) {
				segments.add(segment);
			}
		}
		if (segments.isEmpty()) {
			return;
		}
		String first = segments.get(0);
		boolean typed = TYPE.matcher(first).matches();
		if (typed) {
			requireServed(first, expression);
		}
		int history = segments.indexOf(HISTORY);
		if (history >= 0 && !(typed && history == 2)) {
			throw refused("History is served for one resource at a time ([type]/[id]/_history), not for a whole type "
					+ "or the server", expression);
		}
		for (int i = 0; i < segments.size(); i++) {
			String segment = segments.get(i);
			if (segment.startsWith("$")) {
				String type = typed ? first : null;
				boolean onInstance = typed && i == 2;
				boolean inBundle = expression != null;
				boolean served = i == segments.size() - 1 && OPERATIONS.stream().anyMatch(operation ->
						operation.name().equals(segment) && operation.servedAt(type, onInstance)
								// An asynchronous kick-off has no place among a bundle's entries.
								&& !(inBundle && ASYNCHRONOUS.contains(segment)));
				if (!served) {
					throw refused("Operation " + segment + " is not served here on " + (typed ? path : "the server")
							+ "; served: " + SERVED_OPERATIONS, expression);
				}
				if ("$validate".equals(segment)) {
					requireCreateMode(mode, expression);
				}
			}
		}
	}

	private void requireServed(String type, String expression) {
		if (!servedTypes.contains(type)) {
			String diagnostics = UNKNOWN_TYPE + " '" + type + "'";
			ResourceNotFoundException unknown = new ResourceNotFoundException(diagnostics);
			unknown.setOperationOutcome(OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, expression, diagnostics));
			throw unknown;
		}
	}

	/**
	 * {@code $validate} checks a resource to be created: update and delete modes would tell about a stored
	 * resource (whether it exists, what refers to it) without the access policy.
	 */
	private static void requireCreateMode(String mode, String expression) {
		if (mode != null && !mode.isBlank() && !"create".equals(mode)) {
			throw refused("$validate is served in create mode only (no mode, or mode=create), not mode=" + mode, expression);
		}
	}

	private static String modeOf(Parameters parameters) {
		Parameters.ParametersParameterComponent mode = parameters.getParameter("mode");
		if (mode == null || mode.getValue() == null) {
			return null;
		}
		return mode.getValue() instanceof StringType || mode.getValue().isPrimitive() ? mode.getValue().primitiveValue() : "?";
	}

	private static InvalidRequestException conditionalWriteRefused(String what, String expression) {
		return refused("Conditional " + what + " is not served: name the resource by its id ([type]/[id])", expression);
	}

	private static InvalidRequestException refused(String diagnostics, String expression) {
		return new InvalidRequestException(diagnostics,
				OperationOutcomes.error(OperationOutcome.IssueType.NOTSUPPORTED, expression, diagnostics));
	}

}
