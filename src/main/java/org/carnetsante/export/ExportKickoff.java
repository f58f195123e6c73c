package org.carnetsante.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.carnetsante.access.Actor;
import org.carnetsante.access.UniformNotFound;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.SmartScope;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;

/**
 * Bulk Data {@code $export} kick-off (system, Patient, Group; GET or POST with Parameters): checks the
 * request and the caller, records the export with the caller captured, and answers 202 with the status
 * URL. Anything not understood is refused with 400 naming it; callers other than a care organization's
 * system get 403; a Group that is not the caller's is not known (404).
 */
public class ExportKickoff {

	/** The kick-off parameters Carnet serves; the Bulk Data ones it does not serve are named in the refusal. */
	private static final Set<String> PARAMETERS = Set.of("_outputFormat", "_since", "_until", "_type", "_typeFilter",
			"_elements", "patient");
	private static final Set<String> NOT_SERVED = Set.of("includeAssociatedData", "_typeElements", "organizeOutputBy",
			"allowPartialManifests");
	private static final Set<String> SINGLE_VALUED = Set.of("_outputFormat", "_since", "_until");
	private static final Set<String> OUTPUT_FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
	private static final Pattern ELEMENT = Pattern.compile("([A-Z][A-Za-z]+\\.)?[a-z][A-Za-z0-9]*");
	private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
	/** Search parameters that shape results rather than select them: meaningless in a filter. */
	private static final Set<String> NOT_FILTERS = Set.of("_include", "_revinclude", "_sort", "_count", "_elements",
			"_summary", "_total", "_contained", "_containedType", "_format", "_pretty");

	private final FhirContext fhirContext;
	private final MatchUrlService matchUrls;
	private final ExportJobs jobs;
	private final ExportRunner runner;
	private final ExportSpaces spaces;
	private final Set<String> exportableTypes;
	private final Set<String> refusedSectors;
	private final ExportProperties properties;
	private final Clock clock;

	ExportKickoff(FhirContext fhirContext, MatchUrlService matchUrls, ExportJobs jobs, ExportRunner runner,
			ExportSpaces spaces, Set<String> exportableTypes, Set<String> refusedSectors, ExportProperties properties,
			Clock clock) {
		this.fhirContext = fhirContext;
		this.matchUrls = matchUrls;
		this.jobs = jobs;
		this.runner = runner;
		this.spaces = spaces;
		this.exportableTypes = Set.copyOf(exportableTypes);
		this.refusedSectors = Set.copyOf(refusedSectors);
		this.properties = properties;
		this.clock = clock;
	}

	@Operation(name = "$export", manualResponse = true, idempotent = true)
	public void exportSystem(ServletRequestDetails request) {
		kickOff(ExportRequest.Level.SYSTEM, null, request);
	}

	@Operation(name = "$export", typeName = "Patient", manualResponse = true, idempotent = true)
	public void exportPatients(ServletRequestDetails request) {
		kickOff(ExportRequest.Level.PATIENT, null, request);
	}

	@Operation(name = "$export", typeName = "Group", manualResponse = true, idempotent = true)
	public void exportGroup(@IdParam IIdType group, ServletRequestDetails request) {
		kickOff(ExportRequest.Level.GROUP, group.getIdPart(), request);
	}

