package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.carnetsante.support.CarnetServerTest;
import org.carnetsante.support.RawHttp;
import org.carnetsante.support.TestBrowser;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The login page over real HTTP: a failure says only that the login failed, tied to both fields; after
 * {@code carnet.smart.login.max-failures-per-account} failures for one user name, or
 * {@code ...-per-address} from one client address, every attempt is refused, the right password
 * included, and an unknown user name is counted and answered exactly like a known one. Each test logs in
 * from its own loopback address (127.x.y.z), so that its failures never hold back another test's logins.
 */
class LoginRateLimitTest extends CarnetServerTest {

	private static final String PASSWORD = "the right password";

	@Autowired
	UserAccounts accounts;

	@Autowired
	LoginProperties limits;

	@Test
	void anAccountThatFailedTooOftenIsRefusedEvenWithTheRightPasswordAndAnUnknownOneIsAnsweredAlike() {
		String known = anAccount();
		String unknown = "nobody-" + UUID.randomUUID();
		String address = aLoopbackAddress();
		Integer failuresBefore = jdbc.queryForObject("SELECT COUNT(*) FROM carnet_login_failure", Integer.class);

		for (int failure = 0; failure < limits.maxFailuresPerAccount(); failure++) {
			assertThat(login(address, known, "wrong " + failure)).as("failure %d of the known account", failure)
					.endsWith("/login?error");
			assertThat(login(address, unknown, "wrong " + failure)).as("failure %d of the unknown name", failure)
					.endsWith("/login?error");
		}

		assertThat(login(address, known, PASSWORD)).as("the right password, once limited").endsWith("/login?error=later");
		assertThat(login(address, unknown, PASSWORD)).as("an unknown name, once limited").endsWith("/login?error=later");
		// The count is the account's, whichever address the next attempt comes from (and on whichever node:
		// it is in the database).
		assertThat(login(aLoopbackAddress(), known, PASSWORD)).as("from another address").endsWith("/login?error=later");
		assertThat(login(aLoopbackAddress(), " " + known.toUpperCase(), PASSWORD))
				.as("the same name in capitals, with a space, is the same count").endsWith("/login?error=later");
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM carnet_login_failure", Integer.class) - failuresBefore)
				.as("one row per failure for the name and one for the address, in the shared database")
				.isGreaterThanOrEqualTo(2 * 2 * limits.maxFailuresPerAccount());
	}

	/**
	 * A burst of wrong passwords sent at once: each attempt is counted before its password is checked, so
	 * no more than the maximum are checked at all, the rest refused as limited.
	 */
	@Test
	void aParallelBurstOfGuessesGetsNoMorePasswordChecksThanTheLimit() throws Exception {
		String account = anAccount();
		int burst = 4 * limits.maxFailuresPerAccount();
		java.util.concurrent.ExecutorService guessers = java.util.concurrent.Executors.newFixedThreadPool(burst);
		try {
			java.util.List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
			java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
			for (int guess = 0; guess < burst; guess++) {
				String password = "guess " + guess;
				String address = aLoopbackAddress();
				answers.add(guessers.submit(() -> {
					start.await();
					return login(address, account, password);
				}));
			}
			start.countDown();
			long checked = 0;
			for (java.util.concurrent.Future<String> answer : answers) {
				String location = answer.get(2, java.util.concurrent.TimeUnit.MINUTES);
				assertThat(location).as("a failure or a refusal, nothing else").matches(".*/login\\?error(=later)?$");
				checked += location.endsWith("/login?error") ? 1 : 0;
			}
			assertThat(checked).as("password checks out of %d simultaneous guesses", burst)
					.isLessThanOrEqualTo(limits.maxFailuresPerAccount());
		} finally {
			guessers.shutdownNow();
		}
		assertThat(login(aLoopbackAddress(), account, PASSWORD)).endsWith("/login?error=later");
	}

	@Test
	void anAddressThatFailedTooOftenIsRefusedForEveryAccountButAnotherAddressIsNot() {
		String account = anAccount();
		String address = aLoopbackAddress();
		for (int failure = 0; failure < limits.maxFailuresPerAddress(); failure++) {
			assertThat(login(address, "guess-" + failure + "-" + UUID.randomUUID(), "wrong")).endsWith("/login?error");
		}

		assertThat(login(address, account, PASSWORD)).as("a good login from the limited address")
				.endsWith("/login?error=later");
		assertThat(login(aLoopbackAddress(), account, PASSWORD)).as("the same login from elsewhere")
				.doesNotContain("/login");
	}

