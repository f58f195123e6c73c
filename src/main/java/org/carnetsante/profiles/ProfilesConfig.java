package org.carnetsante.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.config.JpaConfig;
import ca.uhn.fhir.validation.IInstanceValidatorModule;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Loads Carnet's implementation guide into HAPI's validation chain (so {@code $validate} and
 * validation on write both know its profiles) and switches on validation on write.
 */
@Configuration(proxyBeanMethods = false)
public class ProfilesConfig {

	@Bean
	public CarnetImplementationGuide carnetImplementationGuide(
			FhirContext fhirContext,
			ImplementationGuideProperties properties,
			@Qualifier(JpaConfig.JPA_VALIDATION_SUPPORT_CHAIN) IValidationSupport jpaValidationChain) {
		CarnetImplementationGuide guide = CarnetImplementationGuide.load(fhirContext, properties.packageLocation());
		((ValidationSupportChain) jpaValidationChain).addValidationSupport(guide.validationSupport());
		return guide;
	}

	@Bean
	public RequiredProfileValidator requiredProfileValidator(
			FhirContext fhirContext,
			@Qualifier("myInstanceValidator") IInstanceValidatorModule instanceValidator,
			ImplementationGuideProperties properties,
			CarnetImplementationGuide implementationGuide,
			IInterceptorService jpaInterceptorService) {
		// HAPI's module for $validate; the same settings, with core validators reused, for every write.
		ReusingInstanceValidator onWrite = new ReusingInstanceValidator(
				(FhirInstanceValidator) instanceValidator, properties.validatorReuse(), properties.validatorPool());
		RequiredProfileValidator validator = new RequiredProfileValidator(
				fhirContext, onWrite, properties.requiredProfiles(), implementationGuide);
		if (properties.validateWrites()) {
			jpaInterceptorService.registerInterceptor(validator);
		} else {
			org.slf4j.LoggerFactory.getLogger(ProfilesConfig.class).warn("WRITES ARE NOT VALIDATED (carnet.ig.validate-writes=false):"
					+ " this server is a benchmark peer and must never hold real data.");
		}
		return validator;
	}

	@Bean
	GuideSearchParameters guideSearchParameters(CarnetImplementationGuide guide, ca.uhn.fhir.jpa.api.dao.DaoRegistry daos,
			ca.uhn.fhir.rest.server.util.ISearchParamRegistry registry) {
		return new GuideSearchParameters(guide, daos, registry);
	}
}
