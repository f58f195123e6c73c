package org.carnetsante.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.Fixtures;
import org.carnetsante.support.SubscriptionMatching;
import org.carnetsante.support.TestSpace;
import org.carnetsante.support.TestSpace.Item;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * FHIR Subscriptions for patients' apps, over a real rest-hook endpoint and a real websocket: an app
 * subscribes to its own space only, is pinged (never sent data) for what its patient may see, and
 * binds only its own subscriptions.
 */
class SubscriptionsTest extends CarnetServerTest {

	@Autowired
	UserAccounts accounts;

	@Autowired
	IInterceptorService interceptors;

	@Autowired
	SubscriptionRegistry registry;

	private static TestSpace space;
	private static HttpServer hook;
	private static final AtomicInteger calls = new AtomicInteger();
	private static final List<String> bodies = new CopyOnWriteArrayList<>();

	@BeforeEach
	void oneSpaceAndAnEndpoint() throws Exception {
		if (space == null) {
			space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
			hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			hook.createContext("/hook", exchange -> {
				bodies.add(new String(exchange.getRequestBody().readAllBytes()));
				calls.incrementAndGet();
				exchange.sendResponseHeaders(200, -1);
				exchange.close();
			});
			hook.start();
		}
	}

	@AfterAll
	static void stopTheEndpoint() {
		if (hook != null) {
			hook.stop(0);
		}
	}

	@Test
	void anAppIsPingedForWhatItsPatientMaySeeAndNothingElse() {
		String id = created(post(space.patientToken(), "/Subscription", subscription(Subscription.SubscriptionChannelType.RESTHOOK)));
		awaitActive(id);
		DocumentReference hidden = Fixtures.documentReference(space.id(Item.PATIENT));
		hidden.getMeta().addSecurity(TestSpace.LABELS, "INVISIBLE_PATIENT", null);
		int before = calls.get();

		try (SubscriptionMatching matching = SubscriptionMatching.watch(interceptors, FHIR)) {
			String hiddenId = created(post(token(), "/DocumentReference", hidden));
			matching.awaitChecked(hiddenId);
			// Checked against every subscription and nothing queued: no ping about it can ever leave.
			assertThat(matching.deliveriesAbout(hiddenId)).as("a document hidden from the patient tells her app nothing").isEmpty();

			String shownId = created(post(token(), "/DocumentReference", Fixtures.documentReference(space.id(Item.PATIENT))));
			matching.awaitChecked(shownId);
			assertThat(matching.deliveriesAbout(shownId)).contains(id);
		}
		eventually(() -> calls.get() > before);
		assertThat(bodies.get(bodies.size() - 1)).as("a ping carries no data").isEmpty();
	}

