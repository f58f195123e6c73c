package org.carnetsante.smart;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMART resource scope, v1 ({@code patient/Observation.read}) or v2
 * ({@code patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory}),
 * reduced to what it grants: a context, a resource type (or every type) and interactions, optionally
 * only for searches carrying given parameter values.
 *
 * <p>SMART App Launch 2.x §3 (scopes and launch context): v1 {@code read} = v2 {@code rs}, v1
 * {@code write} = v2 {@code cud}, v1 {@code *} = v2 {@code cruds}.
 */
public record SmartScope(
		Context context, String resourceType, Set<Interaction> interactions, Map<String, List<String>> constraints) {

	public enum Context {
		PATIENT,
		USER,
		SYSTEM
	}

	public enum Interaction {
		CREATE('c'),
		READ('r'),
		UPDATE('u'),
		DELETE('d'),
		SEARCH('s');

		private final char letter;

		Interaction(char letter) {
			this.letter = letter;
		}
	}

	public static final String ANY_TYPE = "*";

	private static final Pattern SCOPE = Pattern.compile(
			"(patient|user|system)/([A-Z][A-Za-z]+|\\*)\\.(read|write|\\*|c?r?u?d?s?)(\\?(.+))?");

	/**
	 * Parses a scope; empty for scopes that grant no resource access (openid, launch/patient…) and for
	 * malformed ones: a scope that cannot be read exactly grants nothing.
	 */
	public static Optional<SmartScope> parse(String scope) {
		Matcher matcher = SCOPE.matcher(scope);
		if (!matcher.matches() || matcher.group(3).isEmpty()) {
			return Optional.empty();
		}
		Context context = Context.valueOf(matcher.group(1).toUpperCase(java.util.Locale.ROOT));
		Set<Interaction> interactions = interactions(matcher.group(3));
		if (matcher.group(5) != null && (matcher.group(3).equals("read") || matcher.group(3).equals("write")
				|| matcher.group(3).equals("*"))) {
			return Optional.empty(); // query constraints exist only in v2 syntax
		}
		Optional<Map<String, List<String>>> constraints = constraints(matcher.group(5));
		// A constraint that cannot be read grants nothing, rather than the whole type without it.
		return constraints.map(read -> new SmartScope(context, matcher.group(2), interactions, read));
	}

	private static Set<Interaction> interactions(String permissions) {
		return switch (permissions) {
			case "read" -> EnumSet.of(Interaction.READ, Interaction.SEARCH);
			case "write" -> EnumSet.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE);
			case "*" -> EnumSet.allOf(Interaction.class);
			default -> {
				Set<Interaction> granted = EnumSet.noneOf(Interaction.class);
				for (Interaction interaction : Interaction.values()) {
					if (permissions.indexOf(interaction.letter) >= 0) {
						granted.add(interaction);
					}
				}
				yield granted;
			}
		};
	}

	/**
	 * The {@code name=value} pairs of a v2 query constraint; empty when one of them is not such a pair
	 * (no name, no {@code =}, an empty value, a broken percent escape).
	 */
	private static Optional<Map<String, List<String>>> constraints(String query) {
		Map<String, List<String>> constraints = new LinkedHashMap<>();
		if (query == null) {
			return Optional.of(constraints);
		}
		for (String pair : query.split("&", -1)) {
			int equals = pair.indexOf('=');
			if (equals <= 0 || equals == pair.length() - 1) {
				return Optional.empty();
			}
			try {
				String name = URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8);
				String value = URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
				constraints.computeIfAbsent(name, key -> new java.util.ArrayList<>()).add(value);
			} catch (IllegalArgumentException e) {
				return Optional.empty();
			}
		}
		return Optional.of(constraints);
	}

	/**
	 * Every permission a resource scope may carry, as {@link #parse} reads them: the v1 words
	 * ({@code read}, {@code write}, {@code *}) and each non-empty v2 set of {@code c r u d s}, in that
	 * order.
	 */
	public static List<String> permissionForms() {
		List<String> forms = new java.util.ArrayList<>(List.of("read", "write", "*"));
		Interaction[] letters = Interaction.values();
		for (int subset = (1 << letters.length) - 1; subset > 0; subset--) {
			StringBuilder form = new StringBuilder();
			for (int i = 0; i < letters.length; i++) {
				if ((subset & (1 << (letters.length - 1 - i))) != 0) {
					form.append(letters[i].letter);
				}
			}
			forms.add(form.toString());
		}
		return List.copyOf(forms);
	}

	/** The scope's context as it is written ({@code patient}, {@code user}, {@code system}). */
	public static String prefixOf(Context context) {
		return context.name().toLowerCase(java.util.Locale.ROOT);
	}

	public boolean coversType(String type) {
		return ANY_TYPE.equals(resourceType) || resourceType.equals(type);
	}

	public boolean isConstrained() {
		return !constraints.isEmpty();
	}
}
