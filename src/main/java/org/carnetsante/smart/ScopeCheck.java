package org.carnetsante.smart;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.carnetsante.smart.SmartScope.Interaction;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Step 1 of the request path: the token's SMART scopes must grant the resource type and interaction
 * of the request (of every entry of a transaction or batch, and the types an {@code _include} or
 * {@code _revinclude} would add) before any query runs; otherwise 403, whether or not the data exists.
 *
 * <p>A v2 scope with query constraints ({@code patient/Observation.rs?category=…|laboratory}) grants
 * a search only when the search carries the same parameter values; it never grants a plain read,
 * which cannot be checked before the resource is loaded.
 */
@Interceptor
public class ScopeCheck {

	/** Operations that change what is stored, and so need the update permission. */
	private static final Set<String> WRITING_OPERATIONS = Set.of("$meta-add", "$meta-delete", "$reindex",
			"$mark-read", "$remove-from-view", "$close", "$reopen", "$invite", "$end-invitation");
	/** A person's answer to the information notice, carried by a portal client: it writes a Patient (package space). */
	private static final Set<String> SPACE_BY_CODE_OPERATIONS = Set.of("$activate", "$oppose");
	/** Operations that create a resource of another type than the one they are called on: create on that type. */
	private static final Map<String, String> CREATING_OPERATIONS = Map.of("$file-attachment", "DocumentReference");
	/** Operations that return resources of every type, and so need read on every type. */
	private static final Set<String> EVERY_TYPE_OPERATIONS = Set.of("$everything");
	/** Bulk Data export: checked by the operation, type by type (org.carnetsante.export). */
	private static final String BULK_EXPORT = "$export";

	private final FhirContext fhirContext;

	public ScopeCheck(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void requireGrantingScope(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation == RestOperationTypeEnum.METADATA) {
			return;
		}
		CarnetCaller caller = CallerFromToken.current()
				.orElseThrow(() -> new AuthenticationException("A bearer token is required"));
		List<SmartScope> scopes = caller.scopes();
		String type = request.getResourceName();
		if (BULK_EXPORT.equals(request.getOperation())) {
			// Bulk Data export bounds the types it exports by the token's system scopes itself (a v2 scope's
			// query constraint becomes a filter of its type's export).
			if (scopes.stream().noneMatch(scope -> scope.interactions().contains(Interaction.READ))) {
				throw new ForbiddenOperationException("The token's scopes grant read on no resource type: nothing can be exported");
			}
			return;
		}
		switch (operation) {
			case READ, VREAD, HISTORY_INSTANCE -> require(scopes, type, Interaction.READ, Map.of());
			case SEARCH_TYPE -> {
				require(scopes, type, Interaction.SEARCH, request.getParameters());
				requireIncludedTypes(scopes, request.getParameters());
				requireSearchedTypes(caller, scopes, request.getParameters());
			}
			// History ignores search parameters, so a scope's query constraints cannot hold there.
			case HISTORY_TYPE -> require(scopes, type, Interaction.SEARCH, Map.of());
			case SEARCH_SYSTEM, HISTORY_SYSTEM -> require(scopes, SmartScope.ANY_TYPE, Interaction.SEARCH, Map.of());
			// A later page of a search: the search itself was checked; what the page holds is checked
			// on the way out (requireGrantedTypesInPage).
			case GET_PAGE -> requireAnySearch(scopes);
			case CREATE -> require(scopes, type, Interaction.CREATE, Map.of());
			case UPDATE, PATCH -> require(scopes, type, Interaction.UPDATE, Map.of());
			case DELETE -> require(scopes, type, Interaction.DELETE, Map.of());
			case TRANSACTION, BATCH -> requireEveryEntry(scopes, request);
			case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE -> {
				if (CREATING_OPERATIONS.containsKey(request.getOperation())) {
					require(scopes, type, Interaction.READ, Map.of());
					require(scopes, CREATING_OPERATIONS.get(request.getOperation()), Interaction.CREATE, Map.of());
					return;
				}
				require(
					scopes,
					EVERY_TYPE_OPERATIONS.contains(request.getOperation()) ? SmartScope.ANY_TYPE : type,
					WRITING_OPERATIONS.contains(request.getOperation()) ? Interaction.UPDATE : Interaction.READ,
					Map.of());
			}
			case EXTENDED_OPERATION_SERVER -> {
				if (SPACE_BY_CODE_OPERATIONS.contains(request.getOperation())) {
					require(scopes, "Patient", Interaction.UPDATE, Map.of());
				} else {
					require(scopes, SmartScope.ANY_TYPE, Interaction.READ, Map.of());
				}
			}
			default -> throw new ForbiddenOperationException(
					"The " + operation.getCode() + " interaction is not available to SMART clients");
		}
	}

