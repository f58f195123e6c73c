package org.carnetsante.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.CanonicalTopicSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.Await;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.ProvideBundle;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Only changes a subscription can be about reach HAPI's subscription pipeline: of a pushed document's
 * three resources, the DocumentReference, and only while an active subscription is about documents; the
 * SubmissionSet and the Binary with the bytes are never turned into a message. Observed on HAPI's own
 * pointcut, which sees every message the submitter builds.
 */
class SubscribableChangesTest extends CarnetServerTest {

	@Autowired
	IInterceptorService jpaInterceptors;

	@Autowired
	FhirContext fhirContext;

	@Autowired
	UserAccounts accounts;

	@Autowired
	SubscriptionRegistry activeSubscriptions;

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
	void aPushedDocumentSubmitsItsDocumentReferenceOnlyWhileASubscriptionIsAboutDocuments() {
		TestSpace space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		String patient = space.id(Item.PATIENT);
		String subscription = subscribe(space.patientToken(), patient);
		Await.until("HAPI's matcher holds the subscription", Duration.ofSeconds(30),
				() -> activeSubscriptions.get(new IdType(subscription).getIdPart()) != null);

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

	@Test
	void aSubscriptionConcernsTheTypesItsCriteriaNameAndAnythingItDoesNotPlainlyExclude() {
		assertThat(SubscribableChanges.concerns(criteria("DocumentReference?patient=Patient/12"), "DocumentReference")).isTrue();
		assertThat(SubscribableChanges.concerns(criteria("DocumentReference?patient=Patient/12"), "Communication")).isFalse();
		assertThat(SubscribableChanges.concerns(criteria("[DocumentReference,Appointment]"), "Appointment"))
				.isTrue();
		assertThat(SubscribableChanges.concerns(criteria("[DocumentReference,Appointment]"), "Communication"))
				.isFalse();
		assertThat(SubscribableChanges.concerns(criteria("[*]"), "Communication")).as("every type").isTrue();
		assertThat(SubscribableChanges.concerns(criteria("?patient=Patient/12"), "Communication")).as("no type: HAPI decides").isTrue();
		assertThat(SubscribableChanges.concerns(criteria(null), "Communication")).isTrue();
		CanonicalSubscription topic = criteria("DocumentReference?patient=Patient/12");
		topic.setTopicSubscription(new CanonicalTopicSubscription());
		topic.setTopicSubscription(true);
		assertThat(SubscribableChanges.concerns(topic, "Communication")).as("topics are matched by HAPI").isTrue();
	}

	private static CanonicalSubscription criteria(String criteria) {
		CanonicalSubscription subscription = new CanonicalSubscription();
		subscription.setCriteriaString(criteria);
		return subscription;
	}

	/** A websocket subscription of the patient's app to documents of the space; its id. */
	private String subscribe(String patientToken, String patient) {
		Subscription subscription = new Subscription();
		subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
		subscription.setReason("Nouveaux documents");
		subscription.setCriteria("DocumentReference?patient=" + patient);
		subscription.getChannel().setType(Subscription.SubscriptionChannelType.WEBSOCKET);
		HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Subscription"))
				.header("Authorization", "Bearer " + patientToken)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(subscription)))
				.build());
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		return new IdType(created.headers().firstValue("Location").orElseThrow()).toUnqualifiedVersionless().getValue()
				.replaceFirst("^.*/fhir/", "");
	}
}
