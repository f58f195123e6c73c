package org.carnetsante.support;

import java.util.Date;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/** Test resources shaped the way Carnet's clients send them (INS patients with demo INS values). */
public final class Fixtures {

	public static final String PATIENT_PROFILE = "https://carnet.example/ig/StructureDefinition/carnet-patient-ins";
	public static final String INS_DEMO_SYSTEM = "urn:oid:1.2.250.1.213.1.4.11";
	public static final String INS_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
	public static final String TEST_IDENTIFIER_SYSTEM = "urn:carnet:test";
	public static final String PROFESSIONAL_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1";
	public static final String ORGANIZATION_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2";

	private Fixtures() {}

	/** A NIR-shaped demo INS: sex, year, month, department 75, commune, order, key (15 digits). */
	public static String randomNir() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		return String.format(
				"%d%02d%02d75%03d%03d%02d",
				1 + random.nextInt(2),
				random.nextInt(100),
				1 + random.nextInt(12),
				random.nextInt(1000),
				random.nextInt(1000),
				random.nextInt(100));
	}

	public static Patient insPatient(String nir, String family, String given) {
		Patient patient = new Patient();
		patient.addIdentifier()
				.setType(new CodeableConcept(new Coding(INS_TYPE_SYSTEM, "INS-NIR", null)))
				.setSystem(INS_DEMO_SYSTEM)
				.setValue(nir);
		patient.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(family).addGiven(given);
		patient.setGender(Enumerations.AdministrativeGender.FEMALE);
		patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1980-02-14"));
		return patient;
	}

	/** A child of ten (a minor whose legal representatives act for him or her). */
	public static Patient child(String given) {
		Patient child = insPatient(randomNir(), "Martin", given);
		child.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(java.time.LocalDate.now().minusYears(10).toString()));
		return child;
	}

	public static Patient insPatient() {
		return insPatient(randomNir(), "Martin", "Claire");
	}

	public static Identifier uniqueIdentifier() {
		return new Identifier().setSystem(TEST_IDENTIFIER_SYSTEM).setValue(UUID.randomUUID().toString());
	}

	/** Document class TRE_A03 "compte rendu". */
	public static final Coding REPORT_CLASS = new Coding(
			"https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument", "10", "Compte rendu");

	/**
	 * A document with PDSm's comprehensive metadata, its bytes inline (ITI-105), authored by the test
	 * hospital's organization.
	 */
	public static DocumentReference documentReference(String patientReference) {
		return documentReference(patientReference, "Compte rendu de consultation".getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	public static DocumentReference documentReference(String patientReference, byte[] bytes) {
		DocumentReference document = new DocumentReference();
		document.setMasterIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue(uniqueId()));
		document.addIdentifier(uniqueIdentifier());
		document.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
		document.setType(new CodeableConcept(new Coding("http://loinc.org", "11488-4", "Consult note")));
		document.addCategory(new CodeableConcept(REPORT_CLASS.copy()));
		document.setSubject(new Reference(patientReference));
		document.setDate(new Date());
		document.addAuthor(new Reference().setIdentifier(new Identifier().setSystem(ORGANIZATION_ID_SYSTEM)
				.setValue(TestBackendClient.TEST_HOSPITAL_ORGANIZATION)));
		document.setCustodian(new Reference().setDisplay("Carnet"));
		document.addSecurityLabel(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N", null)));
		document.addContent().setAttachment(attachment("text/plain", bytes, "Compte rendu"));
		document.getContext().getPeriod().setStart(new Date());
		return document;
	}

	/** An attachment with its bytes inline, their size and their SHA-1. */
	public static Attachment attachment(String contentType, byte[] bytes, String title) {
		return new Attachment().setContentType(contentType).setData(bytes).setSize(bytes.length).setHash(sha1(bytes)).setTitle(title);
	}

	public static byte[] sha1(byte[] bytes) {
		try {
			return java.security.MessageDigest.getInstance("SHA-1").digest(bytes);
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** A new document uniqueId (an OID under a test root). */
	public static String uniqueId() {
		return "urn:oid:1.2.250.1.999." + System.nanoTime() + "." + ThreadLocalRandom.current().nextInt(1_000_000);
	}

	public static Consent consent(String patientReference) {
		Consent consent = new Consent();
		consent.addIdentifier(uniqueIdentifier());
		consent.setStatus(Consent.ConsentState.ACTIVE);
		consent.setScope(new CodeableConcept(
				new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
		consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
		consent.setPatient(new Reference(patientReference));
		consent.addPolicy().setUri("https://carnet.example/ig/policy/space");
		consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
		return consent;
	}

	/**
	 * A care relationship: a CareTeam naming an organization (by national id) as a member of the
	 * patient's care team, which opens the space to that organization's systems and professionals.
	 */
	public static org.hl7.fhir.r4.model.CareTeam careTeam(String patientReference, String organizationIdNat) {
		org.hl7.fhir.r4.model.CareTeam team = new org.hl7.fhir.r4.model.CareTeam();
		team.setStatus(org.hl7.fhir.r4.model.CareTeam.CareTeamStatus.ACTIVE);
		team.setSubject(new Reference(patientReference));
		team.addParticipant().setMember(new Reference().setIdentifier(
				new Identifier().setSystem(ORGANIZATION_ID_SYSTEM).setValue(organizationIdNat)));
		return team;
	}

	/** A care team member who is a professional, named by their national id. */
	public static org.hl7.fhir.r4.model.CareTeam careTeamOfProfessional(String patientReference, String idNat) {
		org.hl7.fhir.r4.model.CareTeam team = new org.hl7.fhir.r4.model.CareTeam();
		team.setStatus(org.hl7.fhir.r4.model.CareTeam.CareTeamStatus.ACTIVE);
		team.setSubject(new Reference(patientReference));
		team.addParticipant().setMember(new Reference().setIdentifier(
				new Identifier().setSystem(PROFESSIONAL_ID_SYSTEM).setValue(idNat)));
		return team;
	}

	/** A message about a patient (Communication subject): patient data, in that patient's space. */
	/** A message of the space to its patient (the sender is whoever sends it: Carnet records it). */
	public static Communication communication(String text, String patientReference) {
		Communication communication = communication(text);
		communication.setSubject(new Reference(patientReference));
		communication.addRecipient(new Reference(patientReference));
		return communication;
	}

	/** An appointment of the patient, a week ahead, with an identifier to find it by. */
	public static org.hl7.fhir.r4.model.Appointment appointment(String patientReference) {
		org.hl7.fhir.r4.model.Appointment appointment = new org.hl7.fhir.r4.model.Appointment();
		appointment.addIdentifier(uniqueIdentifier());
		appointment.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.BOOKED);
		java.time.Instant start = java.time.Instant.now().plus(7, java.time.temporal.ChronoUnit.DAYS);
		appointment.setStart(Date.from(start));
		appointment.setEnd(Date.from(start.plusSeconds(1800)));
		appointment.addParticipant().setActor(new Reference(patientReference))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		return appointment;
	}

	public static Communication communication(String text) {
		Communication communication = new Communication();
		communication.addIdentifier(uniqueIdentifier());
		communication.setStatus(Communication.CommunicationStatus.COMPLETED);
		communication.addPayload().setContent(new org.hl7.fhir.r4.model.StringType(text));
		return communication;
	}

	public static AuditEvent auditEvent(String entityName) {
		AuditEvent event = new AuditEvent();
		event.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
		event.setAction(AuditEvent.AuditEventAction.R);
		event.setRecorded(new Date());
		event.setOutcome(AuditEvent.AuditEventOutcome._0);
		event.addAgent().setRequestor(true).setWho(new Reference().setDisplay("Test agent"));
		event.getSource().setObserver(new Reference().setDisplay("Carnet"));
		event.addEntity().setName(entityName);
		return event;
	}
}
