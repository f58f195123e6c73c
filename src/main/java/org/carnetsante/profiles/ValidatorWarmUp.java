package org.carnetsante.profiles;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The first validation loads and snapshots the core and Carnet structure definitions, which takes
 * seconds. Validating the guide's own examples right after start, in the background, moves that cost
 * off the first client's write, and reports an example that no longer conforms.
 */
@Component
class ValidatorWarmUp {

	private static final Logger LOG = LoggerFactory.getLogger(ValidatorWarmUp.class);

	private final CarnetImplementationGuide implementationGuide;
	private final RequiredProfileValidator validator;

	ValidatorWarmUp(CarnetImplementationGuide implementationGuide, RequiredProfileValidator validator) {
		this.implementationGuide = implementationGuide;
		this.validator = validator;
	}

	@EventListener(ApplicationReadyEvent.class)
	void warmUpInBackground() {
		Thread warmUp = new Thread(this::validateExamples, "carnet-validator-warm-up");
		warmUp.setDaemon(true);
		warmUp.start();
	}

	private void validateExamples() {
		long start = System.nanoTime();
		for (IBaseResource example : implementationGuide.examples()) {
			try {
				validator.requireConformance(example);
			} catch (RuntimeException e) {
				LOG.warn("Implementation guide example {} does not validate: {}", example.getIdElement(), e.getMessage());
			}
		}
		LOG.info("Validator ready ({} ms)", (System.nanoTime() - start) / 1_000_000);
	}
}
