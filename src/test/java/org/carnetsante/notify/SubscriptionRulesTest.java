package org.carnetsante.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.carnetsante.access.Actor;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.access.RequestAccess;
import org.carnetsante.access.SubscriptionOwners;
import org.carnetsante.smart.CarnetCaller;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who subscribes to what ({@link SubscriptionRules}), as a table, with the private-address guard ON as it
 * ships (the test server turns it off so that its rest-hooks can listen on the loopback interface): the
 * caller, the criteria, the channel type, the payload and the endpoint of a Subscription being written →
 * accepted (and its owner recorded) or refused with the status and the element docs/documents.md names.
 */
class SubscriptionRulesTest {

	private static final String SPACE = "123";
	private static final SubscriptionRules RULES = new SubscriptionRules(
			Set.of("DocumentReference", "Communication", "Appointment"), List.of("https://"), false);

	/** A Subscription as a caller writes it, and what the rules answer: null for accepted. */
	record Case(String name, Actor caller, Consumer<Subscription> shaped, Integer status, String expression) {

		@Override
		public String toString() {
			return name;
		}
	}

	static Stream<Case> cases() {
		return Stream.of(
				// who subscribes
				accepted("the patient subscribes to her own space", patient(), subscription -> {}),
				accepted("a parent subscribes to the minor's space he opens", representative(Actor.Role.LEGAL_REPRESENTATIVE),
						subscription -> {}),
				accepted("a delegate subscribes to the space he opens", representative(Actor.Role.DELEGATE), subscription -> {}),
				refused("a professional does not subscribe to a space (ITI-67 finds documents)", professional(), subscription -> {},
						"Subscription.criteria"),
				accepted("a professional subscribes to the messages sent to him", professional(), subscription -> subscription
						.setCriteria("Communication?recipient-identifier=urn:oid:1.2.250.1.71.4.2.1%7C810000000001&status=completed")),
				refused("a professional subscribes to no one else's messages", professional(), subscription -> subscription
						.setCriteria("Communication?recipient-identifier=urn:oid:1.2.250.1.71.4.2.1|810000000002"), "Subscription.criteria"),
				refused("a professional names himself as recipient", professional(), subscription -> subscription
						.setCriteria("Communication?status=completed"), "Subscription.criteria"),
				refused("a professional's criteria reach no space", professional(), subscription -> subscription
						.setCriteria("Communication?recipient-identifier=urn:oid:1.2.250.1.71.4.2.1|810000000001&subject=Patient/" + SPACE),
						"Subscription.criteria"),
				accepted("a hospital system subscribes to the messages sent to it", organization(), subscription -> subscription
						.setCriteria("Communication?recipient-identifier=urn:oid:1.2.250.1.71.4.2.2|1750000000")),
				refused("a hospital system does not subscribe to a space", organization(), subscription -> {}, "Subscription.criteria"),
				forbidden("an insurer does not subscribe", insurer(), subscription -> {}),
				// criteria
				accepted("criteria naming the space by subject", patient(),
						subscription -> subscription.setCriteria("Communication?subject=Patient/" + SPACE)),
				accepted("criteria with the bare id and plain parameters", patient(),
						subscription -> subscription.setCriteria("DocumentReference?patient=" + SPACE + "&status=current&type=11488-4")),
				refused("criteria without parameters", patient(), subscription -> subscription.setCriteria("DocumentReference"),
						"Subscription.criteria"),
				refused("no criteria", patient(), subscription -> subscription.setCriteria(null), "Subscription.criteria"),
				refused("a type that is not subscribable", patient(),
						subscription -> subscription.setCriteria("Observation?patient=Patient/" + SPACE), "Subscription.criteria"),
				refused("criteria naming no space", patient(),
						subscription -> subscription.setCriteria("DocumentReference?status=current"), "Subscription.criteria"),
				refused("criteria naming another space", patient(),
						subscription -> subscription.setCriteria("DocumentReference?patient=Patient/999"), "Subscription.criteria"),
				refused("criteria naming two spaces, hers among them", patient(),
						subscription -> subscription.setCriteria("DocumentReference?patient=Patient/" + SPACE + "&patient=Patient/999"),
						"Subscription.criteria"),
				refused("a chained parameter", patient(), subscription -> subscription.setCriteria(
						"DocumentReference?patient=Patient/" + SPACE + "&author.identifier=810000000001"), "Subscription.criteria"),
				refused("a modifier", patient(), subscription -> subscription.setCriteria(
						"DocumentReference?patient=Patient/" + SPACE + "&status:not=current"), "Subscription.criteria"),
				refused("_has reaching through other resources", patient(), subscription -> subscription.setCriteria(
						"DocumentReference?patient=Patient/" + SPACE + "&_has:Observation:patient:code=1234-5"), "Subscription.criteria"),
				refused("_content reading the text of resources", patient(), subscription -> subscription.setCriteria(
						"DocumentReference?patient=Patient/" + SPACE + "&_content=VIH"), "Subscription.criteria"),
				refused("a malformed escape in the space named", patient(),
						subscription -> subscription.setCriteria("DocumentReference?patient=Patient%zz" + SPACE), "Subscription.criteria"),
				// channel types and payload
				accepted("a websocket needs no endpoint", patient(), subscription -> subscription.getChannel()
						.setType(SubscriptionChannelType.WEBSOCKET).setEndpoint(null)),
				refused("e-mail is not a channel apps use", patient(), subscription -> subscription.getChannel()
						.setType(SubscriptionChannelType.EMAIL).setEndpoint("mailto:claire@example.org"), "Subscription.channel.type"),
				refused("nor sms", patient(), subscription -> subscription.getChannel()
						.setType(SubscriptionChannelType.SMS).setEndpoint("tel:+33600000000"), "Subscription.channel.type"),
				refused("nor FHIR messaging", patient(), subscription -> subscription.getChannel()
						.setType(SubscriptionChannelType.MESSAGE), "Subscription.channel.type"),
				refused("a payload would carry data", patient(), subscription -> subscription.getChannel()
						.setPayload("application/fhir+json"), "Subscription.channel.payload"),
				refused("even on a websocket", patient(), subscription -> subscription.getChannel()
						.setType(SubscriptionChannelType.WEBSOCKET).setEndpoint(null).setPayload("application/fhir+json"),
						"Subscription.channel.payload"),
				// rest-hook endpoints, the private-address guard on
				accepted("a public address over https", patient(), endpoint("https://93.184.216.34/hooks/carnet")),
				refused("plain http", patient(), endpoint("http://93.184.216.34/hook"), "Subscription.channel.endpoint"),
				refused("no endpoint for a rest-hook", patient(), endpoint(null), "Subscription.channel.endpoint"),
				refused("the server itself by name", patient(), endpoint("https://localhost/admin"), "Subscription.channel.endpoint"),
				refused("loopback", patient(), endpoint("https://127.0.0.1/actuator"), "Subscription.channel.endpoint"),
				refused("loopback as a shortened address", patient(), endpoint("https://127.1/"), "Subscription.channel.endpoint"),
				refused("loopback as one decimal number", patient(), endpoint("https://2130706433/"), "Subscription.channel.endpoint"),
				refused("IPv6 loopback", patient(), endpoint("https://[::1]/"), "Subscription.channel.endpoint"),
				refused("the unspecified address", patient(), endpoint("https://0.0.0.0/"), "Subscription.channel.endpoint"),
				refused("a private network (10/8)", patient(), endpoint("https://10.0.0.1/admin"), "Subscription.channel.endpoint"),
				refused("a private network (172.16/12)", patient(), endpoint("https://172.16.5.4/"), "Subscription.channel.endpoint"),
				refused("a private network (192.168/16)", patient(), endpoint("https://192.168.1.1/"), "Subscription.channel.endpoint"),
				refused("a private network written as IPv4-mapped IPv6", patient(), endpoint("https://[::ffff:10.0.0.1]/"),
						"Subscription.channel.endpoint"),
				refused("link-local: the cloud's metadata service", patient(), endpoint("https://169.254.169.254/latest/meta-data/"),
						"Subscription.channel.endpoint"),
				refused("IPv6 link-local", patient(), endpoint("https://[fe80::1]/"), "Subscription.channel.endpoint"),
				refused("an IPv6 unique local address (the IPv6 private networks, fc00::/7)", patient(),
						endpoint("https://[fd12:3456::1]/"), "Subscription.channel.endpoint"),
				refused("the carriers' shared address space (100.64/10, not routed on the Internet)", patient(),
						endpoint("https://100.100.100.200/latest/meta-data/"), "Subscription.channel.endpoint"),
				refused("multicast", patient(), endpoint("https://224.0.0.1/"), "Subscription.channel.endpoint"),
				refused("a name that does not resolve", patient(), endpoint("https://carnet-hook.invalid/"),
						"Subscription.channel.endpoint"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void decides(Case row) {
		Subscription subscription = subscription();
		row.shaped().accept(subscription);

		Throwable refusal = catchThrowable(() -> RULES.beforeCreate(subscription, requestOf(row.caller())));

		if (row.status() == null) {
			assertThat(refusal).as("accepted").isNull();
			assertThat(SubscriptionOwners.of(subscription)).as("the owner is recorded").hasValueSatisfying(owner -> {
				assertThat(owner.role()).isEqualTo(row.caller().role());
				assertThat(owner.patient()).as("a professional's subscription is in no space").isEqualTo(row.caller().patient() == null ? null : SPACE);
				assertThat(owner.keys()).isEqualTo(row.caller().keys());
			});
			return;
		}
		assertThat(refusal).isInstanceOf(BaseServerResponseException.class);
		assertThat(((BaseServerResponseException) refusal).getStatusCode()).as(refusal.getMessage()).isEqualTo(row.status());
		if (row.expression() != null) {
			OperationOutcome outcome = (OperationOutcome) ((BaseServerResponseException) refusal).getOperationOutcome();
			assertThat(outcome.getIssueFirstRep().getExpression()).extracting(Object::toString).containsExactly(row.expression());
		}
		assertThat(SubscriptionOwners.of(subscription)).as("nothing recorded on a refused subscription").isEmpty();
	}

	@Test
	void anUpdateIsHeldToTheSameRules() {
		Subscription toAnInternalAddress = subscription();
		toAnInternalAddress.getChannel().setEndpoint("https://10.0.0.1/admin");

		Throwable refusal = catchThrowable(() -> RULES.beforeUpdate(subscription(), toAnInternalAddress, requestOf(patient())));

		assertThat(refusal).isInstanceOf(UnprocessableEntityException.class);
	}

	@Test
	void aRequestTheAccessPolicyDidNotIdentifyIsRefused() {
		assertThat(catchThrowable(() -> RULES.beforeCreate(subscription(), new ServletRequestDetails())))
				.isInstanceOf(ForbiddenOperationException.class);
	}

	@Test
	void hapisOwnStatusChangesAreNotACallersAndAreLeftAlone() {
		// requested → active, written by HAPI's subscription module with a system request
		Subscription activated = subscription();
		activated.getChannel().setEndpoint("https://10.0.0.1/admin");

		assertThat(catchThrowable(() -> RULES.beforeUpdate(subscription(), activated, new SystemRequestDetails()))).isNull();
	}

	@Test
	void theTestServersSwitchLetsLoopbackEndpointsThroughButNothingElse() {
		SubscriptionRules forTests = new SubscriptionRules(Set.of("DocumentReference"), List.of("http://127.0.0.1:"), true);
		Subscription loopback = subscription();
		loopback.getChannel().setEndpoint("http://127.0.0.1:8089/hook");
		Subscription withData = subscription();
		withData.getChannel().setEndpoint("http://127.0.0.1:8089/hook").setPayload("application/fhir+json");

		assertThat(catchThrowable(() -> forTests.beforeCreate(loopback, requestOf(patient())))).isNull();
		assertThat(catchThrowable(() -> forTests.beforeCreate(withData, requestOf(patient()))))
				.isInstanceOf(UnprocessableEntityException.class);
	}

	// --- the pieces ---

	private static Case accepted(String name, Actor caller, Consumer<Subscription> shaped) {
		return new Case(name, caller, shaped, null, null);
	}

	private static Case refused(String name, Actor caller, Consumer<Subscription> shaped, String expression) {
		return new Case(name, caller, shaped, 422, expression);
	}

	private static Case forbidden(String name, Actor caller, Consumer<Subscription> shaped) {
		return new Case(name, caller, shaped, 403, null);
	}

	private static Consumer<Subscription> endpoint(String url) {
		return subscription -> subscription.getChannel().setEndpoint(url);
	}

	/** What an app sends: a rest-hook on a public https endpoint, criteria on its own space, no payload. */
	private static Subscription subscription() {
		Subscription subscription = new Subscription();
		subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
		subscription.setReason("Nouveaux documents");
		subscription.setCriteria("DocumentReference?patient=Patient/" + SPACE);
		subscription.getChannel().setType(SubscriptionChannelType.RESTHOOK).setEndpoint("https://93.184.216.34/hook");
		return subscription;
	}

	/** A REST request of this caller, as the access policy starts it for every request it sees. */
	private static ServletRequestDetails requestOf(Actor actor) {
		ServletRequestDetails request = new ServletRequestDetails();
		RequestAccess.start(request, new CarnetCaller("sub", CarnetCaller.Kind.PATIENT, "app", null, actor.patient(), null,
				List.of(), null, null, null, null, null, null, "someone"), actor);
		return request;
	}

	private static Actor patient() {
		return new Actor(Actor.Role.PATIENT, SPACE, Set.of("Patient/" + SPACE), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor representative(Actor.Role role) {
		return new Actor(role, SPACE, Set.of("RelatedPerson/7"), null, null, null, EmergencyMode.NONE, null);
	}

	private static Actor professional() {
		return new Actor(Actor.Role.PROFESSIONAL, null, Set.of("ps:810000000001"), "10", "SM54", null, EmergencyMode.NONE, null);
	}

	private static Actor organization() {
		return new Actor(Actor.Role.CARE_ORGANIZATION, null, Set.of("org:1750000000"), null, null, "SA01", EmergencyMode.NONE, null);
	}

	private static Actor insurer() {
		return new Actor(Actor.Role.REFUSED, null, Set.of("org:3100000000"), null, null, "SA24", EmergencyMode.NONE,
				"organizations of sector SA24 never reach patients' spaces");
	}
}
