package org.carnetsante.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.CarnetClients;
import org.carnetsante.smart.UserAccounts;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RelatedPerson;

/**
 * An adult's space and a minor's space filled the way Carnet is used, and the people around them, each
 * with a real token from a real launch (or a signed client assertion): the adult patient, a relative
 * she delegated access to, the minor's parent, a GP, a pharmacist and a nurse of her care team, a GP
 * she blocked, a psychiatrist who wrote a document masked from professionals, two emergency doctors
 * (break the glass, centre 15) outside her care team, an insurer's system and the hospital's system.
 *
 * <p>The adult's space holds documents of several types and visibility labels (see {@link Item}).
 * Everything is written over HTTP with the writers' own tokens: the hospital feeds the documents, the
 * patient declares her care team, blocks a GP and delegates to her brother.
 */
public final class TestSpace {

	public static final String PASSWORD = "s3cret-for-tests";
	public static final String LABELS = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument";
	public static final String LOINC = "http://loinc.org";
	public static final List<String> PATIENT_SCOPES = List.of("openid", "fhirUser", "launch/patient", "patient/*.cruds");
	public static final List<String> PROFESSIONAL_SCOPES = List.of("openid", "fhirUser", "user/*.rs");
	/** What a professional's own software asks to send documents to a space. */
	public static final List<String> PROFESSIONAL_WRITE_SCOPES =
			List.of("openid", "fhirUser", "user/*.rs", "user/DocumentReference.cud", "user/Binary.c");
	/** What a professional's messaging and booking software asks: read, write and mark messages, book appointments. */
	public static final List<String> PROFESSIONAL_MESSAGING_SCOPES =
			List.of("openid", "fhirUser", "user/*.rs", "user/Communication.cu", "user/DocumentReference.c", "user/Appointment.cud",
					"user/Binary.c", "user/Subscription.cud");

	/** What the spaces hold. */
	public enum Item {
		PATIENT,
		CONSULTATION,
		BIOLOGY,
		PRESCRIPTION,
		/** A consultation written by the psychiatrist, masked from professionals (MASQUE_PS). */
		MASKED_CONSULTATION,
		/** A biology report not yet shown to the patient (INVISIBLE_PATIENT). */
		BIOLOGY_NOT_YET_FOR_THE_PATIENT,
		OBSERVATION,
		/** The bytes of the consultation (Binary whose security context is the consultation). */
		CONSULTATION_BYTES,
		/** The bytes of the masked consultation. */
		MASKED_BYTES,
		MINOR,
		MINOR_CONSULTATION,
		/** A document of the minor's hidden from the parents (INVISIBLE_REPRESENTANTS_LEGAUX). */
		MINOR_HIDDEN_FROM_PARENTS,
		/** A message the GP sent to the patient: seen by the GP and the patient's side only. */
		MESSAGE,
		/** An appointment the GP booked with the patient: seen by the GP and the patient's side only. */
		APPOINTMENT
	}

	public record Professional(String username, String idNat, String profession, String specialty) {

		public String key() {
			return "ps:" + idNat;
		}
	}

	private final String baseUrl;
	private final CarnetClients clients;
	private final UserAccounts accounts;
	private final IGenericClient hospital;
	private final FhirContext fhir = FhirContext.forR4Cached();
	private final Map<Item, String> ids = new EnumMap<>(Item.class);
	private final String suffix = UUID.randomUUID().toString().substring(0, 8);
	private final String patientApp = "space-patient-app-" + suffix;
	private final String practitionerApp = "space-practitioner-app-" + suffix;
	private final String practitionerWriterApp = "space-practitioner-writer-" + suffix;
	private final String practitionerMessagingApp = "space-practitioner-messaging-" + suffix;

