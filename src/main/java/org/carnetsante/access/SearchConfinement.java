package org.carnetsante.access;

import java.util.TreeSet;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Searches by callers whose searches are not narrowed to one space beforehand (professionals,
 * organizations) must name the patient, as MHD's ITI-67 already requires: their results are checked
 * one by one, and a search over every space would fish through millions of resources to show a few.
 * Parameters that filter through other resources' content ({@code _has}, chains other than to the
 * patient's identifier) are refused, since they would reveal what the policy hides.
 */
public class SearchConfinement {

	private static final String PATIENT = "Patient";

	private final FhirContext fhirContext;
	private final Set<String> directoryTypes;

	public SearchConfinement(FhirContext fhirContext, Set<String> directoryTypes) {
		this.fhirContext = fhirContext;
		this.directoryTypes = Set.copyOf(directoryTypes);
	}

	/**
	 * A professional's or organization's own subscription (to the messages sent to them) is created, read, changed
	 * and deleted by its id, each judged by the policy (another's answers as absent); never searched.
	 */
	private static boolean ownSubscriptionById(String type, RestOperationTypeEnum operation) {
		return "Subscription".equals(type) && operation != null && switch (operation) {
			case CREATE, READ, VREAD, UPDATE, DELETE -> true;
			default -> false;
		};
	}

	/** Refuses (403 or 400) what the actor may not ask at all, before any query runs. */
	public void check(Actor actor, boolean narrowedToItsSpace, RequestDetails request) {
		RestOperationTypeEnum operation = request.getRestOperationType();
		String type = request.getResourceName();
		boolean careSide = actor.role().isCareSide();
		if (careSide && type != null && AccessPolicy.PATIENTS_OWN.contains(type) && !ownSubscriptionById(type, operation)) {
			throw new ForbiddenOperationException(type + " resources are the patient's own: professionals and "
					+ "organizations do not read them");
		}
		if (actor.role() == Actor.Role.DELEGATE && type != null && AccessPolicy.PATIENTS_OWN.contains(type)) {
			throw new ForbiddenOperationException(type + " resources are the patient's and their legal "
					+ "representatives': a delegation does not open them");
		}
		if (narrowedToItsSpace || operation == null) {
			return;
		}
		switch (operation) {
			case SEARCH_SYSTEM -> throw new ForbiddenOperationException(
					"Searches across resource types are not available here: search one type in one patient's space");
			case SEARCH_TYPE -> requireOneSpace(actor, type, request);
			case EXTENDED_OPERATION_TYPE -> {
				if ("$everything".equals(request.getOperation())) {
					throw new InvalidRequestException("$everything must name the patient: Patient/[id]/$everything");
				}
			}
			default -> {
				// reads, histories, pages and writes are checked resource by resource
			}
		}
	}