	private void requireEveryEntry(List<SmartScope> scopes, RequestDetails request) {
		if (!(request.getResource() instanceof Bundle bundle)) {
			throw new ForbiddenOperationException("A transaction or batch must be a Bundle");
		}
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			Bundle.HTTPVerb method = entry.getRequest().getMethod();
			String url = entry.getRequest().getUrl();
			if (method == null || url == null || url.isBlank()) {
				continue; // HAPI refuses such entries itself
			}
			String type = url.replaceFirst("^/", "").split("[/?]")[0];
			Interaction interaction = switch (method) {
				case POST -> Interaction.CREATE;
				case PUT, PATCH -> Interaction.UPDATE;
				case DELETE -> Interaction.DELETE;
				case GET, HEAD -> url.contains("?") || !url.contains("/") ? Interaction.SEARCH : Interaction.READ;
				default -> Interaction.READ;
			};
			require(scopes, type, interaction, Map.of());
		}
	}

	/** Every resource in a later page of results must be of a type the token may search or read. */
	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public void requireGrantedTypesInPage(RequestDetails request, org.hl7.fhir.instance.model.api.IBaseResource response) {
		if (request.getRestOperationType() != RestOperationTypeEnum.GET_PAGE || !(response instanceof Bundle page)) {
			return;
		}
		List<SmartScope> scopes = CallerFromToken.current().map(CarnetCaller::scopes).orElse(List.of());
		for (Bundle.BundleEntryComponent entry : page.getEntry()) {
			if (entry.getResource() != null) {
				require(scopes, entry.getResource().fhirType(), Interaction.SEARCH, Map.of());
			}
		}
	}

	/**
	 * Search parameters that reach into other types reveal them too: {@code _has:Type:…} and typed
	 * chains ({@code subject:Patient.name}) need search on that type, untyped chains
	 * ({@code subject.name}) on every type.
	 */
	private void requireSearchedTypes(CarnetCaller caller, List<SmartScope> scopes, Map<String, String[]> parameters) {
		for (String name : parameters.keySet()) {
			boolean reachesOut = name.startsWith("_has:") || (!name.startsWith("_") && name.contains("."));
			if (reachesOut && caller.patient() != null) {
				// Narrowing confines the searched resources, not the ones a chain or _has looks at.
				throw new ForbiddenOperationException("Chained and _has parameters are not available to patient tokens");
			}
			if (name.startsWith("_has:")) {
				String[] parts = name.split(":");
				require(scopes, parts.length > 1 ? parts[1] : SmartScope.ANY_TYPE, Interaction.SEARCH, Map.of());
			} else if (!name.startsWith("_") && name.contains(".")) {
				String reference = name.substring(0, name.indexOf('.'));
				int typed = reference.indexOf(':');
				String target = typed > 0 ? reference.substring(typed + 1) : "";
				require(scopes, target.matches("[A-Z][A-Za-z]+") ? target : SmartScope.ANY_TYPE, Interaction.SEARCH, Map.of());
			}
		}
	}

	private void requireAnySearch(List<SmartScope> scopes) {
		if (scopes.stream().noneMatch(scope -> scope.interactions().contains(Interaction.SEARCH))) {
			throw new ForbiddenOperationException("The token's scopes do not grant any search");
		}
	}

	/** {@code _include=Source:param:Target} adds Target; {@code _revinclude=Source:param} adds Source. */
	private void requireIncludedTypes(List<SmartScope> scopes, Map<String, String[]> parameters) {
		for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
			String name = parameter.getKey();
			// Every modifier (:iterate, :recurse…) adds types just the same.
			if (!name.startsWith("_include") && !name.startsWith("_revinclude")) {
				continue;
			}
			for (String value : parameter.getValue()) {
				String[] parts = value.split(":");
				boolean reverse = name.startsWith("_revinclude");
				String added = reverse ? parts[0] : (parts.length >= 3 ? parts[2] : SmartScope.ANY_TYPE);
				require(scopes, added, Interaction.READ, Map.of());
			}
		}
	}

	private void require(List<SmartScope> scopes, String type, Interaction interaction, Map<String, String[]> search) {
		for (SmartScope scope : scopes) {
			if (scope.coversType(type) && scope.interactions().contains(interaction)
					&& (!scope.isConstrained() || (interaction == Interaction.SEARCH && satisfies(scope, search)))) {
				return;
			}
		}
		String what = SmartScope.ANY_TYPE.equals(type) ? "every resource type" : type;
		throw new ForbiddenOperationException(
				"The token's scopes do not grant " + interaction.name().toLowerCase(java.util.Locale.ROOT) + " on " + what);
	}

	/** Every constraint of the scope must be one of the search's values for that parameter. */
	private static boolean satisfies(SmartScope scope, Map<String, String[]> search) {
		for (Map.Entry<String, List<String>> constraint : scope.constraints().entrySet()) {
			String[] values = search.get(constraint.getKey());
			if (values == null || values.length != 1 || !constraint.getValue().contains(values[0])) {
				return false;
			}
		}
		return true;
	}
}
