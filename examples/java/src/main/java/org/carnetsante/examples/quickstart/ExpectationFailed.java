package org.carnetsante.examples.quickstart;

/** A step did not behave as the quickstart expects: the program reports it and exits non-zero. */
final class ExpectationFailed extends RuntimeException {

	ExpectationFailed(String message) {
		super(message);
	}
}
