package org.carnetsante.smart;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.carnetsante.profiles.CarnetImplementationGuide;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Practitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ClassPathResource;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Component;

/**
 * Demonstration data, loaded only under the {@code demo} profile and never in production: the
 * implementation guide's examples (Marie Dupont and her son Lucas, Marie's care team and consents, a message
 * thread between Dr Martin and Marie), an appointment in Marie's agenda a week ahead, a
 * few documents (one masked from professionals), a general practitioner, a pharmacist, a nurse and an
 * emergency doctor with their logins, a patient app, a practitioner software and the hospital
 * system {@code demo-hospital} whose key pair is in the repository's {@code demo/} folder. Every
 * password is {@value #PASSWORD}. The README lists them.
 */
@Component
@Profile("demo")
class DemoData {

	static final String DEMO_HOSPITAL = "demo-hospital";
	static final String PATIENT_APP = "demo-patient-app";
	static final String PRACTITIONER_SOFTWARE = "demo-practitioner-software";
	static final String PASSWORD = "demo";
	static final String PRACTITIONER_SOFTWARE_SECRET = "demo-secret";

	private static final Logger LOG = LoggerFactory.getLogger(DemoData.class);
	private static final String PROFESSION = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";
	private static final String ID_NAT = "urn:oid:1.2.250.1.71.4.2.1";

	private final CarnetClients clients;
	private final RegisteredClientRepository registered;
	private final UserAccounts accounts;
	private final PasswordEncoder passwords;
	private final DaoRegistry daos;
	private final CarnetImplementationGuide guide;
	private final FhirContext fhirContext;

	DemoData(CarnetClients clients, RegisteredClientRepository registered, UserAccounts accounts,
			PasswordEncoder passwords, DaoRegistry daos, CarnetImplementationGuide guide, FhirContext fhirContext) {
		this.clients = clients;
		this.registered = registered;
		this.accounts = accounts;
		this.passwords = passwords;
		this.daos = daos;
		this.guide = guide;
		this.fhirContext = fhirContext;
	}

