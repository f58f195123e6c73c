package org.carnetsante.access;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

/**
 * Who a FHIR Subscription belongs to: the caller who created it, recorded by Carnet in its {@code meta} when it
 * is stored (whatever a client put there is replaced). A patient side's subscription is part of its owner's space
 * (only they and their representatives see it); a professional's (to the messages sent to them) is in no space and
 * seen by them alone. Its notifications go out only for resources the owner may see.
 */
public final class SubscriptionOwners {

	static final String ROLE = "https://carnet.example/ig/StructureDefinition/subscription-owner-role";
	static final String PATIENT = "https://carnet.example/ig/StructureDefinition/subscription-owner-patient";
	static final String KEY = "https://carnet.example/ig/StructureDefinition/subscription-owner-key";

	private SubscriptionOwners() {}

	/** Records the owner of a subscription about to be stored. */
	public static void record(Subscription subscription, Actor owner) {
		Meta meta = subscription.getMeta();
		meta.getExtension().removeIf(extension -> extension.getUrl().startsWith("https://carnet.example/ig/StructureDefinition/subscription-owner"));
		meta.addExtension(ROLE, new CodeType(owner.role().name()));
		if (owner.patient() != null) {
			meta.addExtension(PATIENT, new StringType(owner.patient())); // a professional's is in no space
		}
		ownKeys(owner).forEach(key -> meta.addExtension(KEY, new StringType(key)));
	}

	/**
	 * The keys that name the owner alone. A professional's keys also name their organization: a subscription owned
	 * by all of them would be read, changed and handed over by every colleague. So a professional owns it by their
	 * national identifier (else their own reference), an organization's system by the organization's; the patient
	 * side by every key of theirs (the space's patient, their RelatedPerson).
	 */
	static java.util.List<String> ownKeys(Actor owner) {
		if (owner.role() == Actor.Role.PROFESSIONAL) {
			java.util.List<String> own = owner.keys().stream().filter(key -> key.startsWith(ActorKeys.professional(""))).toList();
			return own.isEmpty() ? owner.keys().stream().filter(key -> key.startsWith("Practitioner")).toList() : own;
		}
		if (owner.role() == Actor.Role.CARE_ORGANIZATION) {
			return owner.keys().stream().filter(key -> key.startsWith(ActorKeys.organization(""))).toList();
		}
		return java.util.List.copyOf(owner.keys());
	}

	/** The owner recorded in a stored subscription. */
	public static Optional<Actor> of(Subscription subscription) {
		Extension role = subscription.getMeta().getExtensionByUrl(ROLE);
		Extension patient = subscription.getMeta().getExtensionByUrl(PATIENT);
		if (role == null) {
			return Optional.empty();
		}
		Set<String> keys = new LinkedHashSet<>();
		subscription.getMeta().getExtensionsByUrl(KEY).forEach(key -> keys.add(key.getValue().primitiveValue()));
		return Optional.of(new Actor(Actor.Role.valueOf(role.getValue().primitiveValue()),
				patient == null ? null : patient.getValue().primitiveValue(),
				keys, null, null, null, EmergencyMode.NONE, null));
	}

	/** The space a stored subscription belongs to, if it has an owner. */
	static Optional<String> patientOf(Subscription subscription) {
		Extension patient = subscription.getMeta().getExtensionByUrl(PATIENT);
		return patient == null ? Optional.empty() : Optional.of(patient.getValue().primitiveValue());
	}
}
