package org.carnetsante.documents;

import java.util.Base64;
import java.util.Optional;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.StringType;

/**
 * The length and SHA-1 of a Binary's bytes, computed by Carnet when the Binary is stored and kept in its
 * {@code meta} (a Binary has no extensions of its own). A document's size and hash are checked against
 * it once the transaction has stored everything, without reading the bytes back from the binary storage
 * (where HAPI may not have written them yet: it does so at the end of the transaction). Whatever a client
 * sends in these extensions is replaced.
 */
public record BinaryDigest(long size, byte[] sha1) {

	static final String SIZE_EXTENSION = "https://carnet.example/ig/StructureDefinition/binary-size";
	static final String SHA1_EXTENSION = "https://carnet.example/ig/StructureDefinition/binary-sha1";

	public static BinaryDigest of(byte[] bytes) {
		return new BinaryDigest(bytes.length, AttachmentIntegrity.sha1(bytes));
	}

	/** Records the digest of a Binary about to be stored, replacing any the client sent. */
	static void record(Binary binary) {
		Meta meta = binary.getMeta();
		meta.getExtension().removeIf(extension -> SIZE_EXTENSION.equals(extension.getUrl()) || SHA1_EXTENSION.equals(extension.getUrl()));
		if (binary.getData() != null) {
			BinaryDigest digest = of(binary.getData());
			meta.addExtension(SIZE_EXTENSION, new IntegerType(Math.toIntExact(digest.size())));
			meta.addExtension(SHA1_EXTENSION, new StringType(Base64.getEncoder().encodeToString(digest.sha1())));
		}
		if (meta.isEmpty()) {
			binary.setMeta(null);
		}
	}

	/** The digest recorded in a stored Binary, if it has one. */
	static Optional<BinaryDigest> of(Binary binary) {
		Extension size = binary.getMeta().getExtensionByUrl(SIZE_EXTENSION);
		Extension sha1 = binary.getMeta().getExtensionByUrl(SHA1_EXTENSION);
		if (size == null || sha1 == null) {
			return Optional.empty();
		}
		return Optional.of(new BinaryDigest(((IntegerType) size.getValue()).getValue(),
				Base64.getDecoder().decode(((StringType) sha1.getValue()).getValue())));
	}
}