	@EventListener(ApplicationReadyEvent.class)
	void loadDemoData() {
		if (registered.findByClientId(DEMO_HOSPITAL) != null) {
			return; // loaded by an earlier start on the same database
		}
		// Spaces first: the guide's other examples (care team, consents, messages) are about them; then by id,
		// so that a thread's opening message is stored before the reply that answers it.
		guide.examples().stream()
				.sorted(java.util.Comparator.<IBaseResource, Integer>comparing(
								example -> "Patient".equals(fhirContext.getResourceType(example)) ? 0 : 1)
						.thenComparing(example -> example.getIdElement().getIdPart()))
				.forEach(this::storeExample);
		store(practitioner("demo-gp", "Martin", "Jean", "810000000001", "10"));
		store(practitioner("demo-pharmacist", "Bernard", "Sophie", "810000000002", "21"));
		store(practitioner("demo-nurse", "Petit", "Luc", "810000000003", "60"));
		store(practitioner("demo-emergency", "Urgence", "Paul", "810000000004", "10"));
		store(practitioner("demo-psychiatrist", "Lefort", "Claire", "810000000005", "10"));
		store(document("demo-consultation", "example-ins-demo", "11488-4", "Compte rendu de consultation", null, GP));
		store(document("demo-biology", "example-ins-demo", "11502-2", "Bilan sanguin", null, GP));
		store(document("demo-prescription", "example-ins-demo", "57833-6", "Ordonnance", null, GP));
		// Written and sent by a psychiatrist outside the demo logins: Dr Martin does not see it.
		store(document("demo-masked", "example-ins-demo", "11488-4", "Consultation de psychiatrie", "MASQUE_PS", PSYCHIATRIST));
		store(document("demo-child-vaccination", "example-ins-test-child", "11369-6", "Carnet de vaccination", null, GP));
		// Marie's agenda: a follow-up with Dr Martin a week after the demo starts (relative, so it never lies in the past).
		store(appointment("demo-appointment", "example-ins-demo", java.time.Instant.now().plus(7, java.time.temporal.ChronoUnit.DAYS), GP));

		accounts.create(new UserAccounts.Account("marie.dupont", CarnetCaller.Kind.PATIENT, "Marie Dupont",
				"Patient/example-ins-demo", null, null, null, null, null), PASSWORD);
		accounts.allowSpace("marie.dupont", "example-ins-demo", UserAccounts.Relationship.SELF);
		accounts.allowSpace("marie.dupont", "example-ins-test-child", UserAccounts.Relationship.LEGAL_REPRESENTATIVE);
		professional("dr.martin", "Dr Jean Martin", "demo-gp", "810000000001", "10", "SM54");
		professional("sophie.bernard", "Sophie Bernard", "demo-pharmacist", "810000000002", "21", null);
		professional("luc.petit", "Luc Petit", "demo-nurse", "810000000003", "60", null);
		professional("dr.urgence", "Dr Paul Urgence", "demo-emergency", "810000000004", "10", "SM59");

		clients.registerBackendService(DEMO_HOSPITAL, "Demo hospital (CH Carnet-les-Bains)",
				CarnetClients.Kind.HOSPITAL_SYSTEM, List.of("system/*.rs", "system/*.cruds", "system/*.read", "system/*.*"),
				resource("demo/hospital-jwks.json"), "1750000000", "SA01");
		clients.registerApp(PATIENT_APP, "Demo patient app", "Carnet (démonstration)", CarnetClients.Kind.PATIENT_APP,
				List.of("http://localhost:8000/callback", "http://127.0.0.1:8000/callback"),
				List.of("openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs", "patient/*.read",
						"patient/*.cruds"),
				null, null);
		clients.registerApp(PRACTITIONER_SOFTWARE, "Demo practitioner software", "Carnet (démonstration)",
				CarnetClients.Kind.PRACTITIONER_SOFTWARE,
				List.of("http://localhost:8000/callback"),
				List.of("openid", "fhirUser", "offline_access", "user/*.rs", "user/*.read", "user/*.cruds"),
				PRACTITIONER_SOFTWARE_SECRET, passwords::encode);
		LOG.warn("Demo profile: loaded demonstration patients, professionals and clients (password '{}'); "
				+ "never use this profile with real data", PASSWORD);
	}

	private void professional(String username, String name, String practitionerId, String idNat, String profession,
			String specialty) {
		accounts.create(new UserAccounts.Account(username, CarnetCaller.Kind.PROFESSIONAL, name,
				"Practitioner/" + practitionerId, idNat, profession, specialty, null, null), PASSWORD);
	}

	/** The demo GP (Dr Martin) and a psychiatrist, as authors and senders of the demo documents. */
	private static final String[] GP = {"Practitioner/demo-gp", "810000000001", "Dr Jean Martin"};
	private static final String[] PSYCHIATRIST = {"Practitioner/demo-psychiatrist", "810000000005", "Dr Claire Lefort"};