	public final String nir = Fixtures.randomNir();
	public final Professional gp = professional("gp", "10", "SM54");
	public final Professional pharmacist = professional("pharmacist", "21", null);
	public final Professional nurse = professional("nurse", "60", null);
	public final Professional blockedGp = professional("blocked-gp", "10", "SM54");
	public final Professional psychiatrist = professional("psychiatrist", "10", "SM42");
	public final Professional emergencyDoctor = professional("btg-doctor", "10", "SM54");
	public final Professional samuDoctor = professional("samu-doctor", "10", "SM59");
	public final String patientUser = "claire-" + suffix;
	public final String delegateUser = "paul-" + suffix;
	public final String parentUser = "marc-" + suffix;
	public String delegateRelatedPerson;
	public String blockConsent;
	public final Instant createdAfter = Instant.now().minusSeconds(1);

	public TestSpace(String baseUrl, CarnetClients clients, UserAccounts accounts, IGenericClient hospital) {
		this.baseUrl = baseUrl;
		this.clients = clients;
		this.accounts = accounts;
		this.hospital = hospital;
	}

	/** Writes the spaces and registers the people and their apps. */
	public TestSpace build() {
		clients.registerApp(patientApp, "Patient app", CarnetClients.Kind.PATIENT_APP, List.of(SmartLaunch.REDIRECT),
				PATIENT_SCOPES, null, null);
		clients.registerApp(practitionerApp, "Practitioner software", CarnetClients.Kind.PRACTITIONER_SOFTWARE,
				List.of(SmartLaunch.REDIRECT), PROFESSIONAL_SCOPES, null, null);
		clients.registerApp(practitionerWriterApp, "Practitioner software that sends documents",
				CarnetClients.Kind.PRACTITIONER_SOFTWARE, List.of(SmartLaunch.REDIRECT), PROFESSIONAL_WRITE_SCOPES, null, null);
		clients.registerApp(practitionerMessagingApp, "Practitioner messaging software",
				CarnetClients.Kind.PRACTITIONER_SOFTWARE, List.of(SmartLaunch.REDIRECT), PROFESSIONAL_MESSAGING_SCOPES, null, null);
		for (Professional professional : List.of(gp, pharmacist, nurse, blockedGp, psychiatrist, emergencyDoctor, samuDoctor)) {
			accounts.create(new UserAccounts.Account(professional.username(), CarnetCaller.Kind.PROFESSIONAL,
					"Dr " + professional.username(), "Practitioner/" + professional.idNat(), professional.idNat(),
					professional.profession(), professional.specialty(), null, null), PASSWORD);
		}

		// The adult's space, opened and fed by the hospital, which declares its own care relationship in the
		// same transaction.
		ids.put(Item.PATIENT, createdWithCareTeam(Fixtures.insPatient(nir, "Martin", "Claire")));
		String patient = "Patient/" + ids.get(Item.PATIENT);
		ids.put(Item.CONSULTATION, created(document(patient, "11488-4", gp, null)));
		ids.put(Item.BIOLOGY, created(document(patient, "11502-2", gp, null)));
		ids.put(Item.PRESCRIPTION, created(document(patient, "57833-6", gp, null)));
		// The psychiatrist sends his own document, masked from professionals: its author's rights are his.
		IGenericClient psychiatristSoftware = client(professionalWriteToken(psychiatrist));
		ids.put(Item.MASKED_CONSULTATION, created(psychiatristSoftware, document(patient, "11488-4", psychiatrist, "MASQUE_PS")));
		ids.put(Item.BIOLOGY_NOT_YET_FOR_THE_PATIENT, created(document(patient, "11502-2", gp, "INVISIBLE_PATIENT")));
		ids.put(Item.OBSERVATION, created(observation(patient)));
		ids.put(Item.CONSULTATION_BYTES, created(bytes(Item.CONSULTATION)));
		RelatedPerson brother = new RelatedPerson();
		brother.setPatient(new Reference(patient));
		brother.addName().setFamily("Martin").addGiven("Paul");
		delegateRelatedPerson = "RelatedPerson/" + created(brother);

		accounts.create(new UserAccounts.Account(patientUser, CarnetCaller.Kind.PATIENT, "Claire Martin", patient,
				null, null, null, null, null), PASSWORD);
		accounts.allowSpace(patientUser, ids.get(Item.PATIENT), UserAccounts.Relationship.SELF);
		accounts.create(new UserAccounts.Account(delegateUser, CarnetCaller.Kind.REPRESENTATIVE, "Paul Martin",
				delegateRelatedPerson, null, null, null, null, null), PASSWORD);
		accounts.allowSpace(delegateUser, ids.get(Item.PATIENT), UserAccounts.Relationship.DELEGATE);

		// The patient herself declares her care team, blocks a GP and delegates to her brother.
		IGenericClient claire = client(patientToken());
		CareTeam team = new CareTeam();
		team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
		team.setSubject(new Reference(patient));
		for (Professional member : List.of(gp, pharmacist, nurse, blockedGp, psychiatrist)) {
			team.addParticipant().setMember(professionalReference(member));
		}
		claire.create().resource(team).execute();
		// Now in her care team, the psychiatrist may name his document as the security context of its bytes.
		ids.put(Item.MASKED_BYTES, created(psychiatristSoftware, bytes(Item.MASKED_CONSULTATION)));
		blockConsent = claire.create().resource(consent(patient, patient, Consent.ConsentProvisionType.DENY,
				professionalReference(blockedGp), null)).execute().getId().toUnqualifiedVersionless().getValue();
		Consent delegation = consent(patient, patient, Consent.ConsentProvisionType.PERMIT,
				new Reference(delegateRelatedPerson), "TREAT");
		delegation.getProvision().setPeriod(new Period()
				.setStart(Date.from(Instant.now().minus(1, ChronoUnit.DAYS)))
				.setEnd(Date.from(Instant.now().plus(30, ChronoUnit.DAYS))));
		claire.create().resource(delegation).execute();
		// The GP writes to her (no care relationship is needed to write; it is in her care team anyway).
		ids.put(Item.MESSAGE, created(client(professionalMessagingToken(gp)),
				message(patient, new Reference(patient), "Vos résultats sont arrivés, passez me voir.")));
		ids.put(Item.APPOINTMENT, created(client(professionalMessagingToken(gp)), appointment(patient, gp)));

		// The minor's space, and his father.
		// A child of ten: his father acts for him until his 18th birthday.
		ids.put(Item.MINOR, createdWithCareTeam(Fixtures.child("Léo")));
		String minor = "Patient/" + ids.get(Item.MINOR);
		ids.put(Item.MINOR_CONSULTATION, created(document(minor, "11488-4", gp, null)));
		ids.put(Item.MINOR_HIDDEN_FROM_PARENTS, created(document(minor, "11488-4", gp, "INVISIBLE_REPRESENTANTS_LEGAUX")));
		String father = created(Fixtures.insPatient(Fixtures.randomNir(), "Martin", "Marc"));
		accounts.create(new UserAccounts.Account(parentUser, CarnetCaller.Kind.PATIENT, "Marc Martin", "Patient/" + father,
				null, null, null, null, null), PASSWORD);
		accounts.allowSpace(parentUser, father, UserAccounts.Relationship.SELF);
		accounts.allowSpace(parentUser, ids.get(Item.MINOR), UserAccounts.Relationship.LEGAL_REPRESENTATIVE);
		// The father chooses his son's doctor.
		client(parentToken()).create().resource(Fixtures.careTeamOfProfessional(minor, gp.idNat())).execute();
		return this;
	}

