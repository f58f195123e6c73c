package org.carnetsante.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.patch.FhirPatch;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;

/**
 * The shape of a FHIRPath Patch (FHIR R4 fhirpatch.html), checked before HAPI applies it: HAPI trusts
 * the parts an operation needs, and an {@code add} without {@code name} was a NullPointerException,
 * a 500. Every parameter is an {@code operation} whose parts are those of its type, each once:
 * <pre>
 * type   add     path name value        type insert  path value index
 * type   delete  path                   type move    path source destination
 * type   replace path value
 * </pre>
 * {@code name} is an element name, {@code index}, {@code source}, {@code destination} non-negative
 * integers, a {@code value} a FHIR value or parts; the paths must parse as FHIRPath (HAPI's own
 * validation). 400 naming the part, e.g. {@code Parameters.parameter[1].part[2]}. Checked for PATCH
 * requests here, and for PATCH entries of batches and transactions by {@link TransactionBundleShape}.
 */
@Interceptor
public class FhirPathPatchShape {

	private static final Map<String, Set<String>> PARTS = Map.of(
			"add", Set.of("type", "path", "name", "value"),
			"insert", Set.of("type", "path", "value", "index"),
			"delete", Set.of("type", "path"),
			"replace", Set.of("type", "path", "value"),
			"move", Set.of("type", "path", "source", "destination"));
	private static final Set<String> INTEGER_PARTS = Set.of("index", "source", "destination");
	private static final Pattern ELEMENT_NAME = Pattern.compile("[a-z][A-Za-z0-9]*");

	private final FhirContext fhirContext;

	public FhirPathPatchShape(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = TransactionBundleShape.HOOK_ORDER)
	public void checkPatch(RequestDetails request) {
		if (request.getRequestType() == RequestTypeEnum.PATCH && request.getResource() instanceof Parameters patch) {
			check(patch, "Parameters");
		}
	}

	/** Refuses {@code patch} (400) if it is not a FHIRPath Patch; {@code at} is where it stands. */
	void check(Parameters patch, String at) {
		List<ParametersParameterComponent> operations = patch.getParameter();
		for (int i = 0; i < operations.size(); i++) {
			ParametersParameterComponent operation = operations.get(i);
			String where = at + ".parameter[" + i + "]";
			if (!"operation".equals(operation.getName()) || operation.hasValue() || operation.hasResource()) {
				throw refusal(where, "Each parameter of a FHIRPath Patch is an operation made of parts");
			}
			checkOperation(operation.getPart(), where);
		}
		List<String> errors = new FhirPatch(fhirContext).validate(patch).getErrors();
		if (!errors.isEmpty()) {
			throw refusal(at, "Not a FHIRPath Patch: " + String.join("; ", errors));
		}
	}

	private static void checkOperation(List<ParametersParameterComponent> parts, String where) {
		String type = parts.stream().filter(part -> "type".equals(part.getName()) && part.hasValue())
				.map(part -> part.getValue().primitiveValue()).findFirst().orElse(null);
		Set<String> expected = type == null ? null : PARTS.get(type);
		if (expected == null) {
			throw refusal(where, "An operation has a type: add, insert, delete, replace or move");
		}
		for (String name : expected) {
			if (parts.stream().filter(part -> name.equals(part.getName())).count() != 1) {
				throw refusal(where, "A " + type + " operation has one " + name + " part (it has its parts "
						+ String.join(", ", expected.stream().sorted().toList()) + ")");
			}
		}
		for (int j = 0; j < parts.size(); j++) {
			ParametersParameterComponent part = parts.get(j);
			String partWhere = where + ".part[" + j + "]";
			if (!expected.contains(part.getName())) {
				throw refusal(partWhere, "A " + type + " operation has no " + part.getName() + " part");
			}
			checkPart(part, partWhere);
		}
	}

	private static void checkPart(ParametersParameterComponent part, String where) {
		switch (part.getName()) {
			case "type", "path" -> {
				if (!part.hasValue() || !part.getValue().isPrimitive() || part.getValue().primitiveValue() == null) {
					throw refusal(where, "The " + part.getName() + " part has a value");
				}
			}
			case "name" -> {
				if (!(part.getValue() instanceof StringType name) || name.getValue() == null
						|| !ELEMENT_NAME.matcher(name.getValue()).matches()) {
					throw refusal(where, "The name part is the name of an element (valueString)");
				}
			}
			case "value" -> {
				if (part.hasValue() == part.hasPart() || part.hasResource()) {
					throw refusal(where, "The value part has a value[x], or parts for a complex value");
				}
			}
			default -> {
				if (INTEGER_PARTS.contains(part.getName())
						&& (!(part.getValue() instanceof IntegerType index) || index.getValue() == null || index.getValue() < 0)) {
					throw refusal(where, "The " + part.getName() + " part is a non-negative valueInteger");
				}
			}
		}
	}

	private static ca.uhn.fhir.rest.server.exceptions.InvalidRequestException refusal(String at, String problem) {
		return OperationOutcomes.invalid(OperationOutcome.IssueType.INVALID, at, at + ": " + problem);
	}
}
