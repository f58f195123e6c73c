package ca.uhn.fhir.jpa.dao;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import com.google.common.hash.Hashing;
import java.util.List;
import java.util.Random;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * The stored hash of a version must be exactly HAPI's: it is persisted, and HAPI compares it with the
 * next version's to tell whether an update changed anything.
 */
class ContiguousHashResourceHistoryCalculatorTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();

	@Test
	void hashesEveryCharAsGuavaDoes() {
		Random random = new Random(42);
		for (int round = 0; round < 2_000; round++) {
			char[] chars = new char[random.nextInt(300)];
			for (int i = 0; i < chars.length; i++) {
				// The whole char range: accents, CJK, lone high and low surrogates, NUL.
				chars[i] = (char) random.nextInt(Character.MAX_VALUE + 1);
			}
			String text = new String(chars);
			assertEquals(Hashing.sha256().hashUnencodedChars(text),
					ContiguousHashResourceHistoryCalculator.sha256OfChars(text), "text of round " + round);
		}
		assertEquals(Hashing.sha256().hashUnencodedChars(""), ContiguousHashResourceHistoryCalculator.sha256OfChars(""));
	}

	@Test
	void givesTheVersionStateHapiGives() {
		ResourceHistoryCalculator hapi = new ResourceHistoryCalculator(FHIR, false);
		ResourceHistoryCalculator contiguous = new ContiguousHashResourceHistoryCalculator(FHIR, false);
		Patient patient = new Patient();
		patient.addName().setFamily("Dupré-Łukasiewicz \uD83D\uDE00 \uD800").addGiven("Zoé");
		Binary binary = new Binary().setContentType("application/pdf");
		binary.setData(new byte[40_000]);
		DocumentReference document = new DocumentReference();
		document.getMeta().addProfile("https://carnet.example/ig/StructureDefinition/carnet-document-reference");
		document.setDescription("Compte rendu d'hospitalisation");
		for (var resource : List.of(patient, binary, document)) {
			for (List<String> excluded : List.of(List.<String>of(), List.of("*.meta"))) {
				ResourceHistoryState expected = hapi.calculateResourceHistoryState(resource, ResourceEncodingEnum.JSON, excluded);
				ResourceHistoryState actual = contiguous.calculateResourceHistoryState(resource, ResourceEncodingEnum.JSON, excluded);
				assertEquals(expected, actual, resource.fhirType());
				assertEquals(expected.getHashCode(), actual.getHashCode(), resource.fhirType());
			}
		}
	}
}
