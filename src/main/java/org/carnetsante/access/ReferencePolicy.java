package org.carnetsante.access;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.carnetsante.fhir.OperationOutcomes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * What a resource being written may refer to (issue 11: a reference from the caller's own resource to a
 * hidden one was accepted where a reference to an absent one was refused, which told that it existed).
 * Every reference is resolved here, before HAPI resolves it, and a target the caller may not use gets
 * exactly the answer of a target that does not exist ({@link UniformNotFound}):
 * <ul>
 *   <li>a Patient (a space): one the caller may feed (professionals and organizations: open and not
 *       blocking them, design.md §3) or, for the patient side, their own;
 *   <li>directory data (practitioners, organizations, terminology…): any that exists;
 *   <li>anything else: what the caller may see under the access policy.
 * </ul>
 * Conditional references ({@code Type?query}, resolved by HAPI to the one match) are limited to what
 * matches the same for everyone: directory types, and a Patient by one identifier ({@code
 * Patient?identifier=system|value}, how ITI-65 names the space by INS); any other form is refused whatever
 * it would match. References to resources of the same transaction ({@code urn:uuid:}) and contained ones
 * ({@code #id}) are the caller's own.
 */
public class ReferencePolicy {

	private static final Pattern PATIENT_BY_IDENTIFIER = Pattern.compile("Patient\\?identifier=[^&|]+\\|[^&|]+");

	private final FhirContext fhirContext;
	private final DaoRegistry daos;
	private final MatchUrlService matchUrls;
	private final IIdHelperService<JpaPid> resourceIds;
	private final AccessPolicyService policy;
	private final Set<String> directoryTypes;

	public ReferencePolicy(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
			IIdHelperService<JpaPid> resourceIds, AccessPolicyService policy, Set<String> directoryTypes) {
		this.fhirContext = fhirContext;
		this.daos = daos;
		this.matchUrls = matchUrls;
		this.resourceIds = resourceIds;
		this.policy = policy;
		this.directoryTypes = Set.copyOf(directoryTypes);
	}

	/** Refuses the write if one of the resource's references names what the caller may not use. */
	public void check(RequestAccess access, IBaseResource written) {
		String type = fhirContext.getResourceType(written);
		for (ResourceReferenceInfo info : fhirContext.newTerser().getAllResourceReferences(written)) {
			String reference = info.getResourceReference().getReferenceElement().getValue();
			if (reference == null || reference.isBlank() || reference.startsWith("#") || reference.startsWith("urn:")) {
				continue;
			}
			String path = type + "." + info.getName();
			if (reference.contains("?")) {
				checkConditional(access, reference, path);
			} else {
				checkLiteral(access, new IdType(reference), reference, path);
			}
		}
	}

	private void checkLiteral(RequestAccess access, IdType target, String asWritten, String path) {
		if (!target.hasResourceType() || !target.hasIdPart() || target.isAbsolute()) {
			return; // not a reference to this server: HAPI refuses external and malformed references itself
		}
		String named = target.toUnqualifiedVersionless().getValue();
		Optional<IBaseResource> stored = stored(target);
		if (stored.isEmpty() || !usable(access, stored.get())) {
			throw UniformNotFound.unknownReference(path, named);
		}
	}

	private void checkConditional(RequestAccess access, String url, String path) {
		String type = url.substring(0, url.indexOf('?'));
		boolean directory = directoryTypes.contains(type);
		if (!directory && !PATIENT_BY_IDENTIFIER.matcher(url).matches()) {
			String diagnostics = "Conditional reference " + url + " in " + path + " is not served: a conditional reference "
					+ "names directory data or a Patient by one identifier (Patient?identifier=system|value)";
			throw new InvalidRequestException(diagnostics,
					OperationOutcomes.error(OperationOutcome.IssueType.NOTSUPPORTED, path, diagnostics));
		}
		if (directory) {
			return; // the same for everyone: HAPI resolves it, or answers that nothing matches
		}
		// Only the ids are needed to judge a space (its rules are per id): no Patient is loaded and parsed.
		// The search yields row keys; their FHIR ids come from HAPI's per-node cache of that mapping (a key's
		// id never changes), where asking the DAO for ids would load every matching row to read it again.
		List<String> matches = access.matchesOf(url, conditional -> {
			IFhirResourceDao<?> dao = daos.getResourceDao(type);
			List<JpaPid> keys = dao.searchForIds(
					matchUrls.translateMatchUrl(conditional, fhirContext.getResourceDefinition(type)), new SystemRequestDetails());
			// The cache answers "Patient/12"; nothing for an id that is the row key's own number.
			return keys.stream()
					.map(key -> resourceIds.translatePidIdToForcedIdWithCache(key)
							.map(id -> new IdType(id).getIdPart())
							.orElseGet(() -> String.valueOf(key.getId())))
					.toList();
		});
		if (matches.stream().noneMatch(patient -> usableSpace(access, patient))) {
			throw UniformNotFound.noMatch(url);
		}
	}

	/** Whether the caller may make its resource refer to this patient's space. */
	private boolean usableSpace(RequestAccess access, String patient) {
		Actor actor = access.actor();
		// A patient token names its own patient only: smart.PatientWriteGuard refuses any other (403), absent or not.
		return actor.role().isPatientSide() || policy.decideFeedingSpace(access, patient).allowed();
	}

	/** Whether the caller may make its resource refer to this one. */
	private boolean usable(RequestAccess access, IBaseResource target) {
		String type = fhirContext.getResourceType(target);
		if ("Patient".equals(type)) {
			return usableSpace(access, target.getIdElement().getIdPart());
		}
		if (directoryTypes.contains(type)) {
			return true;
		}
		return policy.decideContent(access, policy.factsOf(target)).allowed();
	}

	private Optional<IBaseResource> stored(IIdType target) {
		IFhirResourceDao<?> dao = daos.getResourceDaoOrNull(target.getResourceType());
		if (dao == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(dao.read(target.toUnqualifiedVersionless(), new SystemRequestDetails()));
		} catch (ResourceNotFoundException | ResourceGoneException | InvalidRequestException e) {
			return Optional.empty();
		}
	}
}