	private void requireOneSpace(Actor actor, String type, RequestDetails request) {
		if (type == null || directoryTypes.contains(type)) {
			return;
		}
		RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
		Set<String> spaceParameters = spaceParameters(definition);
		boolean confined = request.getId() != null && request.getId().hasIdPart(); // Patient/[id]/[type]
		for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
			String name = parameter.getKey();
			if (name.startsWith("_has")) {
				throw new InvalidRequestException("_has is not available here: it filters through resources the "
						+ "access policy may hide");
			}
			String base = name.split("[:.]")[0];
			if (name.contains(".") && !name.startsWith("_")) {
				String chainedTo = name.substring(name.indexOf('.') + 1);
				if (!spaceParameters.contains(base) || !"identifier".equals(chainedTo)) {
					throw new InvalidRequestException("Chained parameter " + name + " is not available here: only the "
							+ "patient's identifier may be chained (for example patient.identifier=system|value)");
				}
			}
			if (parameter.getValue() != null && (namesResourcesExactly(type, name, spaceParameters, parameter.getValue())
					|| namesTheCallersOwn(actor, type, name, parameter.getValue()))) {
				confined = true;
			}
		}
		if (!confined) {
			TreeSet<String> naming = new TreeSet<>(spaceParameters);
			naming.add("_id");
			if (PATIENT.equals(type)) {
				naming.add("identifier");
			}
			throw new InvalidRequestException("A search of " + type + " must name the patient's space, with one of: "
					+ String.join(", ", naming) + " (plain values: no modifier such as :not or :missing, no empty or partial value)"
					+ (OWN_BY_REFERENCE.containsKey(type) ? "; or, for your own, one of " + String.join(", ",
							new TreeSet<>(OWN_BY_REFERENCE.get(type))) + ", " + String.join(", ", new TreeSet<>(OWN_BY_IDENTIFIER.get(type)))
							+ " naming you" : ""));
		}
	}

	/**
	 * Whether a parameter names the space (or resources) exactly: a patient reference, an identifier with
	 * its value, an id — without a modifier that widens it ({@code :not}, {@code :missing}, {@code :above}…)
	 * and without an empty or system-only value, each of which would match across spaces.
	 */
	private static boolean namesResourcesExactly(String type, String name, Set<String> spaceParameters, String[] values) {
		String base = name.split("[:.]")[0];
		String modifier = name.contains(":") ? name.substring(name.indexOf(':') + 1).split("\\.")[0] : null;
		String chain = name.contains(".") ? name.substring(name.indexOf('.') + 1) : null;
		boolean patientReference = spaceParameters.contains(base) && !"_id".equals(base);
		if (patientReference && (modifier == null || PATIENT.equals(modifier))) {
			boolean typed = PATIENT.equals(modifier) || "patient".equals(base);
			return allValues(values, value -> "identifier".equals(chain) ? IDENTIFIER.matcher(value).matches()
					: chain == null && (PATIENT_REFERENCE.matcher(value).matches() || (typed && ID.matcher(value).matches())));
		}
		if ("_id".equals(base) && modifier == null && chain == null) {
			return allValues(values, value -> ID.matcher(value).matches());
		}
		if (PATIENT.equals(type) && "identifier".equals(base) && modifier == null && chain == null) {
			return allValues(values, value -> IDENTIFIER.matcher(value).matches());
		}
		return false;
	}

	/** Per type, the reference parameters that may name the caller itself to search its own resources. */
	private static final Map<String, Set<String>> OWN_BY_REFERENCE = Map.of(
			"Communication", Set.of("sender", "recipient"),
			"Appointment", Set.of("actor", "practitioner"));
	/** Per type, the token parameters (Carnet's, ig/) that may name the caller's national identifier. */
	private static final Map<String, Set<String>> OWN_BY_IDENTIFIER = Map.of(
			"Communication", Set.of("sender-identifier", "recipient-identifier"),
			"Appointment", Set.of("actor-identifier"));

	/**
	 * A professional's or organization's own messages or appointments across spaces:
	 * {@code Communication?recipient=} or {@code sender=}, {@code Appointment?actor=} or {@code practitioner=}
	 * naming the caller itself, or {@code recipient-identifier}, {@code sender-identifier},
	 * {@code actor-identifier} naming its national id. The query then reads only their own, each match still
	 * judged by the policy.
	 */
	private static boolean namesTheCallersOwn(Actor actor, String type, String name, String[] values) {
		if (OWN_BY_REFERENCE.getOrDefault(type, Set.of()).contains(name)) {
			return allValues(values, value -> actor.keys().contains(value));
		}
		if (OWN_BY_IDENTIFIER.getOrDefault(type, Set.of()).contains(name)) {
			return allValues(values, value -> {
				int bar = value.indexOf('|');
				return bar > 0 && ActorKeys.keyOf(new org.hl7.fhir.r4.model.Identifier()
						.setSystem(value.substring(0, bar)).setValue(value.substring(bar + 1)))
						.filter(actor.keys()::contains).isPresent();
			});
		}
		return false;
	}

	private static boolean allValues(String[] values, java.util.function.Predicate<String> exact) {
		boolean any = false;
		for (String value : values) {
			for (String one : value.split(",", -1)) {
				if (!exact.test(one.trim())) {
					return false;
				}
				any = true;
			}
		}
		return any;
	}

	private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
	private static final java.util.regex.Pattern PATIENT_REFERENCE = java.util.regex.Pattern.compile("Patient/[A-Za-z0-9\\-.]{1,64}");
	/** A token with its value: {@code system|value} or {@code value}, never {@code system|} nor {@code |}. */
	private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("([^|]*\\|)?[^|]+");

	/** The parameters that place a resource of this type in a patient's space (its compartment ones). */
	private static Set<String> spaceParameters(RuntimeResourceDefinition definition) {
		Set<String> names = new HashSet<>();
		for (RuntimeSearchParam parameter : definition.getSearchParamsForCompartmentName(PATIENT)) {
			names.add(parameter.getName());
		}
		if (definition.getSearchParam("patient") != null) {
			names.add("patient");
		}
		if (PATIENT.equals(definition.getName())) {
			names.add("_id");
		}
		return names;
	}
}
