package org.carnetsante.smart;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * Says whose space a page is about, in the person's words: "your own space", "the space of your child
 * Lucas Dupont (you are their legal representative)", "the space Marie Dupont entrusted to you, until 12
 * May 2027". Read from the spaces the account may open ({@code carnet_user_patient}: relationship and
 * {@code valid_until}), only for spaces the account may open: a page never names another patient.
 */
class SpaceNames {

	/** One space as a page describes it: the patient's name and how the person relates to it. */
	record Space(String patientId, String name, String relationship) {}

	private final UserAccounts accounts;
	private final DaoRegistry daos;

	SpaceNames(UserAccounts accounts, DaoRegistry daos) {
		this.accounts = accounts;
		this.daos = daos;
	}

	/** The space, described for this account, if the account may open it. */
	Optional<Space> describe(String username, String patientId, PatientPageText.Words words) {
		return accounts.relationshipTo(username, patientId).map(relationship -> {
			String name = nameOf(patientId, words);
			Optional<LocalDate> until = accounts.validUntil(username, patientId);
			String how = switch (relationship) {
				case SELF -> words.get("space.self");
				case LEGAL_REPRESENTATIVE -> words.get("space.child", name);
				case DELEGATE -> until
						.map(day -> words.get("space.delegated.until", name, lastDay(day, words)))
						.orElseGet(() -> words.get("space.delegated", name));
			};
			return new Space(patientId, name, how);
		});
	}

	/** The last day of an access that ends before {@code until}, as the language writes dates. */
	private static String lastDay(LocalDate until, PatientPageText.Words words) {
		return until.minusDays(1).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(words.locale()));
	}

	private String nameOf(String patientId, PatientPageText.Words words) {
		try {
			Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
			String name = patient.getNameFirstRep().getNameAsSingleString();
			return name == null || name.isBlank() ? words.get("space.unnamed") : name;
		} catch (RuntimeException e) {
			// Erased or not yet provisioned: the space is still the account's to choose.
			return words.get("space.unnamed");
		}
	}
}
