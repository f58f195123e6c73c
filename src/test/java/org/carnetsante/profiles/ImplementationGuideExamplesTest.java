package org.carnetsante.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package built from {@code ig/} is what vendors receive: every example in it validates against
 * its profiles offline, and the profiles really constrain (a broken copy of an example fails).
 */
class ImplementationGuideExamplesTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static CarnetImplementationGuide guide;
	private static FhirValidator validator;

	@BeforeAll
	static void loadTheBuiltPackageOffline() {
		guide = CarnetImplementationGuide.load(FHIR, "classpath:ig/carnet.fhir.ig.tgz");
		ValidationSupportChain chain = OfflineValidationChain.of(FHIR, guide);
		validator = FHIR.newValidator().registerValidatorModule(new FhirInstanceValidator(chain));
	}

	@Test
	void packageDescribesTheGuide() {
		assertThat(guide.packageId()).isEqualTo("carnet.fhir.ig");
		assertThat(guide.canonical()).isEqualTo("https://carnet.example/ig");
		assertThat(guide.version()).matches("\\d+\\.\\d+\\.\\d+.*");
		assertThat(guide.examples()).isNotEmpty();
	}

	@Test
	void everyExampleValidatesAgainstTheProfilesItDeclares() {
		for (IBaseResource example : guide.examples()) {
			assertThat(example.getMeta().getProfile()).as("example %s declares its profile", example.getIdElement())
					.isNotEmpty();
			assertThat(errorsOf(example)).as("errors of example %s", example.getIdElement().getValue()).isEmpty();
		}
	}

	@Test
	void aBrokenCopyOfAnExampleFails() {
		Patient broken = (Patient) guide.examples().stream()
				.filter(Patient.class::isInstance)
				.findFirst()
				.orElseThrow();
		broken.getIdentifierFirstRep().setValue("0000");
		broken.setBirthDate(null);

		assertThat(errorsOf(broken))
				.anyMatch(error -> error.contains("carnet-nir-format"))
				.anyMatch(error -> error.contains("Patient.birthDate"));
	}

	@Test
	void consentsThatBreakCarnetsModelFail() {
		org.hl7.fhir.r4.model.Consent block = consentExample("example-block-professional");
		block.getCategoryFirstRep().getCodingFirstRep().setCode("64292-6");
		org.hl7.fhir.r4.model.Consent emergencyForOne = consentExample("example-block-professional");
		emergencyForOne.getProvision().addPurpose()
				.setSystem("http://terminology.hl7.org/CodeSystem/v3-ActReason").setCode("BTG");
		org.hl7.fhir.r4.model.Consent deepExceptions = consentExample("example-permit-professional");
		deepExceptions.getProvision().getProvisionFirstRep().addProvision()
				.setType(org.hl7.fhir.r4.model.Consent.ConsentProvisionType.PERMIT);
		org.hl7.fhir.r4.model.Consent sameTypeException = consentExample("example-permit-professional");
		sameTypeException.getProvision().getProvisionFirstRep()
				.setType(org.hl7.fhir.r4.model.Consent.ConsentProvisionType.PERMIT);
		org.hl7.fhir.r4.model.Consent aboutNoOne = consentExample("example-block-professional");
		aboutNoOne.getProvision().getActor().clear();
		org.hl7.fhir.r4.model.Consent wrongRole = consentExample("example-block-professional");
		wrongRole.getProvision().getActorFirstRep().getRole().getCodingFirstRep().setCode("AUT");

		assertThat(errorsOf(block)).anyMatch(error -> error.contains("carnet-consent-category"));
		assertThat(errorsOf(emergencyForOne)).anyMatch(error -> error.contains("carnet-consent-emergency"));
		assertThat(errorsOf(deepExceptions)).anyMatch(error -> error.contains("carnet-consent-depth"));
		assertThat(errorsOf(sameTypeException)).anyMatch(error -> error.contains("carnet-consent-exception"));
		assertThat(errorsOf(aboutNoOne)).anyMatch(error -> error.contains("carnet-consent-rule"));
		assertThat(errorsOf(wrongRole)).anyMatch(error -> error.contains("Consent.provision.actor"));
	}

	private static org.hl7.fhir.r4.model.Consent consentExample(String id) {
		return (org.hl7.fhir.r4.model.Consent) guide.examples().stream()
				.filter(example -> example.getIdElement().getIdPart().equals(id))
				.findFirst()
				.orElseThrow();
	}

	private static List<String> errorsOf(IBaseResource resource) {
		ValidationOptions options = new ValidationOptions();
		resource.getMeta().getProfile().forEach(profile -> options.addProfile(profile.getValueAsString()));
		return validator.validateWithResult(resource, options).getMessages().stream()
				.filter(message -> message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
				.map(SingleValidationMessage::getMessage)
				.toList();
	}
}
