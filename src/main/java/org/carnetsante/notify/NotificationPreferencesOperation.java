package org.carnetsante.notify;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;
import java.util.Map;
import org.carnetsante.access.Actor;
import org.carnetsante.access.RequestAccess;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;

/**
 * {@code Patient/[id]/$notification-preferences}: what the patient wants to be told by e-mail. Without
 * parameters (GET or POST) it answers the current preferences; with {@code preference} parameters (parts
 * {@code kind}: DOCUMENT_ADDED, DOCUMENT_REPLACED, EMERGENCY_ACCESS or MESSAGE_RECEIVED, and {@code email}: true or false)
 * it changes them first. Only the patient and their legal representatives, for their own space.
 */
public class NotificationPreferencesOperation {

	private final NotificationPreferences preferences;
	private final org.carnetsante.access.AccessPolicyService policy;

	public NotificationPreferencesOperation(NotificationPreferences preferences, org.carnetsante.access.AccessPolicyService policy) {
		this.preferences = preferences;
		this.policy = policy;
	}

	@Operation(name = "$notification-preferences", typeName = "Patient", idempotent = true)
	public Parameters notificationPreferences(@IdParam IdType patient, RequestDetails request,
			@OperationParam(name = "preference") List<Parameters.ParametersParameterComponent> changes) {
		requireOwnSpace(request, patient.getIdPart(), policy);
		if (changes != null) {
			for (Parameters.ParametersParameterComponent change : changes) {
				preferences.setEmail(patient.getIdPart(), kindOf(change), emailOf(change));
			}
		}
		Parameters answer = new Parameters();
		for (Map.Entry<NotificationKind, Boolean> preference : preferences.emailPreferences(patient.getIdPart()).entrySet()) {
			Parameters.ParametersParameterComponent part = answer.addParameter().setName("preference");
			part.addPart().setName("kind").setValue(new CodeType(preference.getKey().name()));
			part.addPart().setName("email").setValue(new BooleanType(preference.getValue()));
		}
		return answer;
	}

	private static NotificationKind kindOf(Parameters.ParametersParameterComponent change) {
		String kind = change.getPart().stream().filter(part -> "kind".equals(part.getName()) && part.hasValue())
				.map(part -> part.getValue().primitiveValue()).findFirst()
				.orElseThrow(() -> new InvalidRequestException("each preference has a kind"));
		try {
			return NotificationKind.valueOf(kind);
		} catch (IllegalArgumentException e) {
			throw new InvalidRequestException("unknown kind " + kind + "; known: " + List.of(NotificationKind.values()));
		}
	}

	private static boolean emailOf(Parameters.ParametersParameterComponent change) {
		return change.getPart().stream().filter(part -> "email".equals(part.getName()) && part.getValue() instanceof BooleanType)
				.map(part -> ((BooleanType) part.getValue()).booleanValue()).findFirst()
				.orElseThrow(() -> new InvalidRequestException("each preference has email (true or false)"));
	}

	/** The patient, a legal representative, or a delegate whose delegation grants managing the settings. */
	private static void requireOwnSpace(RequestDetails request, String patient, org.carnetsante.access.AccessPolicyService policy) {
		RequestAccess access = RequestAccess.of(request);
		Actor actor = access == null ? null : access.actor();
		boolean delegatedSettings = actor != null && actor.role() == Actor.Role.DELEGATE && patient.equals(actor.patient())
				&& policy.grantsOnTheSpace(request, org.carnetsante.access.AccessRule.MANAGE_SETTINGS);
		if (actor == null || !(actor.holdsSpace(patient) || delegatedSettings)) {
			throw new ForbiddenOperationException("Notification preferences are set by the patient, their legal representatives"
					+ " and a delegate granted the management of the settings");
		}
	}
}
