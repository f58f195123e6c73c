package org.carnetsante.access;

import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The visibility statuses of a document (TRE_A07 StatutVisibiliteDocument), carried in
 * {@code meta.security}: who must not see it even though they may see the space.
 */
public final class VisibilityLabels {

	public static final String SYSTEM =
			"https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument";
	/** Hidden from professionals, except its author (and in an emergency if the patient allows it). */
	public static final String MASKED_FROM_PROFESSIONALS = "MASQUE_PS";
	/** Hidden from the patient and their representatives until the author lifts it. */
	public static final String INVISIBLE_TO_PATIENT = "INVISIBLE_PATIENT";
	/** Hidden from a minor's legal representatives. */
	public static final String INVISIBLE_TO_LEGAL_REPRESENTATIVES = "INVISIBLE_REPRESENTANTS_LEGAUX";

	private VisibilityLabels() {}

	/**
	 * The TRE_A07 codes among the resource's security labels: {@code meta.security}, and for a document
	 * also {@code DocumentReference.securityLabel}, where PDSm carries them.
	 */
	public static Set<String> of(IBaseResource resource) {
		Set<String> labels = new HashSet<>();
		for (IBaseCoding label : resource.getMeta().getSecurity()) {
			if (SYSTEM.equals(label.getSystem()) && label.getCode() != null) {
				labels.add(label.getCode());
			}
		}
		if (resource instanceof org.hl7.fhir.r4.model.DocumentReference document) {
			for (org.hl7.fhir.r4.model.CodeableConcept label : document.getSecurityLabel()) {
				for (org.hl7.fhir.r4.model.Coding coding : label.getCoding()) {
					if (SYSTEM.equals(coding.getSystem()) && coding.getCode() != null) {
						labels.add(coding.getCode());
					}
				}
			}
		}
		return labels;
	}
}
