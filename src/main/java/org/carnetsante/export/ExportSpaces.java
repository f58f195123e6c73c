package org.carnetsante.export;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.carnetsante.access.AccessRule;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.SpaceRules;
import org.carnetsante.access.SpaceRulesStore;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Which spaces an export covers: every space the hospital reaches (a system or Patient export), the
 * patients it named, or the members of its Group. A space is reached when one of its rules in force
 * lets this actor in (a care team naming the hospital, a permit) and it is not closed; the policy then
 * judges each resource (blocks, matrix, labels). Spaces asked for that the hospital does not reach
 * are reported as not accessible, without saying why (absent, closed, no care relationship alike).
 */
final class ExportSpaces {

	/** The spaces to export, and those asked for that are not accessible (as the request named them). */
	record Spaces(List<String> reachable, List<String> notAccessible) {}

	/** Marks a member that names no space; never an id, so never judged as one. */
	private static final String UNRESOLVED = "unresolved:";

	private final SpaceRulesStore rules;
	private final DaoRegistry daos;

	ExportSpaces(SpaceRulesStore rules, DaoRegistry daos) {
		this.rules = rules;
		this.daos = daos;
	}

	Spaces of(ExportRequest request, Actor actor, Instant now) {
		if (request.level() == ExportRequest.Level.GROUP) {
			Map<String, String> members = membersOf(request.groupId(), actor).orElse(Map.of());
			Spaces judged = judge(List.copyOf(members.keySet()), actor, now);
			// Reported as the Group names them: a member named by identifier never shows whether it matched a space.
			return new Spaces(judged.reachable(), judged.notAccessible().stream().map(members::get).toList());
		}
		if (request.patients().isEmpty()) {
			// Every space the hospital reaches: none it does not reach is named, so none is reported.
			return new Spaces(judge(rules.spacesNaming(actor.keys()), actor, now).reachable(), List.of());
		}
		return judge(request.patients(), actor, now);
	}

	/**
	 * The members of a Group this actor manages: each one's patient id (a key that is no id for a member
	 * whose identifier matches no space), with the member as the Group names it; empty if there is no
	 * such Group for this actor.
	 */
	Optional<Map<String, String>> membersOf(String groupId, Actor actor) {
		Group group;
		try {
			IBaseResource read = daos.getResourceDao("Group").read(new IdType("Group", groupId), new SystemRequestDetails());
			if (!(read instanceof Group found)) {
				return Optional.empty();
			}
			group = found;
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
		if (!group.hasManagingEntity() || !actor.isNamedBy(ActorKeys.of(group.getManagingEntity()))) {
			return Optional.empty();
		}
		Map<String, String> members = new LinkedHashMap<>();
		for (Group.GroupMemberComponent member : group.getMember()) {
			if (member.getInactive()) {
				continue;
			}
			Reference entity = member.getEntity();
			String named = entity.hasIdentifier() && !entity.hasReference() ? entity.getIdentifier().getValue() : entity.getReference();
			members.putIfAbsent(patientOf(entity), named);
		}
		return Optional.of(members);
	}

	private String patientOf(Reference entity) {
		if (entity.hasReferenceElement() && "Patient".equals(entity.getReferenceElement().getResourceType())) {
			return entity.getReferenceElement().getIdPart();
		}
		if (entity.hasIdentifier()) {
			SearchParameterMap search = SearchParameterMap.newSynchronous("identifier",
					new TokenParam(entity.getIdentifier().getSystem(), entity.getIdentifier().getValue()));
			List<IBaseResource> found = daos.getResourceDao("Patient").search(search, new SystemRequestDetails()).getAllResources();
			if (found.size() == 1) {
				return found.get(0).getIdElement().getIdPart();
			}
			return UNRESOLVED + entity.getIdentifier().getValue();
		}
		return UNRESOLVED + entity.getReference();
	}

	private Spaces judge(List<String> patients, Actor actor, Instant now) {
		List<String> reachable = new ArrayList<>();
		List<String> notAccessible = new ArrayList<>();
		for (int from = 0; from < patients.size(); from += 500) {
			List<String> batch = patients.subList(from, Math.min(patients.size(), from + 500));
			Map<String, SpaceRules> spaces = rules.rulesOf(batch.stream().filter(ExportSpaces::isId).toList());
			for (String patient : batch) {
				if (reaches(spaces.get(patient), actor, now)) {
					reachable.add(patient);
				} else {
					notAccessible.add(patient);
				}
			}
		}
		return new Spaces(reachable, notAccessible);
	}

	private static boolean reaches(SpaceRules space, Actor actor, Instant now) {
		if (space == null || space.closed()) {
			return false;
		}
		return space.rules().stream().anyMatch(rule -> rule.effect() == AccessRule.Effect.PERMIT
				&& rule.isActiveAt(now) && rule.isAbout(actor.keys()));
	}

	private static boolean isId(String value) {
		return value != null && value.matches("[A-Za-z0-9\\-.]{1,64}");
	}
}
