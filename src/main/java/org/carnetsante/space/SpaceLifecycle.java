package org.carnetsante.space;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.carnetsante.access.EmergencyMode;
import org.carnetsante.access.SpaceRules;
import org.carnetsante.audit.AuditRecord;
import org.carnetsante.audit.AuditTrail;
import org.carnetsante.fhir.OperationOutcomes;
import org.carnetsante.notify.NotificationKind;
import org.carnetsante.notify.NotificationOutbox;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.UserAccounts;
import org.carnetsante.space.SpaceRegistry.Person;
import org.carnetsante.space.SpaceRegistry.State;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The states of a space and their transitions (design.md §3, docs/space.md): NOTIFIED → OPEN (activated
 * with the notice's code, or at the end of the opposition period) or → OPPOSED; OPEN → CLOSED and back.
 * The space is a Patient from its opening on, whose {@code active} flag is the one professionals' software
 * reads. Every transition is made once (a conditional update on the state it leaves), is recorded in the
 * space's access log and is told to the person.
 */
public class SpaceLifecycle {

	private static final Logger LOG = LoggerFactory.getLogger(SpaceLifecycle.class);
	static final String INS_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
	static final ZoneId LEGAL_ZONE = ZoneId.of("Europe/Paris");
	/** One answer for an unknown INS, a wrong code or birth date, locked codes and a notice no longer running. */
	static final String NO_MATCH = "The INS, birth date and activation code do not match an information notice in progress"
			+ " (after several wrong attempts the codes of an INS are refused for a while)";

	private final SpaceRegistry registry;
	private final DaoRegistry daos;
	private final IHapiTransactionService transactions;
	private final NotificationOutbox outbox;
	private final AuditTrail audit;
	private final UserAccounts accounts;
	private final SpaceContent content;
	private final SpaceProperties.Lifecycle settings;
	private final Clock clock;

	public SpaceLifecycle(SpaceRegistry registry, DaoRegistry daos, IHapiTransactionService transactions, NotificationOutbox outbox,
			AuditTrail audit, UserAccounts accounts, SpaceContent content, SpaceProperties.Lifecycle settings, Clock clock) {
		this.content = content;
		this.registry = registry;
		this.daos = daos;
		this.transactions = transactions;
		this.outbox = outbox;
		this.audit = audit;
		this.accounts = accounts;
		this.settings = settings;
		this.clock = clock;
	}

	/** A transition someone else made first: this one is not made (422, as any impossible transition). */
	static final class TransitionRaced extends UnprocessableEntityException {
		TransitionRaced() {
			super("The space's state changed meanwhile: ask for its state and try again", OperationOutcomes.error(
					OperationOutcome.IssueType.CONFLICT, null, "The space's state changed meanwhile: ask for its state and try again"));
		}
	}

	// ---- by the notice's code (a portal client carries the person's request)

	/** The person activates their space with the notice's code: it opens now. Answers the space's Patient id. */
	public String activateByCode(String ins, String code, LocalDate birthDate, CarnetCaller portal) {
		Instant now = clock.instant();
		Person person = checkedByCode(ins, code, birthDate, now);
		if (person.state() != State.NOTIFIED && person.state() != State.OPPOSED) {
			throw noMatch();
		}
		String patientId;
		try {
			patientId = open(person, person.state(), now);
		} catch (TransitionRaced raced) {
			throw noMatch(); // opened by the job, or opposed, at the same instant: the notice is no longer in progress
		}
		record(patientId, now, "space activated by the person with their activation code", portal);
		return patientId;
	}

	/** The person opposes the opening of their space with the notice's code. */
	public void opposeByCode(String ins, String code, LocalDate birthDate, CarnetCaller portal) {
		Instant now = clock.instant();
		Person person = checkedByCode(ins, code, birthDate, now);
		if (person.state() != State.NOTIFIED || !registry.transition(ins, State.NOTIFIED, State.OPPOSED, now, null, null)) {
			throw noMatch();
		}
		outbox.add(NotificationOutbox.REGISTRY_RECIPIENT + ins, NotificationKind.SPACE_OPPOSED, null);
		LOG.info("Opposition recorded for an INS of the registry (by {})", portal.clientId());
	}

	private Person checkedByCode(String ins, String code, LocalDate birthDate, Instant now) {
		Person person = registry.byIns(ins).orElseThrow(SpaceLifecycle::noMatch);
		if (person.codesLockedUntil() != null) {
			if (now.isBefore(person.codesLockedUntil())) {
				throw noMatch();
			}
			registry.unlockCodes(ins);
		}
		boolean codeMatches = person.codeHash() != null && code != null && MessageDigest.isEqual(
				SpaceRegistry.codeHash(ins, code).getBytes(StandardCharsets.US_ASCII), person.codeHash().getBytes(StandardCharsets.US_ASCII));
		if (!codeMatches || !birthDate.equals(person.birthDate())) {
			registry.wrongCode(ins, settings.codeAttempts(), now.plus(settings.codeLockout()));
			throw noMatch();
		}
		return person;
	}

	static UnprocessableEntityException noMatch() {
		return new UnprocessableEntityException(NO_MATCH, OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, null, NO_MATCH));
	}

	// ---- by the person, logged in to their space

	/** The state of an existing space (a Patient): its registry row, or OPEN/CLOSED from the Patient itself. */
	public Person stateOf(String patientId) {
		return registry.byPatient(patientId).orElseGet(() -> {
			Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
			String key = registry.claimedIns(patientId).orElse("Patient/" + patientId);
			registry.recordOutsideSpace(key, patientId, clock.instant());
			if (patient.hasActive() && !patient.getActive()) {
				registry.transition(key, State.OPEN, State.CLOSED, clock.instant(), patientId,
						clock.instant().atZone(LEGAL_ZONE).plus(settings.retention()).toInstant());
			}
			return registry.byPatient(patientId).orElseThrow();
		});
	}

	/**
	 * The person closes their space: professionals no longer reach it. Its content is kept for the retention
	 * period, or deleted at once when the person asks ({@code deleteContent}).
	 */
	public Person close(String patientId, CarnetCaller caller, boolean deleteContent) {
		Person person = stateOf(patientId);
		if (person.state() != State.OPEN) {
			throw impossible("Only an open space can be closed; this one is " + person.state().name().toLowerCase());
		}
		Instant now = clock.instant();
		Instant purgeAfter = deleteContent ? now : now.atZone(LEGAL_ZONE).plus(settings.retention()).toInstant();
		transactions.withSystemRequest().execute(() -> {
			if (!registry.transition(person.ins(), State.OPEN, State.CLOSED, now, patientId, purgeAfter)) {
				throw new TransitionRaced();
			}
			setActive(patientId, false);
			outbox.add(patientId, NotificationKind.SPACE_CLOSED, null);
		});
		if (deleteContent) {
			// At once; should it fail, the closure stands and the purge pass tries again (purge_after is now).
			try {
				purge(registry.byPatient(patientId).orElseThrow(), now, "content deleted at the person's request");
			} catch (RuntimeException e) {
				LOG.warn("The content of the closed space Patient/{} could not be deleted now, the job will: {}", patientId,
						e.getMessage());
			}
		}
		return registry.byPatient(patientId).orElseThrow();
	}

	/** Deletes the content of the closed spaces whose retention ended or whose deletion was asked; answers how many. */
	public int purgeDue(Instant now, int max) {
		List<Person> due = registry.dueForPurge(now, max);
		for (Person person : due) {
			try {
				purge(person, now, "content deleted: the retention period of the closed space ended");
			} catch (RuntimeException e) {
				LOG.warn("The content of the closed space Patient/{} could not be deleted, tried again later: {}", person.patientId(),
						e.getMessage());
			}
		}
		return due.size();
	}

	/**
	 * Claims the purge (so that one node, or the person's request and the job, never purge the same space
	 * twice at once), then purges; a failure gives the claim back, to be tried again a day later.
	 */
	private void purge(Person person, Instant now, String why) {
		if (!registry.claimPurge(person.ins(), person.purgeAfter(), now)) {
			return;
		}
		try {
			int removed = content.purge(person.patientId());
			audit.record(entry(person.patientId(), now, why + " (" + removed + " resources)", CARNET, null));
		} catch (RuntimeException e) {
			registry.releasePurge(person.ins(), now, now.plus(java.time.Duration.ofDays(1)));
			throw e;
		}
	}

	/** The person reopens their closed space. */
	public Person reopen(String patientId, CarnetCaller caller) {
		Person person = stateOf(patientId);
		if (person.state() != State.CLOSED) {
			throw impossible("Only a closed space can be reopened; this one is " + person.state().name().toLowerCase());
		}
		Instant now = clock.instant();
		transactions.withSystemRequest().execute(() -> {
			if (!registry.transition(person.ins(), State.CLOSED, State.OPEN, now, patientId, null)) {
				throw new TransitionRaced();
			}
			setActive(patientId, true);
			outbox.add(patientId, NotificationKind.SPACE_REOPENED, null);
		});
		return registry.byPatient(patientId).orElseThrow();
	}

	static UnprocessableEntityException impossible(String why) {
		return new UnprocessableEntityException(why, OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, null, why));
	}

	private void setActive(String patientId, boolean active) {
		Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
		patient.setActive(active);
		daos.getResourceDao(Patient.class).update(patient, new SystemRequestDetails());
	}

	// ---- the opening job

	/**
	 * Opens the spaces whose opposition period ended by {@code now}, at most {@code max}; answers how many.
	 * Each opens in a transaction of its own, so a person who activates or opposes meanwhile wins cleanly.
	 */
	public int openDue(Instant now, int max) {
		List<Person> due = registry.dueForOpening(now, max);
		List<AuditRecord> entries = new ArrayList<>(due.size());
		for (Person person : due) {
			try {
				String patientId = open(person, State.NOTIFIED, now);
				entries.add(entry(patientId, now, "space opened: the opposition period ended without opposition", CARNET, null));
			} catch (TransitionRaced raced) {
				// activated or opposed meanwhile
			} catch (RuntimeException e) {
				// One person's failure must not hold back those due after them: tried again a day later.
				LOG.warn("The space of a registry person could not be opened, tried again in a day: {}", e.getMessage());
				registry.postpone(person.ins(), now.plus(java.time.Duration.ofDays(1)));
			}
		}
		if (!entries.isEmpty()) {
			audit.recordAll(entries);
		}
		return due.size();
	}

	/** Brings the Patients of spaces whose registry line changed up to date; answers how many. */
	public int followRegistry(int max) {
		List<Person> stale = registry.staleSpaces(max);
		for (Person person : stale) {
			try {
				transactions.withSystemRequest().execute(() -> {
					Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", person.patientId()),
							new SystemRequestDetails());
					describe(patient, person);
					daos.getResourceDao(Patient.class).update(patient, new SystemRequestDetails());
					registry.followed(person.ins());
				});
			} catch (RuntimeException e) {
				// Not at the head of every pass: the next registry line about this person tries again.
				LOG.warn("The Patient of a space could not follow the registry: {}", e.getMessage());
				registry.followed(person.ins());
			}
		}
		return stale.size();
	}

	/**
	 * Tells those who come of age today that their space is now theirs (their legal representatives no
	 * longer reach it: the access policy reads the birth date); answers how many were told.
	 */
	public int tellComingOfAge(LocalDate today) {
		// Born on this day 18 years ago; on 28 February of a common year, those born on 29 February too (their
		// 18th birthday falls that day, as SpaceRules counts it).
		LocalDate born = today.minusYears(SpaceRules.AGE_OF_MAJORITY);
		List<String> spaces = new ArrayList<>(registry.openSpacesBornOn(born));
		if (born.getMonthValue() == 2 && born.getDayOfMonth() == 28 && born.isLeapYear()) {
			spaces.addAll(registry.openSpacesBornOn(born.plusDays(1)));
		}
		outbox.addAll(spaces.stream().map(patientId -> new NotificationOutbox.ToAdd(patientId, NotificationKind.SPACE_COMING_OF_AGE,
				null)).toList());
		return spaces.size();
	}

	/** Opens a person's space: the registry row moves first (so nothing else opens it), then the Patient is stored. */
	private String open(Person person, State from, Instant now) {
		return transactions.withSystemRequest().execute(() -> {
			if (!registry.transition(person.ins(), from, State.OPEN, now, null, null)) {
				throw new TransitionRaced();
			}
			// As the registry says it now (a provisioning may have changed the line since it was read).
			Person current = registry.byIns(person.ins()).orElse(person);
			Patient patient = new Patient();
			describe(patient, current);
			patient.setActive(true);
			String patientId = daos.getResourceDao(Patient.class).create(patient, new SystemRequestDetails()).getId().getIdPart();
			registry.transition(person.ins(), State.OPEN, State.OPEN, now, patientId, null);
			registry.followed(person.ins());
			outbox.add(patientId, NotificationKind.SPACE_OPENED, null);
			linkRepresentatives(current, patientId);
			return patientId;
		});
	}

	/** The Patient as the registry describes the person (the profile carnet-patient-ins). */
	private static void describe(Patient patient, Person person) {
		String[] ins = person.ins().split("\\|", 2);
		patient.getIdentifier().removeIf(identifier -> ins[0].equals(identifier.getSystem()));
		patient.addIdentifier().setSystem(ins[0]).setValue(ins[1])
				.setType(new CodeableConcept(new Coding(INS_TYPE_SYSTEM, "INS-NIR", null)));
		patient.getName().removeIf(name -> name.getUse() == HumanName.NameUse.OFFICIAL);
		HumanName official = patient.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(person.family());
		for (String given : person.given().split(" ")) {
			if (!given.isBlank()) {
				official.addGiven(given);
			}
		}
		patient.setBirthDateElement(new DateType(person.birthDate().toString()));
		patient.setGender(Enumerations.AdministrativeGender.fromCode(person.sex()));
		if (person.email() != null && patient.getTelecom().stream().noneMatch(contact -> person.email().equals(contact.getValue()))) {
			patient.getTelecom().removeIf(contact -> contact.getSystem() == ContactPoint.ContactPointSystem.EMAIL);
			patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(person.email());
		}
	}

	/**
	 * A minor's legal representatives named by the registry reach the child's space from their own accounts
	 * until the 18th birthday.
	 */
	private void linkRepresentatives(Person child, String childPatientId) {
		if (child.representatives().isEmpty() || child.birthDate() == null) {
			return;
		}
		LocalDate comingOfAge = child.birthDate().plusYears(SpaceRules.AGE_OF_MAJORITY);
		String system = child.ins().split("\\|", 2)[0];
		for (String representative : child.representatives()) {
			Optional<Person> parent = registry.byIns(system + "|" + representative);
			if (parent.isPresent() && parent.get().patientId() != null) {
				for (String username : accounts.holdersOf(parent.get().patientId())) {
					accounts.allowSpaceUntil(username, childPatientId, UserAccounts.Relationship.LEGAL_REPRESENTATIVE, comingOfAge);
				}
			}
		}
	}

	// ---- the access log

	private static final AuditRecord.Who CARNET = new AuditRecord.Who("carnet", null, "Carnet", null, null, null, null, null, null);

	private static AuditRecord.Who who(CarnetCaller caller) {
		return new AuditRecord.Who(caller.subject(), caller.fhirUser(), caller.name(), caller.idNat(), caller.profession(),
				caller.specialty(), caller.relationship() == null ? null : caller.relationship().name(), caller.organization(),
				caller.organizationSector());
	}

	private void record(String patientId, Instant now, String what, CarnetCaller caller) {
		audit.record(entry(patientId, now, what, who(caller), caller.clientId()));
	}

	private static AuditRecord entry(String patientId, Instant now, String what, AuditRecord.Who who, String clientId) {
		return new AuditRecord(UUID.randomUUID().toString(), now.toEpochMilli(), RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE.name(),
				patientId, List.of("Patient/" + patientId), "0", what, EmergencyMode.NONE.accessMode(), null, who, clientId, null, null,
				null, null);
	}
}
