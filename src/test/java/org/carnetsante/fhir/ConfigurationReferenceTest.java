package org.carnetsante.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The configuration reference stays whole: every {@code carnet.*} key of application.yaml is named in
 * docs/configuration.md, either itself or through a documented group ({@code carnet.db.pool.*}). An
 * operator reads that page, not the YAML, so a key added without a line there is a key nobody can find.
 */
class ConfigurationReferenceTest {

	private static final Path REFERENCE = Path.of("docs/configuration.md");
	private static final Pattern CODE = Pattern.compile("`([^`]+)`");

	@Test
	void everyCarnetKeyOfApplicationYamlIsDocumentedInTheConfigurationReference() throws IOException {
		String reference = Files.readString(REFERENCE);
		List<String> keys = new ArrayList<>();
		try (InputStream yaml = getClass().getResourceAsStream("/application.yaml")) {
			Map<String, Object> root = new Yaml().load(yaml);
			collectLeafKeys("carnet", root.get("carnet"), keys);
		}
		assertThat(keys).hasSizeGreaterThan(100);
		assertThat(keys).allSatisfy(key -> assertThat(isDocumented(key, reference))
				.as("%s is named in %s (itself or as a group `prefix.*`)", key, REFERENCE)
				.isTrue());
	}

	/**
	 * The reference names keys in full ({@code `carnet.db.url`}), as siblings of the key before them in
	 * the same row ({@code `carnet.audit.max-text` / `.max-resources`}, {@code `…-username` / `-password`}),
	 * with a placeholder for a map key or list index ({@code <Type>}, {@code [n]}), or as a group
	 * ({@code `carnet.db.pool.*`}).
	 */
	private static boolean isDocumented(String key, String reference) {
		String normalized = key.replaceAll("\\[\\d+\\]", "[n]");
		// An empty list or map in the YAML (`external-issuers: []`) is documented through its elements.
		return documentedNames(reference).stream().anyMatch(name -> name.equals(normalized)
				|| name.startsWith(normalized + "[") || name.startsWith(normalized + ".")
				|| name.endsWith(".*") && normalized.startsWith(name.substring(0, name.length() - 1))
				|| name.contains("<") && normalized.matches(name.replace(".", "\\.").replace("[n]", "\\[n\\]")
						.replaceAll("<[^>]+>", "[^.]+")));
	}

	private static List<String> documentedNames(String reference) {
		List<String> names = new ArrayList<>();
		for (String line : reference.split("\n")) {
			String last = null;
			Matcher code = CODE.matcher(line);
			while (code.find()) {
				String name = code.group(1);
				if (name.startsWith("carnet.")) {
					last = name;
				} else if (last != null && name.startsWith(".")) {
					last = last.substring(0, last.lastIndexOf('.')) + name;
				} else if (last != null && name.startsWith("-") && last.lastIndexOf('-') > last.lastIndexOf('.')) {
					last = last.substring(0, last.lastIndexOf('-')) + name;
				} else {
					continue;
				}
				names.add(last.replaceAll(" .*", ""));
			}
		}
		return names;
	}

	@SuppressWarnings("unchecked")
	private static void collectLeafKeys(String prefix, Object node, List<String> keys) {
		if (node instanceof Map<?, ?> map && !map.isEmpty()) {
			((Map<String, Object>) map).forEach((name, child) -> collectLeafKeys(prefix + "." + name, child, keys));
		} else {
			keys.add(prefix);
		}
	}
}
