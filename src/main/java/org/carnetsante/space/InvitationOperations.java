package org.carnetsante.space;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * The invitations' FHIR operations (docs/space.md):
 * <ul>
 *   <li>{@code Patient/[id]/$invite} ({@code kind}: delegate or legal-representative, {@code email}, {@code name},
 *       for a delegate {@code end} and {@code reply-to-messages}), {@code $invitations}, {@code $end-invitation}
 *       ({@code invitation}): the patient or a legal representative, in their own space;</li>
 *   <li>{@code POST /$answer-invitation} ({@code invitation}, {@code code}, {@code accept}): the invitee, logged in
 *       to their own space.</li>
 * </ul>
 */
public class InvitationOperations {

	private static final int MAX_NAME = 200;
	private static final int MAX_EMAIL = 320;

	private final SpaceInvitations invitations;
	private final SpaceHolders holders;

	InvitationOperations(SpaceInvitations invitations, SpaceHolders holders) {
		this.invitations = invitations;
		this.holders = holders;
	}

	@Operation(name = "$invite", typeName = "Patient")
	public Parameters invite(@IdParam IdType patient, RequestDetails request,
			@OperationParam(name = "kind", min = 1, max = 1) CodeType kind,
			@OperationParam(name = "email", max = 1) StringType email,
			@OperationParam(name = "ins", max = 1) org.hl7.fhir.r4.model.Identifier ins,
			@OperationParam(name = "name", min = 1, max = 1) StringType name,
			@OperationParam(name = "end", max = 1) DateType end,
			@OperationParam(name = "reply-to-messages", max = 1) BooleanType replyToMessages,
			@OperationParam(name = "manage-settings", max = 1) BooleanType manageSettings) {
		SpaceHolders.Holder holder = holders.require(request, patient.getIdPart(), "Inviting someone to a space");
		SpaceInvitations.Kind invited = switch (kind.getValue() == null ? "" : kind.getValue()) {
			case "delegate" -> SpaceInvitations.Kind.DELEGATE;
			case "legal-representative" -> SpaceInvitations.Kind.LEGAL_REPRESENTATIVE;
			default -> throw new InvalidRequestException("kind is delegate or legal-representative");
		};
		if ((email == null) == (ins == null)) {
			throw new InvalidRequestException("The invitee is named by email or by ins (Identifier: system and value), one of them");
		}
		String address = email == null || email.getValue() == null ? null : email.getValue().trim();
		if (email != null && (address.length() > MAX_EMAIL || !address.matches("^[^@\\s|]+@[^@\\s|]+\\.[^@\\s|]+$"))) {
			throw new InvalidRequestException("email is the invitee's e-mail address");
		}
		if (ins != null && (!ins.hasSystem() || !ins.hasValue())) {
			throw new InvalidRequestException("ins is an Identifier with its system (INS OID) and value");
		}
		String who = name.getValue() == null ? "" : name.getValue().trim();
		if (who.isEmpty() || who.length() > MAX_NAME) {
			throw new InvalidRequestException("name is the invitee's name, at most " + MAX_NAME + " characters");
		}
		LocalDate until = end == null || end.getValue() == null ? null : LocalDate.parse(end.getValueAsString().substring(0, 10));
		String id = invitations.invite(holder, invited, address, ins == null ? null : ins.getSystem() + "|" + ins.getValue().trim(), who,
				new SpaceInvitations.Rights(replyToMessages != null && replyToMessages.booleanValue(),
						manageSettings != null && manageSettings.booleanValue()), until);
		return describe(invitations.find(id).orElseThrow(), invitations.now());
	}

	@Operation(name = "$invitations", typeName = "Patient", idempotent = true)
	public Parameters list(@IdParam IdType patient, RequestDetails request) {
		holders.require(request, patient.getIdPart(), "A space's invitations");
		Parameters answer = new Parameters();
		Instant now = invitations.now();
		for (SpaceInvitations.Invitation invitation : invitations.of(patient.getIdPart())) {
			Parameters.ParametersParameterComponent part = answer.addParameter().setName("invitation");
			describe(invitation, now).getParameter().forEach(each -> part.addPart(each));
		}
		return answer;
	}

	@Operation(name = "$end-invitation", typeName = "Patient")
	public Parameters end(@IdParam IdType patient, RequestDetails request,
			@OperationParam(name = "invitation", min = 1, max = 1) StringType invitation) {
		holders.require(request, patient.getIdPart(), "Ending an invitation or a delegation");
		return describe(invitations.end(patient.getIdPart(), invitation.getValue()), invitations.now());
	}

	@Operation(name = "$answer-invitation")
	public Parameters answer(RequestDetails request, @OperationParam(name = "invitation", min = 1, max = 1) StringType invitation,
			@OperationParam(name = "code", min = 1, max = 1) StringType code,
			@OperationParam(name = "accept", min = 1, max = 1) BooleanType accept) {
		CarnetCaller invitee = CallerFromToken.of(request).orElseThrow(() -> new ForbiddenOperationException("A bearer token is required"));
		if (invitee.kind() != CarnetCaller.Kind.PATIENT) {
			throw new ForbiddenOperationException("An invitation is answered by the invitee, logged in to their own space");
		}
		SpaceInvitations.Invitation answered = invitations.answer(invitation.getValue(), code.getValue(),
				accept.getValue() != null && accept.booleanValue(), invitee);
		Parameters answer = new Parameters();
		answer.addParameter("state", new CodeType(answered.stateAt(invitations.now()).toLowerCase(Locale.ROOT)));
		if ("ACCEPTED".equals(answered.state())) {
			answer.addParameter("patient", new org.hl7.fhir.r4.model.Reference("Patient/" + answered.patientId()));
		}
		return answer;
	}

	private static Parameters describe(SpaceInvitations.Invitation invitation, Instant now) {
		Parameters answer = new Parameters();
		answer.addParameter("id", new StringType(invitation.id()));
		answer.addParameter("kind", new CodeType(invitation.kind() == SpaceInvitations.Kind.DELEGATE ? "delegate" : "legal-representative"));
		answer.addParameter("name", new StringType(invitation.name()));
		answer.addParameter("state", new CodeType(invitation.stateAt(now).toLowerCase(Locale.ROOT)));
		answer.addParameter("expires", new InstantType(java.util.Date.from(invitation.expiresAt())));
		if (invitation.periodEnd() != null) {
			answer.addParameter("end", new InstantType(java.util.Date.from(invitation.periodEnd())));
		}
		answer.addParameter("reply-to-messages", new BooleanType(invitation.replyRight()));
		answer.addParameter("manage-settings", new BooleanType(invitation.settingsRight()));
		return answer;
	}
}