	private void kickOff(ExportRequest.Level level, String groupId, ServletRequestDetails request) {
		CarnetCaller caller = CallerFromToken.of(request)
				.orElseThrow(() -> new ForbiddenOperationException("A bearer token is required"));
		Actor actor = Actor.of(caller, refusedSectors);
		if (caller.kind() != CarnetCaller.Kind.SYSTEM || actor.role() != Actor.Role.CARE_ORGANIZATION) {
			throw new ForbiddenOperationException(actor.role() == Actor.Role.REFUSED ? actor.refusal()
					: "Bulk Data export is for care organizations' systems (SMART Backend Services tokens)");
		}
		requireRespondAsync(request);
		Map<String, List<String>> parameters = parameters(request);
		ExportRequest export = exportRequest(level, groupId, parameters, caller);
		if (level == ExportRequest.Level.GROUP && spaces.membersOf(groupId, actor).isEmpty()) {
			throw UniformNotFound.notKnown("Group/" + groupId);
		}
		if (jobs.activeOf(caller.clientId()) >= properties.maxActivePerClient()) {
			throw tooMany();
		}
		String id = UUID.randomUUID().toString();
		String operation = switch (level) {
			case SYSTEM -> "EXTENDED_OPERATION_SERVER";
			case PATIENT -> "EXTENDED_OPERATION_TYPE";
			case GROUP -> "EXTENDED_OPERATION_INSTANCE";
		};
		ExportRunner.CapturedCaller captured = new ExportRunner.CapturedCaller(caller,
				request.getServletRequest().getRemoteAddr(), request.getRequestId(), request.getFhirServerBase(), operation);
		try {
			jobs.create(id, caller.clientId(), caller.subject(), ExportRunner.JSON.writeValueAsString(captured),
					ExportRunner.JSON.writeValueAsString(export), request.getCompleteUrl(), clock.instant());
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("Cannot record the export", e);
		}
		runner.wake();
		HttpServletResponse response = request.getServletResponse();
		response.setStatus(HttpServletResponse.SC_ACCEPTED);
		response.setHeader(Constants.HEADER_CONTENT_LOCATION, ExportStatusServlet.statusUrl(request.getFhirServerBase(), id));
		response.setContentLength(0);
	}

	private static void requireRespondAsync(ServletRequestDetails request) {
		String prefer = request.getHeader(Constants.HEADER_PREFER);
		if (prefer == null || !prefer.toLowerCase(java.util.Locale.ROOT).contains("respond-async")) {
			throw new InvalidRequestException("Bulk Data export runs asynchronously: send the header Prefer: respond-async");
		}
	}

	/** The parameters, from the query (GET) or a Parameters body (POST), each value separated at commas. */
	private Map<String, List<String>> parameters(ServletRequestDetails request) {
		Map<String, List<String>> found = new LinkedHashMap<>();
		if ("POST".equals(request.getServletRequest().getMethod()) && request.loadRequestContents().length > 0) {
			Parameters body = parametersBody(request);
			for (Parameters.ParametersParameterComponent parameter : body.getParameter()) {
				String value = parameter.getValue() instanceof Reference reference ? reference.getReference()
						: parameter.getValue() != null && parameter.getValue().isPrimitive() ? parameter.getValue().primitiveValue()
						: null;
				if (value == null) {
					throw new InvalidRequestException("Parameter " + parameter.getName() + " has no value Carnet can read");
				}
				add(found, parameter.getName(), value);
			}
		}
		request.getParameters().forEach((name, values) -> {
			for (String value : values) {
				add(found, name, value);
			}
		});
		return found;
	}

	private Parameters parametersBody(ServletRequestDetails request) {
		String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
		String body = new String(request.loadRequestContents(), StandardCharsets.UTF_8);
		try {
			var parser = contentType != null && contentType.contains("xml") ? fhirContext.newXmlParser() : fhirContext.newJsonParser();
			return parser.parseResource(Parameters.class, body);
		} catch (DataFormatException | ClassCastException e) {
			throw new InvalidRequestException("The body of a Bulk Data kick-off must be a Parameters resource: " + e.getMessage());
		}
	}

	private static void add(Map<String, List<String>> found, String name, String value) {
		if (NOT_SERVED.contains(name)) {
			throw new InvalidRequestException("Parameter " + name + " is not supported by this server");
		}
		if (!PARAMETERS.contains(name)) {
			throw new InvalidRequestException("Unknown parameter " + name + " for $export");
		}
		List<String> values = found.computeIfAbsent(name, key -> new ArrayList<>());
		if (SINGLE_VALUED.contains(name) && !values.isEmpty()) {
			throw new InvalidRequestException("Parameter " + name + " may be given once");
		}
		if (SINGLE_VALUED.contains(name)) {
			values.add(value.trim());
			return;
		}
		for (String part : value.split(",")) {
			if (part.isBlank()) {
				throw new InvalidRequestException("Parameter " + name + " has an empty value");
			}
			values.add(part.trim());
		}
	}

