package org.carnetsante.smart;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a scope lets an app do, in plain words for the person approving it (SMART App Launch 2.x §3:
 * the user is shown the scopes and may refuse some). The phrase is built from the parsed scope
 * ({@link SmartScope}), so v1 ({@code .read}, {@code .write}, {@code .*}) and v2 ({@code .rs},
 * {@code .cruds} and every subset, with or without a query constraint) forms, and wildcards, all say
 * what they grant: the actions ("see", "add", "change", "delete") of the interactions, then what they
 * apply to (the resource type's plain name, or "everything"). Scopes that grant no resource access
 * ({@code openid}, {@code fhirUser}, {@code launch/patient}, {@code offline_access}…) have a phrase of
 * their own; a scope with none is shown as it was written, never hidden.
 */
class ScopeWording {

	/** A scope and what it means; {@code plain} is false when only the raw scope could be shown. */
	record Phrase(String scope, String text, boolean plain) {}

	/**
	 * The order scopes are listed in: who you are, which space, what the app may do there, how long it
	 * stays connected, then anything else (a stable sort: the request's order is kept within each group).
	 */
	static final java.util.Comparator<String> READING_ORDER = java.util.Comparator.comparingInt(ScopeWording::rank);

	private ScopeWording() {}

	private static int rank(String scope) {
		if ("openid".equals(scope) || "fhirUser".equals(scope) || "profile".equals(scope)) {
			return 0;
		}
		if (scope.startsWith("launch")) {
			return 1;
		}
		if (SmartScope.parse(scope).isPresent()) {
			return 2;
		}
		return scope.endsWith("_access") ? 3 : 4;
	}

	static Phrase of(String scope, PatientPageText.Words words) {
		String own = words.find("scope.named." + scope);
		if (own != null) {
			return new Phrase(scope, own, true);
		}
		return SmartScope.parse(scope)
				.map(parsed -> new Phrase(scope, resourcePhrase(parsed, words), true))
				.orElseGet(() -> new Phrase(scope, scope, false));
	}

	private static String resourcePhrase(SmartScope scope, PatientPageText.Words words) {
		String what = SmartScope.ANY_TYPE.equals(scope.resourceType())
				? words.get("resource.any")
				: orRaw(words.find("resource." + scope.resourceType()), words.get("resource.other", scope.resourceType()));
		String phrase = words.get("scope.resource", words.enumeration(actions(scope.interactions(), words)), what);
		if (scope.context() == SmartScope.Context.USER) {
			phrase = words.get("scope.context.user", phrase);
		}
		if (scope.isConstrained()) {
			phrase = words.get("scope.constrained", phrase, constraints(scope.constraints()));
		}
		return phrase;
	}

	/** Reading and searching are one thing to a person: seeing. */
	private static List<String> actions(Set<SmartScope.Interaction> interactions, PatientPageText.Words words) {
		List<String> actions = new ArrayList<>();
		if (interactions.contains(SmartScope.Interaction.READ) || interactions.contains(SmartScope.Interaction.SEARCH)) {
			actions.add(words.get("action.see"));
		}
		if (interactions.contains(SmartScope.Interaction.CREATE)) {
			actions.add(words.get("action.add"));
		}
		if (interactions.contains(SmartScope.Interaction.UPDATE)) {
			actions.add(words.get("action.change"));
		}
		if (interactions.contains(SmartScope.Interaction.DELETE)) {
			actions.add(words.get("action.delete"));
		}
		return actions;
	}

	private static String constraints(Map<String, List<String>> constraints) {
		List<String> pairs = new ArrayList<>();
		constraints.forEach((name, values) -> values.forEach(value -> pairs.add(name + "=" + value)));
		return String.join(", ", pairs);
	}

	private static String orRaw(String found, String otherwise) {
		return found == null ? otherwise : found;
	}
}