	@Test
	void anAppSubscribesOnlyToItsOwnSpaceWithoutDataAndToAllowedEndpoints() {
		String claire = space.patientToken();
		Subscription otherSpace = subscription(Subscription.SubscriptionChannelType.RESTHOOK)
				.setCriteria("DocumentReference?patient=Patient/" + space.id(Item.MINOR).substring("Patient/".length()));
		assertThat(post(claire, "/Subscription", otherSpace).statusCode()).isEqualTo(422);
		Subscription withData = subscription(Subscription.SubscriptionChannelType.RESTHOOK);
		withData.getChannel().setPayload("application/fhir+json");
		HttpResponse<String> refused = post(claire, "/Subscription", withData);
		assertThat(refused.statusCode()).isEqualTo(422);
		assertThat(refused.body()).contains("Subscription.channel.payload");
		Subscription internal = subscription(Subscription.SubscriptionChannelType.RESTHOOK);
		internal.getChannel().setEndpoint("http://10.0.0.1/admin");
		assertThat(post(claire, "/Subscription", internal).statusCode()).isEqualTo(422);
		assertThat(post(space.professionalMessagingToken(space.gp), "/Subscription",
				subscription(Subscription.SubscriptionChannelType.RESTHOOK)).statusCode()).as("professionals use ITI-67").isEqualTo(422);

		Subscription reachingOut = subscription(Subscription.SubscriptionChannelType.RESTHOOK);
		reachingOut.setCriteria(reachingOut.getCriteria() + "&_has:Observation:patient:code=1234-5");
		assertThat(post(claire, "/Subscription", reachingOut).statusCode()).as("plain parameters only").isEqualTo(422);
		Subscription twoSpaces = subscription(Subscription.SubscriptionChannelType.RESTHOOK);
		twoSpaces.setCriteria(twoSpaces.getCriteria() + "&patient=" + space.id(Item.MINOR));
		assertThat(post(claire, "/Subscription", twoSpaces).statusCode()).isEqualTo(422);

		String id = created(post(claire, "/Subscription", subscription(Subscription.SubscriptionChannelType.RESTHOOK)));
		assertThat(get(claire, "/" + id).statusCode()).isEqualTo(200);
		assertThat(get(space.professionalToken(space.gp), "/" + id).statusCode())
				.as("a Subscription is the patient's own: to professionals, as absent").isEqualTo(404)
				.isEqualTo(get(space.professionalToken(space.gp), "/Subscription/987654321").statusCode());
		assertThat(send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Subscription?status=active"))
				.header("Authorization", "Bearer " + space.professionalToken(space.gp)).GET().build()).statusCode())
				.as("professionals do not search subscriptions").isEqualTo(403);
		assertThat(get(space.parentToken(), "/" + id).statusCode()).as("someone else's subscription").isEqualTo(404);
	}

	@Test
	void aGpsSoftwareIsPingedWhenThePatientRepliesToHisMessage() {
		String gp = space.professionalMessagingToken(space.gp);
		Subscription replies = subscription(Subscription.SubscriptionChannelType.RESTHOOK);
		replies.setReason("Réponses à mes messages");
		replies.setCriteria("Communication?recipient-identifier=" + org.carnetsante.access.ActorKeys.PROFESSIONAL_ID_SYSTEM + "|"
				+ space.gp.idNat());
		String id = created(post(gp, "/Subscription", replies));
		awaitActive(id);
		assertThat(get(gp, "/" + id).statusCode()).as("his own subscription").isEqualTo(200);
		assertThat(get(space.professionalToken(space.pharmacist), "/" + id).statusCode()).as("another's: as absent").isEqualTo(404);
		assertThat(get(space.patientToken(), "/" + id).statusCode()).isEqualTo(404);

		int before = calls.get();
		org.hl7.fhir.r4.model.Communication answer = TestSpace.message(space.id(Item.PATIENT),
				TestSpace.professionalReference(space.gp), "Bien reçu, merci.");
		answer.addInResponseTo(new org.hl7.fhir.r4.model.Reference(space.id(Item.MESSAGE)));
		assertThat(post(space.patientToken(), "/Communication", answer).statusCode()).isEqualTo(201);
		eventually(() -> calls.get() > before);
		assertThat(bodies.get(bodies.size() - 1)).as("a ping without data").isEmpty();

		HttpResponse<String> deleted = send(HttpRequest.newBuilder(URI.create(fhirBase() + "/" + id))
				.header("Authorization", "Bearer " + space.professionalMessagingToken(space.pharmacist)).DELETE().build());
		assertThat(deleted.statusCode()).as("another's subscription is not deleted").isEqualTo(404);
	}

	@Test
	void aWebsocketBindsOnlyItsOwnSubscriptionAndIsPinged() throws Exception {
		String id = created(post(space.patientToken(), "/Subscription", subscription(Subscription.SubscriptionChannelType.WEBSOCKET)));
		awaitActive(id);
		List<String> received = new CopyOnWriteArrayList<>();
		WebSocket socket = open(space.patientToken(), received);
		socket.sendText("bind " + id, true).join();
		eventually(() -> received.stream().anyMatch(message -> message.startsWith("bound")));

		assertThat(post(token(), "/DocumentReference", Fixtures.documentReference(space.id(Item.PATIENT))).statusCode()).isEqualTo(201);
		String bareId = id.substring("Subscription/".length());
		eventually(() -> received.stream().anyMatch(message -> message.equals("ping " + bareId)));

		List<String> stranger = new CopyOnWriteArrayList<>();
		WebSocket other = open(space.parentToken(), stranger);
		other.sendText("bind " + id, true).join();
		eventually(() -> stranger.stream().anyMatch(message -> message.startsWith("failed to bind")));
		socket.abort();

		HttpResponse<String> anonymous = send(HttpRequest.newBuilder(URI.create(baseUrl() + "/websocket")).build());
		assertThat(anonymous.statusCode()).as("the handshake needs a token").isEqualTo(401);
	}

	// --- the pieces ---

	private Subscription subscription(Subscription.SubscriptionChannelType type) {
		Subscription subscription = new Subscription();
		subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
		subscription.setReason("Nouveaux documents");
		subscription.setCriteria("DocumentReference?patient=" + space.id(Item.PATIENT));
		subscription.getChannel().setType(type);
		if (type == Subscription.SubscriptionChannelType.RESTHOOK) {
			subscription.getChannel().setEndpoint("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook");
		}
		return subscription;
	}

	private WebSocket open(String token, List<String> received) {
		return HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
				.buildAsync(URI.create("ws://localhost:" + port + "/websocket"), new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
						received.add(data.toString());
						webSocket.request(1);
						return null;
					}
				}).join();
	}

	/** Until HAPI's matcher holds the subscription: only then is a change matched against it. */
	private void awaitActive(String id) {
		eventually(() -> registry.get(id.substring("Subscription/".length())) != null);
	}

	private static void eventually(BooleanSupplier done) {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
		while (!done.getAsBoolean() && Instant.now().isBefore(deadline)) {
			try {
				Thread.sleep(100);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		assertThat(done.getAsBoolean()).as("within 30 s").isTrue();
	}

	private HttpResponse<String> post(String token, String path, org.hl7.fhir.instance.model.api.IBaseResource resource) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(resource))).build());
	}

	private HttpResponse<String> get(String token, String path) {
		return send(HttpRequest.newBuilder(URI.create(fhirBase() + path)).header("Authorization", "Bearer " + token).build());
	}

	private static String created(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return new org.hl7.fhir.r4.model.IdType(response.headers().firstValue("Location").orElseThrow())
				.toUnqualifiedVersionless().getValue().replaceFirst("^.*/fhir/", "");
	}
}
