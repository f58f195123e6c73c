package org.carnetsante.fhir;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Whether every value of a resource can be stored, indexed and sent back: its strings by
 * {@link FhirText}, its decimals within {@link DecimalBounds}, its conditional references
 * ({@code Patient?identifier=…}, which HAPI resolves by a search when it stores the resource) naming
 * a resource type and a well-formed query ({@link SearchValueSyntax}; HAPI failed with a server error on
 * {@code ?identifier=…}).
 * It walks every element (contained resources and Bundle entries included) and names the first
 * offending one as a FHIRPath expression ({@code Bundle.entry[2].resource.name[0].family}).
 */
final class StorableValues {

	private final DecimalBounds decimals;
	private final Set<String> resourceTypes;
	private final int maxSearchValues;
	private final SearchValueSyntax searchValues;

	StorableValues(DecimalBounds decimals, Set<String> resourceTypes, int maxSearchValues, SearchValueSyntax searchValues) {
		this.decimals = decimals;
		this.resourceTypes = resourceTypes;
		this.maxSearchValues = maxSearchValues;
		this.searchValues = searchValues;
	}

	/** The first value that cannot be kept, or empty. */
	Optional<Refusal> firstProblem(Resource resource) {
		return walk(resource, resource.fhirType());
	}

	/** An offending element and what is wrong with it. */
	record Refusal(String expression, String problem) {

		String diagnostics() {
			return expression + " " + problem;
		}
	}

	private Optional<Refusal> walk(Base element, String path) {
		if (element instanceof Base64BinaryType) {
			return Optional.empty(); // bytes, decoded from base64: no text to judge
		}
		if (element instanceof DecimalType decimal && decimal.getValue() != null) {
			Optional<String> problem = decimals.problem(decimal.getValue());
			if (problem.isPresent()) {
				return Optional.of(new Refusal(path, problem.get()));
			}
		} else if (element instanceof PrimitiveType<?> primitive && primitive.hasValue()) {
			Optional<String> problem = FhirText.problem(primitive.getValueAsString());
			if (problem.isPresent()) {
				return Optional.of(new Refusal(path, problem.get()));
			}
		} else if (element instanceof Narrative narrative && narrative.hasDiv()) {
			Optional<String> problem = FhirText.problem(narrative.getDivAsString());
			if (problem.isPresent()) {
				return Optional.of(new Refusal(path + ".div", problem.get()));
			}
		} else if (element instanceof Reference reference && reference.hasReference()
				&& reference.getReference().indexOf('?') >= 0) {
			Optional<String> problem = conditionalReferenceProblem(reference.getReference());
			if (problem.isPresent()) {
				return Optional.of(new Refusal(path + ".reference", problem.get()));
			}
		}
		for (Property property : element.children()) {
			if (!property.hasValues()) {
				continue;
			}
			List<Base> values = property.getValues();
			for (int i = 0; i < values.size(); i++) {
				Base value = values.get(i);
				if (value == null) {
					continue;
				}
				Optional<Refusal> refusal = walk(value, childPath(path, property, value, i));
				if (refusal.isPresent()) {
					return refusal;
				}
			}
		}
		return Optional.empty();
	}

	private Optional<String> conditionalReferenceProblem(String reference) {
		int questionMark = reference.indexOf('?');
		String type = reference.substring(0, questionMark);
		if (!resourceTypes.contains(type)) {
			return Optional.of("is a conditional reference: it names the resource type it searches (Patient?identifier=…),"
					+ " not '" + FhirText.shown(type) + "'");
		}
		String query = reference.substring(questionMark + 1);
		try {
			QueryStringInspector.check(query, "is a conditional reference whose query", maxSearchValues);
		} catch (ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refused) {
			return Optional.of(refused.getMessage());
		}
		return searchValues.problem(type, query).map(problem -> "is a conditional reference in whose search " + problem);
	}

	private static String childPath(String path, Property property, Base value, int index) {
		String name = property.getName();
		if (name.endsWith("[x]")) {
			String type = value.fhirType();
			name = name.substring(0, name.length() - 3) + Character.toUpperCase(type.charAt(0)) + type.substring(1);
		}
		return path + "." + name + (property.getMaxCardinality() > 1 ? "[" + index + "]" : "");
	}
}