	private ExportRequest exportRequest(ExportRequest.Level level, String groupId, Map<String, List<String>> parameters,
			CarnetCaller caller) {
		String format = first(parameters, "_outputFormat");
		if (format != null && !OUTPUT_FORMATS.contains(format)) {
			throw new InvalidRequestException("_outputFormat " + format + " is not supported: use application/fhir+ndjson");
		}
		Instant now = clock.instant();
		Instant since = instant(parameters, "_since");
		Instant until = instant(parameters, "_until");
		if (since != null && since.isAfter(now)) {
			throw new InvalidRequestException("_since " + first(parameters, "_since") + " is in the future");
		}
		if (since != null && until != null && until.isBefore(since)) {
			throw new InvalidRequestException("_until is before _since");
		}
		List<String> types = types(parameters.getOrDefault("_type", List.of()), caller);
		Map<String, List<String>> filters = withinScopes(typeFilters(parameters.getOrDefault("_typeFilter", List.of()), types),
				types, caller);
		List<String> elements = parameters.getOrDefault("_elements", List.of());
		for (String element : elements) {
			if (!ELEMENT.matcher(element).matches()
					|| element.contains(".") && !types.contains(element.substring(0, element.indexOf('.')))) {
				throw new InvalidRequestException("_elements " + element + " is not an element of an exported type");
			}
		}
		List<String> patients = new ArrayList<>();
		for (String patient : parameters.getOrDefault("patient", List.of())) {
			if (level == ExportRequest.Level.SYSTEM) {
				throw new InvalidRequestException("patient is for Patient and Group exports, not the system-level export");
			}
			String id = patient.startsWith("Patient/") ? patient.substring("Patient/".length()) : null;
			if (id == null || !ID.matcher(id).matches()) {
				throw new InvalidRequestException("patient " + patient + " is not a reference to a Patient (Patient/id)");
			}
			patients.add(id);
		}
		return new ExportRequest(level, groupId, types, since == null ? null : since.toEpochMilli(),
				until == null ? null : until.toEpochMilli(), filters, elements, List.copyOf(new LinkedHashSet<>(patients)));
	}

	/**
	 * The types exported: those asked for ({@code _type}), else every type Carnet exports; each within the
	 * token's system scopes (a type asked for that they do not grant is refused; not asked, it is left out).
	 */
	private List<String> types(List<String> asked, CarnetCaller caller) {
		List<String> types = new ArrayList<>();
		for (String type : asked) {
			if (!exportableTypes.contains(type)) {
				throw new InvalidRequestException("_type " + type + " is not a type this server exports"
						+ (fhirContext.getResourceTypes().contains(type) ? "" : " (unknown resource type)"));
			}
			if (!granted(caller, type)) {
				throw new ForbiddenOperationException("The token's scopes do not grant read on " + type);
			}
			if (!types.contains(type)) {
				types.add(type);
			}
		}
		if (asked.isEmpty()) {
			exportableTypes.stream().sorted().filter(type -> granted(caller, type)).forEach(types::add);
		}
		if (types.isEmpty()) {
			throw new ForbiddenOperationException("The token's scopes grant read on no type this server exports");
		}
		return types;
	}

	private boolean granted(CarnetCaller caller, String type) {
		return grantedWhole(caller, type) || !scopeSearches(caller, type).isEmpty();
	}

	private static boolean grantedWhole(CarnetCaller caller, String type) {
		return exportScopes(caller, type).anyMatch(scope -> !scope.isConstrained());
	}

	private static java.util.stream.Stream<SmartScope> exportScopes(CarnetCaller caller, String type) {
		return caller.scopes().stream().filter(scope -> scope.context() == SmartScope.Context.SYSTEM
				&& scope.coversType(type) && scope.interactions().contains(SmartScope.Interaction.READ)
				&& scope.interactions().contains(SmartScope.Interaction.SEARCH));
	}

