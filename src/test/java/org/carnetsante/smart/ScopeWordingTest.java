package org.carnetsante.smart;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.web.MockHttpServletRequest;

/** What the consent page says of each scope, in French and English, for the SMART v1 and v2 forms. */
class ScopeWordingTest {

	private static final PatientPageText TEXT = new PatientPageText();

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource(delimiter = '|', textBlock = """
			patient/DocumentReference.rs     | voir les documents
			patient/DocumentReference.read   | voir les documents
			patient/DocumentReference.c      | ajouter les documents
			patient/DocumentReference.write  | ajouter, modifier et supprimer les documents
			patient/DocumentReference.cruds  | voir, ajouter, modifier et supprimer les documents
			patient/DocumentReference.*      | voir, ajouter, modifier et supprimer les documents
			patient/DocumentReference.cu     | ajouter et modifier les documents
			patient/AuditEvent.rs            | voir l’historique des accès à l’espace (qui l’a consulté et quand)
			patient/Communication.cr         | voir et ajouter les messages
			patient/Appointment.rs           | voir les rendez-vous de l’agenda
			patient/Consent.cruds            | voir, ajouter, modifier et supprimer les consentements et les autorisations d’accès
			patient/*.rs                     | voir toutes les informations de l’espace
			patient/*.read                   | voir toutes les informations de l’espace
			user/*.rs                        | voir toutes les informations de l’espace, pour les patients auxquels votre accès le permet
			patient/Flag.rs                  | voir les données de type « Flag »
			patient/Observation.rs?category=laboratory | voir les résultats d’examens et mesures, seulement pour : category=laboratory
			openid                           | confirmer à l’application qui vous êtes
			fhirUser                         | connaître votre identité (votre nom et votre profil)
			launch/patient                   | savoir quel espace santé est ouvert
			offline_access                   | rester connectée à votre espace même quand vous ne l’utilisez pas, jusqu’à ce que vous retiriez l’accès
			patient/Observation.read?x=y     | patient/Observation.read?x=y
			something-else                   | something-else
			""")
	void frenchPhrases(String scope, String phrase) {
		// French puts no-break spaces before ":" and inside « » (the table writes plain ones).
		assertThat(ScopeWording.of(scope, TEXT.forRequest(languages("fr-FR,fr;q=0.9"))).text().replace('\u00a0', ' '))
				.isEqualTo(phrase);
	}

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource(delimiter = '|', textBlock = """
			patient/DocumentReference.rs  | see the documents
			patient/DocumentReference.cud | add, change and delete the documents
			patient/AuditEvent.rs         | see the record of who accessed the space, and when
			patient/*.cruds               | see, add, change and delete all the information in the space
			offline_access                | stay connected to your space even when you are not using it, until you withdraw the access
			unknown:scope                 | unknown:scope
			""")
	void englishPhrases(String scope, String phrase) {
		assertThat(ScopeWording.of(scope, TEXT.forRequest(languages("en-US,en;q=0.9,fr;q=0.5"))).text()).isEqualTo(phrase);
	}

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource(delimiter = '|', textBlock = """
			en-GB,en;q=0.9,fr;q=0.8 | en
			fr-FR,en;q=0.9          | fr
			de-DE,en;q=0.5          | en
			de-DE                   | fr
			''                      | fr
			""")
	void frenchUnlessTheBrowserPrefersEnglish(String acceptLanguage, String language) {
		assertThat(TEXT.forRequest(languages(acceptLanguage)).language()).isEqualTo(language);
	}

	@ParameterizedTest(name = "{0} is not plain")
	@CsvSource({"something-else", "patient/Observation.read?x=y"})
	void anUnknownScopeIsShownAsWritten(String scope) {
		ScopeWording.Phrase phrase = ScopeWording.of(scope, TEXT.forRequest(languages("fr")));
		assertThat(phrase.plain()).isFalse();
		assertThat(phrase.text()).isEqualTo(scope);
	}

	private static HttpServletRequest languages(String acceptLanguage) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		if (!acceptLanguage.isEmpty()) {
			request.addHeader("Accept-Language", acceptLanguage);
			request.setPreferredLocales(java.util.Arrays.stream(acceptLanguage.split(","))
					.map(range -> Locale.forLanguageTag(range.split(";")[0].strip()))
					.toList());
		}
		return request;
	}
}
