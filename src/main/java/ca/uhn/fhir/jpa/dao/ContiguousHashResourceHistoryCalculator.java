package ca.uhn.fhir.jpa.dao;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import com.google.common.hash.HashCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's resource history calculator with the same SHA-256 of each stored version, computed in one
 * pass over the text's bytes instead of one digest update per byte.
 *
 * <p>HAPI hashes every stored version's JSON with Guava's {@code hashUnencodedChars}, which feeds the
 * digest each char as two little-endian bytes, one {@code update(byte)} call at a time. A pushed
 * document's inline Binary is ~40 KB of base64, hashed twice per transaction: 8 % of the server's CPU
 * during ITI-65 pushes (JFR, docs/performance.md). This class hashes the very same bytes (every char,
 * unpaired surrogates included, as two little-endian bytes) with one {@code digest} call, so the
 * stored {@code HASH_SHA256} is unchanged and HAPI's change detection compares like with like.
 *
 * <p>It lives in HAPI's package because the method it replaces is package-private; it is registered as
 * the primary {@link ResourceHistoryCalculator} by {@code org.carnetsante.fhir.FhirJpaConfig}. On
 * Oracle, where HAPI already hashes a byte array in one call, HAPI's own path is kept.
 */
public class ContiguousHashResourceHistoryCalculator extends ResourceHistoryCalculator {

	private final boolean oracleDialect;

	public ContiguousHashResourceHistoryCalculator(FhirContext fhirContext, boolean oracleDialect) {
		super(fhirContext, oracleDialect);
		this.oracleDialect = oracleDialect;
	}

	@Override
	ResourceHistoryState calculateResourceHistoryState(
			IBaseResource resource, ResourceEncodingEnum encoding, List<String> excludedElements) {
		if (oracleDialect) {
			return super.calculateResourceHistoryState(resource, encoding, excludedElements);
		}
		String text = encodeResource(resource, encoding, excludedElements);
		return new ResourceHistoryState(text, null, ResourceEncodingEnum.JSON, sha256OfChars(text));
	}

	/** The SHA-256 Guava's {@code hashUnencodedChars} gives: each char as two little-endian bytes. */
	public static HashCode sha256OfChars(CharSequence text) {
		int length = text.length();
		byte[] bytes = new byte[length * 2];
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			bytes[2 * i] = (byte) c;
			bytes[2 * i + 1] = (byte) (c >>> 8);
		}
		try {
			return HashCode.fromBytes(MessageDigest.getInstance("SHA-256").digest(bytes));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("Every Java platform provides SHA-256", e);
		}
	}
}
