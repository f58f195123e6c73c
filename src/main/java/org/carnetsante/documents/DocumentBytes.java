package org.carnetsante.documents;

import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.hl7.fhir.r4.model.Binary;

/**
 * The bytes of a stored Binary, wherever they live: in the resource (small ones, or the {@code inline}
 * storage) or in the binary storage, which the resource then names by an extension.
 */
public class DocumentBytes {

	private final IBinaryStorageSvc storage;

	public DocumentBytes(IBinaryStorageSvc storage) {
		this.storage = storage;
	}

	public byte[] of(Binary binary) {
		if (binary.getData() != null) {
			return binary.getData();
		}
		try {
			byte[] stored = storage.fetchDataByteArrayFromBinary(binary);
			return stored == null ? new byte[0] : stored;
		} catch (IOException e) {
			throw new UncheckedIOException("reading the stored bytes of Binary/" + binary.getIdElement().getIdPart(), e);
		} catch (UnsupportedOperationException e) {
			return new byte[0]; // the inline storage: no data is no bytes
		}
	}
}
