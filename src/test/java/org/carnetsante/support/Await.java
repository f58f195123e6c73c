package org.carnetsante.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Waits for something another thread, node or process makes true. Polling is short so that a test
 * takes about as long as the thing it waits for; the deadline only bounds a failure.
 */
public final class Await {

	private static final Duration POLL = Duration.ofMillis(10);

	private Await() {
	}

	/** Returns once {@code condition} holds; fails the test naming {@code what} after {@code deadline}. */
	public static void until(String what, Duration deadline, BooleanSupplier condition) {
		Instant end = Instant.now().plus(deadline);
		while (!condition.getAsBoolean()) {
			assertThat(Instant.now()).as(what + " within " + deadline).isBefore(end);
			try {
				Thread.sleep(POLL.toMillis());
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
		}
	}
}
