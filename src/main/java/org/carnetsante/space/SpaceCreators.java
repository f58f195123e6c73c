package org.carnetsante.space;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.HashSet;
import java.util.Set;
import org.carnetsante.access.Actor;
import org.carnetsante.access.ActorKeys;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/**
 * A professional or organization that opens a space (creates a Patient) is in its care team from then on:
 * otherwise it could create a space it could then never read, change or feed knowingly (issue 11, "decide
 * what a system may create and make it consistent"). Unless the same transaction already declares the
 * creator's care relationship (a CareTeam naming it, about this Patient), Carnet stores one in the same
 * transaction: an ordinary CareTeam of the space, which the patient sees and may end or refuse like any
 * other (design.md §3: care-team members are presumed authorized once the patient is informed).
 */
@Interceptor
public class SpaceCreators {

	private static final String NEEDS_CARE_TEAM = SpaceCreators.class.getName() + ".needsCareTeam";

	private final DaoRegistry daos;

	public SpaceCreators(DaoRegistry daos) {
		this.daos = daos;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void spaceOpened(IBaseResource created, RequestDetails request) {
		RequestAccess access = RequestAccess.of(request);
		if (created instanceof Patient patient && access != null && access.actor().role().isCareSide()
				&& !declaredInTheSameBundle(patient, access.actor(), request)) {
			patient.setUserData(NEEDS_CARE_TEAM, access.caller());
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void spaceStored(IBaseResource created, RequestDetails request) {
		if (created instanceof Patient patient && patient.getUserData(NEEDS_CARE_TEAM) instanceof CarnetCaller creator) {
			patient.setUserData(NEEDS_CARE_TEAM, null);
			String team = daos.getResourceDao(CareTeam.class).create(careTeam(patient, creator), new SystemRequestDetails())
					.getId().toUnqualifiedVersionless().getValue();
			// Written for the caller: its request's access-log entry names it.
			RequestAccess access = RequestAccess.of(request);
			if (access != null) {
				access.record(new RequestAccess.Access(ca.uhn.fhir.rest.api.RestOperationTypeEnum.CREATE, team,
						java.util.Set.of(patient.getIdElement().getIdPart()),
						org.carnetsante.access.AccessDecision.allow("the care relationship of whoever opens the space")));
			}
		}
	}

	/** The creator's care relationship with the new space, naming it as its token does. */
	private static CareTeam careTeam(Patient patient, CarnetCaller creator) {
		CareTeam team = new CareTeam();
		team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
		team.setName("Opened the space");
		team.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		Reference member = new Reference().setDisplay(creator.name());
		if (creator.kind() == CarnetCaller.Kind.PROFESSIONAL && creator.idNat() != null) {
			member.setIdentifier(new Identifier().setSystem(ActorKeys.PROFESSIONAL_ID_SYSTEM).setValue(creator.idNat()));
		} else if (creator.organization() != null) {
			member.setIdentifier(new Identifier().setSystem(ActorKeys.ORGANIZATION_ID_SYSTEM).setValue(creator.organization()));
		} else {
			member.setReference(creator.fhirUser());
		}
		team.addParticipant().setMember(member);
		return team;
	}

	/** Whether the transaction creating the Patient also stores a CareTeam about it naming the creator. */
	private static boolean declaredInTheSameBundle(Patient patient, Actor creator, RequestDetails request) {
		if (!(request.getResource() instanceof Bundle bundle)) {
			return false;
		}
		String fullUrl = null;
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			if (entry.getResource() == patient) {
				fullUrl = entry.getFullUrl();
			}
		}
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			if (entry.getResource() instanceof CareTeam team && fullUrl != null
					&& fullUrl.equals(team.getSubject().getReference())) {
				Set<String> members = new HashSet<>();
				team.getParticipant().forEach(participant -> members.addAll(ActorKeys.of(participant.getMember())));
				if (creator.isNamedBy(members)) {
					return true;
				}
			}
		}
		return false;
	}
}