	/**
	 * A document with PDSm's metadata, written and sent by {@code author} (reference, idNat, name); its bytes
	 * in a Binary of its own, stored first.
	 */
	private DocumentReference document(String id, String patient, String type, String title, String label, String[] author) {
		byte[] bytes = (title + " (document de démonstration)").getBytes(StandardCharsets.UTF_8);
		Binary binary = new Binary();
		binary.setId(id + "-bytes");
		binary.setContentType("text/plain");
		binary.setData(bytes);
		store(binary);
		DocumentReference document = new DocumentReference();
		document.setId(id);
		document.setMasterIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:carnet:demo:" + id));
		document.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
		document.setType(new CodeableConcept(new Coding("http://loinc.org", type, title)));
		document.addCategory(new CodeableConcept(new Coding(
				"https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument", "10", "Compte rendu")));
		document.setSubject(new Reference("Patient/" + patient));
		document.setDate(new java.util.Date());
		document.addAuthor(new Reference().setIdentifier(new Identifier().setSystem(ID_NAT).setValue(author[1])));
		org.carnetsante.access.RecordedSender.record(document, new Reference(author[0]).setDisplay(author[2])
				.setIdentifier(new Identifier().setSystem(ID_NAT).setValue(author[1])));
		document.setCustodian(new Reference().setDisplay("Carnet"));
		document.addSecurityLabel(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N", "normal")));
		document.setDescription(title);
		document.addContent().setAttachment(new Attachment().setContentType("text/plain").setTitle(title)
				.setUrl("Binary/" + binary.getIdPart()).setSize(bytes.length).setHash(org.carnetsante.documents.AttachmentIntegrity.sha1(bytes)));
		document.getContext().getPeriod().setStart(document.getDate());
		if (label != null) {
			document.getMeta().addSecurity(
					"https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument",
					label, null);
		}
		return document;
	}

	/** An appointment of 30 minutes booked by {@code professional} (reference, idNat, name) with the patient. */
	private static org.hl7.fhir.r4.model.Appointment appointment(String id, String patient, java.time.Instant start,
			String[] professional) {
		org.hl7.fhir.r4.model.Appointment appointment = new org.hl7.fhir.r4.model.Appointment();
		appointment.setId(id);
		appointment.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.BOOKED);
		appointment.setDescription("Consultation de suivi");
		appointment.setStart(java.util.Date.from(start));
		appointment.setEnd(java.util.Date.from(start.plus(30, java.time.temporal.ChronoUnit.MINUTES)));
		appointment.addParticipant().setActor(new Reference("Patient/" + patient))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		Reference byIdentifier = new Reference().setDisplay(professional[2])
				.setIdentifier(new Identifier().setSystem(ID_NAT).setValue(professional[1]));
		appointment.addParticipant().setActor(byIdentifier)
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		org.carnetsante.access.AppointmentFacts.recordBooker(appointment, byIdentifier.copy());
		return appointment;
	}

	/** An example of the guide: a resource is stored as it is; a transaction (ITI-65 provide bundle) is run. */
	private void storeExample(IBaseResource example) {
		if (example instanceof Bundle bundle && bundle.getType() == Bundle.BundleType.TRANSACTION) {
			daos.getSystemDao().transaction(new SystemRequestDetails(), bundle);
			return;
		}
		// A permit with an end date in the guide (Marie's for her nurse) would run out a few weeks after the
		// guide was written, and the walkthrough with it: in the demo it runs from a month before the demo's
		// first start to a year after it.
		if (example instanceof org.hl7.fhir.r4.model.Consent consent && consent.getProvision().getPeriod().hasEnd()) {
			java.time.Instant now = java.time.Instant.now();
			consent.getProvision().getPeriod()
					.setStart(java.util.Date.from(now.minus(30, java.time.temporal.ChronoUnit.DAYS)))
					.setEnd(java.util.Date.from(now.plus(365, java.time.temporal.ChronoUnit.DAYS)));
		}
		store(example);
	}

	private static Practitioner practitioner(String id, String family, String given, String idNat, String profession) {
		Practitioner practitioner = new Practitioner();
		practitioner.setId(id);
		practitioner.addIdentifier().setSystem(ID_NAT).setValue(idNat);
		practitioner.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(family).addGiven(given);
		practitioner.addQualification().setCode(new CodeableConcept(new Coding(PROFESSION, profession, null)));
		return practitioner;
	}

	@SuppressWarnings({"unchecked", "rawtypes"})
	private void store(IBaseResource resource) {
		daos.getResourceDao(fhirContext.getResourceType(resource)).update(resource, new SystemRequestDetails());
	}

	private static String resource(String path) {
		try {
			return new ClassPathResource(path).getContentAsString(StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