	@Test
	void theFailureSaysOnlyThatTheLoginFailedTiedToBothFieldsAndAnnounced() {
		String known = anAccount();
		String address = aLoopbackAddress();
		String knownFailure = pageAfter(address, known, "wrong");
		String unknownFailure = pageAfter(address, "nobody-" + UUID.randomUUID(), "wrong");

		assertThat(withoutCsrf(knownFailure)).as("a known and an unknown account fail alike").isEqualTo(withoutCsrf(unknownFailure));
		assertThat(knownFailure)
				.contains("<html lang=\"fr\">")
				.contains("id=\"login-error\" role=\"alert\"")
				.contains("La connexion a échoué")
				.doesNotContain("Réessayez plus tard");
		assertThat(knownFailure.split("aria-invalid=\"true\" aria-describedby=\"login-error\"", -1)).as("both fields").hasSize(3);
		assertThat(knownFailure).contains("<label for=\"username\">").contains("<label for=\"password\">");

		HttpResponse<String> english = page(baseUrl() + "/login?error=later", "en-GB,en;q=0.9,fr;q=0.5");
		assertThat(english.body()).contains("<html lang=\"en\">").contains("Sign-in failed").contains("Try again later.");
		HttpResponse<String> french = page(baseUrl() + "/login?error=later", "fr-FR,fr;q=0.9,en;q=0.5");
		assertThat(french.body()).contains("<html lang=\"fr\">").contains("Réessayez plus tard.");
	}

	@Test
	void theStylesheetIsServedWithoutAuthentication() {
		HttpResponse<String> css = page(baseUrl() + PatientPage.STYLESHEET, "fr");
		assertThat(css.statusCode()).isEqualTo(200);
		assertThat(css.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/css"));
		assertThat(css.body()).contains(":focus");
	}

	private String anAccount() {
		String username = "rate-" + UUID.randomUUID();
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PATIENT, "Rate Limited", "Patient/none",
				null, null, null, null, null), PASSWORD);
		return username;
	}

	/** One login attempt from this client address, in a fresh session; where the server sends it next. */
	private String login(String address, String username, String password) {
		return attempt(address, username, password).location();
	}

	/** The page a browser at this client address is shown after a login attempt. */
	private String pageAfter(String address, String username, String password) {
		Attempt attempt = attempt(address, username, password);
		String path = URI.create(attempt.location()).getRawPath() + "?" + URI.create(attempt.location()).getRawQuery();
		return RawHttp.send(local(address), port, "GET", path, "localhost:" + port,
				Map.of("Accept", "text/html", "Cookie", attempt.session()), null).body();
	}

	private record Attempt(String session, String location) {}

	/**
	 * The login form read and posted over raw sockets bound to {@code address} (Java's HTTP client cannot
	 * choose its local address): the server sees that client address.
	 */
	private Attempt attempt(String address, String username, String password) {
		RawHttp.Response form = RawHttp.send(local(address), port, "GET", "/login", "localhost:" + port,
				Map.of("Accept", "text/html"), null);
		String session = form.headers().get("set-cookie").split(";")[0];
		String csrf = TestBrowser.inputs(form.body()).get("_csrf").get(0);
		RawHttp.Response posted = RawHttp.send(local(address), port, "POST", "/login", "localhost:" + port,
				Map.of("Accept", "text/html", "Cookie", session, "Content-Type", "application/x-www-form-urlencoded"),
				"username=" + encode(username) + "&password=" + encode(password) + "&_csrf=" + encode(csrf));
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
		return new Attempt(session, posted.headers().get("location"));
	}

	private static java.net.InetAddress local(String address) {
		try {
			return java.net.InetAddress.getByName(address);
		} catch (java.net.UnknownHostException e) {
			throw new IllegalArgumentException(address, e);
		}
	}

	private static String encode(String value) {
		return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
	}

	private static String withoutCsrf(String page) {
		return page.replaceAll("name=\"_csrf\" value=\"[^\"]*\"", "");
	}

	/** Linux answers the whole 127.0.0.0/8 on loopback: each address is a client of its own to the server. */
	private static String aLoopbackAddress() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		return "127." + random.nextInt(1, 255) + "." + random.nextInt(0, 256) + "." + random.nextInt(1, 255);
	}

	/** A plain GET with a chosen Accept-Language. */
	private HttpResponse<String> page(String url, String languages) {
		return send(HttpRequest.newBuilder(URI.create(url))
				.header("Accept", "text/html")
				.header("Accept-Language", languages)
				.GET()
				.build());
	}
}
