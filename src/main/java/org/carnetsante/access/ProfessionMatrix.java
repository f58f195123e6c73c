package org.carnetsante.access;

import java.util.concurrent.ConcurrentHashMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.core.io.Resource;
import org.yaml.snakeyaml.Yaml;

/**
 * The profession matrix (matrice d'habilitation, design.md §3 "What a professional sees"): which
 * document types and which other resource types a professional may read, by profession (TRE_G15,
 * narrowed by a TRE_R38 specialty for some rows), and what an organization's system may read, by
 * sector (TRE_R02). Loaded once at start from a data file; pairs it does not list are refused.
 */
public final class ProfessionMatrix {

	static final String ALL = "*";

	/** What one row lets its actors read. */
	record Grant(Set<String> documents, Set<String> resources) {

		static final Grant NOTHING = new Grant(Set.of(), Set.of());

		boolean allowsDocument(Set<String> documentTypes) {
			return documents.contains(ALL) || documentTypes.stream().anyMatch(documents::contains);
		}

		boolean allowsResource(String type) {
			return resources.contains(ALL) || resources.contains(type);
		}

		Grant plus(Grant other) {
			Set<String> moreDocuments = new HashSet<>(documents);
			moreDocuments.addAll(other.documents);
			Set<String> moreResources = new HashSet<>(resources);
			moreResources.addAll(other.resources);
			return new Grant(Set.copyOf(moreDocuments), Set.copyOf(moreResources));
		}
	}

	record ProfessionRow(String profession, String specialty, String label, Grant grant) {}

	record SectorRow(String sector, String label, Grant grant) {}

	private final Grant everyone;
	private final List<ProfessionRow> professions;
	private final Map<String, SectorRow> sectors;
	/** What each profession, specialty and sector reads, everyone's grant included: worked out once. */
	private final Map<String, Grant> grants = new ConcurrentHashMap<>();

	ProfessionMatrix(Grant everyone, List<ProfessionRow> professions, List<SectorRow> sectors) {
		this.everyone = everyone;
		this.professions = List.copyOf(professions);
		Map<String, SectorRow> bySector = new HashMap<>();
		sectors.forEach(row -> bySector.put(row.sector(), row));
		this.sectors = Map.copyOf(bySector);
	}

	/**
	 * Whether the actor's profession (or its organization's sector) may read this resource: a
	 * document by its type, anything else by its resource type. Not for patient-side actors.
	 */
	public boolean allows(Actor actor, ResourceFacts resource) {
		String key = actor.role() + "|" + actor.profession() + "|" + actor.specialty() + "|" + actor.sector();
		Grant grant = grants.computeIfAbsent(key, ignored -> grantOf(actor).plus(everyone));
		return resource.isDocument() ? grant.allowsDocument(resource.documentTypes()) : grant.allowsResource(resource.type());
	}

	private Grant grantOf(Actor actor) {
		if (actor.role() == Actor.Role.CARE_ORGANIZATION) {
			SectorRow row = sectors.get(actor.sector());
			return row == null ? Grant.NOTHING : row.grant();
		}
		Grant grant = Grant.NOTHING;
		for (ProfessionRow row : professions) {
			if (row.profession().equals(actor.profession())
					&& (row.specialty() == null || row.specialty().equals(actor.specialty()))) {
				grant = grant.plus(row.grant());
			}
		}
		return grant;
	}

	/** The label of a profession (TRE_G15 code), as the matrix names it, for the patient's access log. */
	public Optional<String> professionLabel(String profession) {
		return professions.stream()
				.filter(row -> row.profession().equals(profession) && row.specialty() == null)
				.map(ProfessionRow::label)
				.findFirst();
	}

	/** Reads a matrix file (see {@code access/profession-matrix.yaml} for its shape). */
	public static ProfessionMatrix load(Resource file) {
		try (InputStream input = file.getInputStream()) {
			Map<String, Object> document = new Yaml().load(input);
			if (document == null) {
				throw new IllegalArgumentException("the file is empty");
			}
			requireOnly(document, "the matrix", Set.of("everyone", "professions", "sectors"));
			Grant everyone = document.get("everyone") == null ? Grant.NOTHING : grant(map(document.get("everyone"), "everyone"));
			List<ProfessionRow> professions = new ArrayList<>();
			for (Object item : list(document.get("professions"), "professions")) {
				Map<String, Object> row = map(item, "a profession row");
				requireOnly(row, "a profession row", Set.of("profession", "specialty", "label", "documents", "resources"));
				professions.add(new ProfessionRow(required(row, "profession"), text(row.get("specialty")),
						text(row.get("label")), grant(row)));
			}
			List<SectorRow> sectors = new ArrayList<>();
			for (Object item : list(document.get("sectors"), "sectors")) {
				Map<String, Object> row = map(item, "a sector row");
				requireOnly(row, "a sector row", Set.of("sector", "label", "documents", "resources"));
				sectors.add(new SectorRow(required(row, "sector"), text(row.get("label")), grant(row)));
			}
			return new ProfessionMatrix(everyone, professions, sectors);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the profession matrix " + file, e);
		} catch (RuntimeException e) {
			throw new IllegalStateException("The profession matrix " + file + " is not valid: " + e.getMessage(), e);
		}
	}

	private static Grant grant(Map<String, Object> row) {
		return new Grant(values(row.get("documents")), values(row.get("resources")));
	}

	private static Set<String> values(Object value) {
		if (value == null) {
			return Set.of();
		}
		if (ALL.equals(value)) {
			return Set.of(ALL);
		}
		Set<String> values = new HashSet<>();
		for (Object item : list(value, "a list of codes")) {
			values.add(String.valueOf(item));
		}
		return Set.copyOf(values);
	}

	private static void requireOnly(Map<String, Object> map, String what, Set<String> keys) {
		for (String key : map.keySet()) {
			if (!keys.contains(key)) {
				throw new IllegalArgumentException(what + " has an unknown key '" + key + "' (known: " + keys + ")");
			}
		}
	}

	private static String required(Map<String, Object> row, String key) {
		String value = text(row.get(key));
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("a row lacks its '" + key + "': " + row);
		}
		return value;
	}

	private static String text(Object value) {
		return value == null ? null : String.valueOf(value);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value, String what) {
		if (!(value instanceof Map<?, ?>)) {
			throw new IllegalArgumentException(what + " must be a mapping");
		}
		return (Map<String, Object>) value;
	}

	private static List<?> list(Object value, String what) {
		if (value == null) {
			return List.of();
		}
		if (!(value instanceof List<?> items)) {
			throw new IllegalArgumentException(what + " must be a list");
		}
		return items;
	}
}
