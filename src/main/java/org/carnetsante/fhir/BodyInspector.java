package org.carnetsante.fhir;

/**
 * Looks at a request body byte by byte as it streams to HAPI, and refuses it (by throwing the HAPI
 * exception HAPI answers with) as soon as it breaks a rule. Inspectors see every byte once, keep
 * bounded state and never buffer the body: their cost is linear in its size.
 */
interface BodyInspector {

	/** The next byte of the body (0–255). */
	void inspect(int b);

	/** The next {@code length} bytes of the body; inspectors may skip through runs they need not judge. */
	default void inspect(byte[] bytes, int offset, int length) {
		for (int i = offset; i < offset + length; i++) {
			inspect(bytes[i] & 0xFF);
		}
	}

	/** For bodies that need no inspection. */
	BodyInspector NONE = b -> {};
}