	/** Gives the adult patient a new e-mail address (through the hospital's client), for notifications; returns it. */
	public String giveThePatientAnEmailAddress() {
		String address = "claire-" + UUID.randomUUID() + "@example.org";
		Patient patient = hospital.read().resource(Patient.class).withId(id(Item.PATIENT)).execute();
		patient.addTelecom().setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.EMAIL).setValue(address);
		hospital.update().resource(patient).execute();
		return address;
	}

	/** Relative id ({@code DocumentReference/12}) of an item. */
	public String id(Item item) {
		String type = switch (item) {
			case PATIENT, MINOR -> "Patient";
			case OBSERVATION -> "Observation";
			case CONSULTATION_BYTES, MASKED_BYTES -> "Binary";
			case MESSAGE -> "Communication";
			case APPOINTMENT -> "Appointment";
			default -> "DocumentReference";
		};
		return type + "/" + ids.get(item);
	}

	public String patientToken() {
		return launch(patientApp, PATIENT_SCOPES, patientUser, null, Map.of());
	}

	public String delegateToken() {
		return launch(patientApp, PATIENT_SCOPES, delegateUser, null, Map.of());
	}

	public String parentToken() {
		return launch(patientApp, PATIENT_SCOPES, parentUser, ids.get(Item.MINOR), Map.of());
	}

	public String professionalToken(Professional professional) {
		return launch(practitionerApp, PROFESSIONAL_SCOPES, professional.username(), null, Map.of());
	}

	/** A professional's token of software that sends documents ({@link #PROFESSIONAL_WRITE_SCOPES}). */
	public String professionalWriteToken(Professional professional) {
		return launch(practitionerWriterApp, PROFESSIONAL_WRITE_SCOPES, professional.username(), null, Map.of());
	}

	/** A professional's token of messaging software ({@link #PROFESSIONAL_MESSAGING_SCOPES}). */
	public String professionalMessagingToken(Professional professional) {
		return launch(practitionerMessagingApp, PROFESSIONAL_MESSAGING_SCOPES, professional.username(), null, Map.of());
	}

	/** A message in a space: its subject, one recipient, a text; the sender is the writer's token. */
	public static org.hl7.fhir.r4.model.Communication message(String patient, Reference recipient, String text) {
		org.hl7.fhir.r4.model.Communication message = new org.hl7.fhir.r4.model.Communication();
		message.setStatus(org.hl7.fhir.r4.model.Communication.CommunicationStatus.COMPLETED);
		message.setSubject(new Reference(patient));
		message.addRecipient(recipient);
		message.addPayload().setContent(new org.hl7.fhir.r4.model.StringType(text));
		return message;
	}

	/** An appointment of the patient with the professional, a week ahead. */
	public static org.hl7.fhir.r4.model.Appointment appointment(String patient, Professional professional) {
		org.hl7.fhir.r4.model.Appointment appointment = new org.hl7.fhir.r4.model.Appointment();
		appointment.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.BOOKED);
		Instant start = Instant.now().plus(7, ChronoUnit.DAYS);
		appointment.setStart(Date.from(start));
		appointment.setEnd(Date.from(start.plus(30, ChronoUnit.MINUTES)));
		appointment.addParticipant().setActor(new Reference(patient))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		appointment.addParticipant().setActor(professionalReference(professional))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		return appointment;
	}

	/** A professional's token declaring an emergency: {@code BTG} or {@code ETREAT}. */
	public String emergencyToken(Professional professional, String purpose) {
		return launch(practitionerApp, PROFESSIONAL_SCOPES, professional.username(), null, Map.of("purpose_of_use", purpose));
	}

	/** A system of an organization of the given sector (TRE_R02), with its own key. */
	public String systemToken(String organization, String sector) {
		return TestBackendClient.registerRsa(clients, baseUrl, List.of("system/*.rs"), organization, sector)
				.accessToken("system/*.rs");
	}

	public static Consent consent(String patient, String performer, Consent.ConsentProvisionType type, Reference actor,
			String purpose) {
		Consent consent = Fixtures.consent(patient);
		consent.getPerformer().clear();
		consent.addPerformer(new Reference(performer));
		consent.getProvision().setType(type);
		if (actor != null) {
			consent.getProvision().addActor()
					.setRole(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)))
					.setReference(actor);
		}
		if (purpose != null) {
			consent.getProvision().addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", purpose, null));
		}
		return consent;
	}

	public static Reference professionalReference(Professional professional) {
		return new Reference().setIdentifier(new Identifier().setSystem(Fixtures.PROFESSIONAL_ID_SYSTEM).setValue(professional.idNat()));
	}

	private DocumentReference document(String patient, String type, Professional author, String label) {
		DocumentReference document = Fixtures.documentReference(patient);
		document.setType(new CodeableConcept(new Coding(LOINC, type, null)));
		// Written by the professional; the hospital's system only carries it to the space.
		document.getAuthor().clear();
		document.addAuthor(professionalReference(author));
		if (label != null) {
			document.getMeta().addSecurity(LABELS, label, null);
		}
		return document;
	}

	private static Observation observation(String patient) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding(LOINC, "2951-2", "Sodium")));
		observation.setSubject(new Reference(patient));
		return observation;
	}

	private Binary bytes(Item document) {
		Binary binary = new Binary();
		binary.setContentType("text/plain");
		binary.setData(("Compte rendu " + document).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		binary.setSecurityContext(new Reference(id(document)));
		return binary;
	}

	private String created(org.hl7.fhir.instance.model.api.IBaseResource resource) {
		return created(hospital, resource);
	}

	/** A new space and the hospital's care relationship with it, in one transaction; the Patient's id. */
	private String createdWithCareTeam(Patient patient) {
		String placeholder = "urn:uuid:" + UUID.randomUUID();
		org.hl7.fhir.r4.model.Bundle transaction = new org.hl7.fhir.r4.model.Bundle()
				.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl(placeholder).setResource(patient).getRequest()
				.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().setResource(Fixtures.careTeam(placeholder, TestBackendClient.TEST_HOSPITAL_ORGANIZATION))
				.getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("CareTeam");
		String location = hospital.transaction().withBundle(transaction).execute().getEntryFirstRep().getResponse().getLocation();
		return new org.hl7.fhir.r4.model.IdType(location).getIdPart();
	}

	private String created(IGenericClient writer, org.hl7.fhir.instance.model.api.IBaseResource resource) {
		if (resource instanceof Binary) {
			// HAPI's client would send a Binary's bytes alone, losing its security context: a
			// transaction carries it as a FHIR resource.
			org.hl7.fhir.r4.model.Bundle transaction = new org.hl7.fhir.r4.model.Bundle()
					.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
			transaction.addEntry().setResource((Binary) resource).getRequest()
					.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Binary");
			String location = writer.transaction().withBundle(transaction).execute()
					.getEntryFirstRep().getResponse().getLocation();
			return new org.hl7.fhir.r4.model.IdType(location).getIdPart();
		}
		return writer.create().resource(resource).execute().getId().getIdPart();
	}

	private IGenericClient client(String token) {
		IGenericClient client = fhir.newRestfulGenericClient(baseUrl + "/fhir");
		client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(token));
		return client;
	}

	/**
	 * One launch per person and app: the authorization server remembers what a person approved, so a
	 * second launch would skip the consent page the test walks through. Tokens last an hour.
	 */
	private String launch(String app, List<String> scopes, String username, String chosenPatient, Map<String, String> extra) {
		return tokens.computeIfAbsent(app + " " + username + " " + chosenPatient + " " + extra, key ->
				new SmartLaunch(baseUrl).tokens(app, scopes, username, PASSWORD, chosenPatient, extra).get("access_token").asText());
	}

	private final Map<String, String> tokens = new java.util.HashMap<>();

	private Professional professional(String role, String profession, String specialty) {
		String idNat = "8" + String.format("%011d", ThreadLocalRandom.current().nextLong(100_000_000_000L));
		return new Professional(role + "-" + suffix, idNat, profession, specialty);
	}
}
