package org.carnetsante.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.ProvideBundle;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Only changes a subscription can be about reach HAPI's subscription pipeline: of a pushed document's
 * three resources, the DocumentReference; the SubmissionSet and the Binary with the bytes are never
 * turned into a message. Observed on HAPI's own pointcut, which sees every message the submitter builds.
 */
class SubscribableChangesTest extends CarnetServerTest {

	@Autowired
	IInterceptorService jpaInterceptors;

	@Autowired
	FhirContext fhirContext;

	@Interceptor
	public class SubmittedChanges {
		final List<String> types = new CopyOnWriteArrayList<>();

		@Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
		public boolean submitted(ResourceModifiedMessage change) {
			types.add(change.getResourceType(fhirContext));
			return true;
		}
	}

	@Test
	void aPushedDocumentSubmitsItsDocumentReferenceOnly() {
		String patient = "Patient/" + patientInOurCare();
		SubmittedChanges submitted = new SubmittedChanges();
		jpaInterceptors.registerInterceptor(submitted);
		try {
			Bundle pushed = fhirClient().transaction()
					.withBundle(ProvideBundle.of(patient, List.of(Fixtures.documentReference(patient)))).execute();

			assertThat(pushed.getEntry()).extracting(entry -> entry.getResponse().getLocation().split("/")[0])
					.containsExactlyInAnyOrder("List", "DocumentReference", "Binary");
			assertThat(submitted.types).containsExactly("DocumentReference");
		} finally {
			jpaInterceptors.unregisterInterceptor(submitted);
		}
	}
}
