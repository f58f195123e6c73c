package org.carnetsante.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validator used on write reuses HL7 core validators; what it finds must be exactly what HAPI's
 * module (a fresh core validator each time) finds, whatever was validated before by the same core
 * validator and whichever threads validate at once.
 */
class ReusingInstanceValidatorTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static CarnetImplementationGuide guide;
	private static FhirValidator hapis;
	private static FhirValidator reusing;

	@BeforeAll
	static void bothValidatorsOnTheBuiltPackage() {
		guide = CarnetImplementationGuide.load(FHIR, "classpath:ig/carnet.fhir.ig.tgz");
		ValidationSupportChain chain = OfflineValidationChain.of(FHIR, guide);
		FhirInstanceValidator hapiModule = new FhirInstanceValidator(chain);
		hapis = FHIR.newValidator().registerValidatorModule(hapiModule);
		// One core validator kept, serving up to 7 validations: every validation below but a few reuses one.
		reusing = FHIR.newValidator().registerValidatorModule(new ReusingInstanceValidator(hapiModule, 7, 1));
	}

	@Test
	void findsWhatHapisModuleFindsWhateverCameBefore() {
		List<IBaseResource> subjects = subjects();
		for (int round = 0; round < 3; round++) {
			for (IBaseResource subject : subjects) {
				assertThat(findings(reusing, subject))
						.as("findings for %s, round %d", subject.getIdElement().getValue(), round)
						.isEqualTo(findings(hapis, subject));
			}
		}
		// The broken ones really are found broken (the comparison above is not between two empty lists).
		assertThat(findings(reusing, subjects.get(1))).anyMatch(finding -> finding.startsWith("ERROR"));
		assertThat(findings(reusing, subjects.get(3))).anyMatch(finding -> finding.startsWith("ERROR"));
	}

	@Test
	void findsTheSameFromSeveralThreadsAtOnce() throws Exception {
		List<IBaseResource> subjects = subjects();
		List<List<String>> expected = new ArrayList<>();
		for (IBaseResource subject : subjects) {
			expected.add(findings(hapis, subject));
		}
		ExecutorService threads = Executors.newFixedThreadPool(4);
		try {
			List<Future<List<List<String>>>> runs = new ArrayList<>();
			for (int thread = 0; thread < 4; thread++) {
				runs.add(threads.submit(() -> {
					List<List<String>> found = new ArrayList<>();
					for (IBaseResource subject : subjects) {
						found.add(findings(reusing, subject));
					}
					return found;
				}));
			}
			for (Future<List<List<String>>> run : runs) {
				assertThat(run.get()).isEqualTo(expected);
			}
		} finally {
			threads.shutdownNow();
		}
	}

	/** The guide's examples, each followed by a copy broken the way a client could break it. */
	private static List<IBaseResource> subjects() {
		List<IBaseResource> subjects = new ArrayList<>();
		Patient patient = example(Patient.class);
		Patient brokenPatient = patient.copy();
		brokenPatient.getIdentifierFirstRep().setValue("0000");
		brokenPatient.setBirthDate(null);
		DocumentReference document = example(DocumentReference.class);
		DocumentReference brokenDocument = document.copy();
		brokenDocument.setType(null);
		brokenDocument.getContentFirstRep().getAttachment().setContentType(null);
		subjects.add(patient);
		subjects.add(brokenPatient);
		subjects.add(document);
		subjects.add(brokenDocument);
		subjects.addAll(guide.examples());
		return subjects;
	}

	private static <T extends IBaseResource> T example(Class<T> type) {
		return guide.examples().stream()
				.flatMap(example -> example instanceof org.hl7.fhir.r4.model.Bundle bundle
						? bundle.getEntry().stream().map(entry -> (IBaseResource) entry.getResource())
						: java.util.stream.Stream.of(example))
				.filter(type::isInstance)
				.map(type::cast)
				.findFirst()
				.orElseThrow();
	}

	private static List<String> findings(FhirValidator validator, IBaseResource resource) {
		ValidationOptions options = new ValidationOptions();
		resource.getMeta().getProfile().forEach(profile -> options.addProfile(profile.getValueAsString()));
		String json = FHIR.newJsonParser().encodeResourceToString(resource);
		return validator.validateWithResult(json, options).getMessages().stream()
				.map(ReusingInstanceValidatorTest::describe)
				.toList();
	}

	private static String describe(SingleValidationMessage message) {
		return message.getSeverity() + " " + message.getLocationString() + " " + message.getMessage();
	}
}
