package org.carnetsante.export;

import java.util.List;
import java.util.Map;

/**
 * What a kick-off asked for, once checked: stored with the job and read by the node that runs it.
 *
 * @param level system-wide, every patient's, or one Group's
 * @param groupId the Group's id ({@link Level#GROUP})
 * @param types the resource types exported (what was asked, within what the token's scopes cover)
 * @param sinceMillis only resources changed after this (epoch ms), or null
 * @param untilMillis only resources changed up to this, or null
 * @param typeFilters per type, the searches ({@code _typeFilter}) a resource must match one of
 * @param elements the elements kept ({@code _elements}: {@code name} or {@code Type.name})
 * @param patients the patients asked for ({@code patient}, POST), as ids; empty: all reachable
 */
public record ExportRequest(
		Level level,
		String groupId,
		List<String> types,
		Long sinceMillis,
		Long untilMillis,
		Map<String, List<String>> typeFilters,
		List<String> elements,
		List<String> patients) {

	public enum Level {
		SYSTEM,
		PATIENT,
		GROUP
	}

	public ExportRequest {
		types = List.copyOf(types);
		typeFilters = typeFilters == null ? Map.of() : Map.copyOf(typeFilters);
		elements = elements == null ? List.of() : List.copyOf(elements);
		patients = patients == null ? List.of() : List.copyOf(patients);
	}
}