	/**
	 * The searches of the v2 scopes that grant a type only under a query constraint
	 * ({@code system/Observation.rs?category=laboratory}): a resource of that type is exported only if it
	 * matches one of them. A constraint that is not a valid search of the type grants nothing.
	 */
	private List<String> scopeSearches(CarnetCaller caller, String type) {
		List<String> searches = new ArrayList<>();
		exportScopes(caller, type).filter(SmartScope::isConstrained).forEach(scope -> {
			StringBuilder query = new StringBuilder();
			scope.constraints().forEach((name, values) -> values.forEach(value -> query.append(query.isEmpty() ? "" : "&")
					.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
					.append(URLEncoder.encode(value, StandardCharsets.UTF_8))));
			try {
				matchUrls.translateMatchUrl(type + "?" + query, fhirContext.getResourceDefinition(type));
				searches.add(query.toString());
			} catch (BaseServerResponseException | IllegalArgumentException | DataFormatException unusable) {
				// Not a search of this type: the scope grants nothing here.
			}
		});
		return searches;
	}

	/**
	 * The filters of each type, narrowed to what the token's constrained scopes grant where no scope
	 * grants the type whole: each of the client's filters joined with each scope's search (a resource
	 * must match both), or the scopes' searches alone.
	 */
	private Map<String, List<String>> withinScopes(Map<String, List<String>> filters, List<String> types, CarnetCaller caller) {
		Map<String, List<String>> narrowed = new LinkedHashMap<>(filters);
		for (String type : types) {
			if (grantedWhole(caller, type)) {
				continue;
			}
			List<String> scopeSearches = scopeSearches(caller, type);
			List<String> combined = new ArrayList<>();
			for (String filter : filters.getOrDefault(type, List.of(""))) {
				scopeSearches.forEach(search -> combined.add(filter.isEmpty() ? search : filter + "&" + search));
			}
			narrowed.put(type, combined);
		}
		return narrowed;
	}

	private Map<String, List<String>> typeFilters(List<String> filters, List<String> types) {
		Map<String, List<String>> byType = new LinkedHashMap<>();
		for (String filter : filters) {
			int question = filter.indexOf('?');
			String type = question < 0 ? filter : filter.substring(0, question);
			String query = question < 0 ? "" : filter.substring(question + 1);
			if (!types.contains(type)) {
				throw new InvalidRequestException("_typeFilter " + filter + " names a type that is not exported");
			}
			if (query.isBlank()) {
				throw new InvalidRequestException("_typeFilter " + filter + " has no search");
			}
			RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
			for (String pair : query.split("&")) {
				String name = pair.split("=", 2)[0];
				if (NOT_FILTERS.contains(name.contains(":") ? name.substring(0, name.indexOf(':')) : name)) {
					throw new InvalidRequestException("_typeFilter " + filter + ": " + name + " does not select resources");
				}
			}
			try {
				matchUrls.translateMatchUrl(type + "?" + query, definition);
			} catch (BaseServerResponseException | IllegalArgumentException | DataFormatException e) {
				throw new InvalidRequestException("_typeFilter " + filter + " is not a valid search: " + e.getMessage());
			}
			byType.computeIfAbsent(type, key -> new ArrayList<>()).add(query);
		}
		return byType;
	}

	private static String first(Map<String, List<String>> parameters, String name) {
		List<String> values = parameters.get(name);
		return values == null || values.isEmpty() ? null : values.get(0);
	}

	private static Instant instant(Map<String, List<String>> parameters, String name) {
		String value = first(parameters, name);
		if (value == null) {
			return null;
		}
		try {
			DateTimeType parsed = new DateTimeType(value);
			if (parsed.getValue() == null) {
				throw new DataFormatException("empty");
			}
			return parsed.getValue().toInstant();
		} catch (DataFormatException | IllegalArgumentException e) {
			throw new InvalidRequestException(name + " " + value + " is not a FHIR instant (such as 2026-01-31T12:00:00Z)");
		}
	}

	private static BaseServerResponseException tooMany() {
		BaseServerResponseException refusal = new BaseServerResponseException(429,
				"This client already has exports running: wait for one to finish") {};
		refusal.addResponseHeader(Constants.HEADER_RETRY_AFTER, "5");
		return refusal;
	}
}
