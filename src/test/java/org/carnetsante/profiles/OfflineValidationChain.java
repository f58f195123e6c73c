package org.carnetsante.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;

/** What vendors validate against without a server: the guide's package, the core definitions, no network. */
final class OfflineValidationChain {

	private OfflineValidationChain() {}

	static ValidationSupportChain of(FhirContext fhir, CarnetImplementationGuide guide) {
		return new ValidationSupportChain(
				guide.validationSupport(),
				new DefaultProfileValidationSupport(fhir),
				new CommonCodeSystemsTerminologyService(fhir),
				new InMemoryTerminologyServerValidationSupport(fhir),
				new SnapshotGeneratingValidationSupport(fhir));
	}
}
