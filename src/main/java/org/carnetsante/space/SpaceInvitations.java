package org.carnetsante.space;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.carnetsante.access.AccessRule;
import org.carnetsante.access.SpaceRules;
import org.carnetsante.fhir.OperationOutcomes;
import org.carnetsante.notify.NotificationKind;
import org.carnetsante.notify.NotificationOutbox;
import org.carnetsante.smart.CarnetCaller;
import org.carnetsante.smart.UserAccounts;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Invitations to a space (design.md §3, docs/space.md): the holder invites a relative as a delegate (reading,
 * and answering messages if granted, until a date), a legal representative invites the child's second one.
 * The invitee gets a code by e-mail and answers it from their own login; an accepted delegation becomes a
 * RelatedPerson and a delegation Consent of the space (the access policy reads them as any delegation), and
 * the invitee's login may open the space as that RelatedPerson; a second representative's login may open the
 * child's space until the 18th birthday. Pending → accepted, refused or expired; an accepted delegation is
 * ended by the holder at any time (its Consent made inactive: refused at once on every node).
 */
public class SpaceInvitations {

	public enum Kind {
		DELEGATE,
		LEGAL_REPRESENTATIVE
	}

	/** An invitation as stored; {@link #stateAt} tells an expired one. */
	public record Invitation(String id, String patientId, Kind kind, String email, String name, String codeHash, boolean replyRight,
			Instant periodEnd, String state, Instant createdAt, Instant expiresAt, int failedCodes, String answeredBy, String consentId,
			boolean settingsRight) {

		String stateAt(Instant now) {
			return "PENDING".equals(state) && !now.isBefore(expiresAt) ? "EXPIRED" : state;
		}
	}

	static final String NO_MATCH = "No invitation in progress matches this invitation and code";
	private static final String INVITATION_COLUMNS = "id, patient_id, kind, invitee_email, invitee_name, code_hash, reply_right,"
			+ " period_end, state, created_at, expires_at, failed_codes, answered_by, consent_id, settings_right";

	private final JdbcTemplate jdbc;
	private final DaoRegistry daos;
	private final IHapiTransactionService transactions;
	private final NotificationOutbox outbox;
	private final UserAccounts accounts;
	private final SpaceProperties.Invitations settings;
	private final Clock clock;
	private final SecureRandom random = new SecureRandom();

	public SpaceInvitations(DataSource dataSource, DaoRegistry daos, IHapiTransactionService transactions, NotificationOutbox outbox,
			UserAccounts accounts, SpaceProperties.Invitations settings, Clock clock) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.daos = daos;
		this.transactions = transactions;
		this.outbox = outbox;
		this.accounts = accounts;
		this.settings = settings;
		this.clock = clock;
	}

	/** The rights a delegation grants besides reading. */
	public record Rights(boolean replyToMessages, boolean manageSettings) {}

	/**
	 * Records an invitation and e-mails its code to the invitee (to {@code email}, or to the address the
	 * registry or the invitee's own space knows for {@code ins}); answers its id. An INS without a known
	 * address gets an invitation all the same, that no one receives: the answer does not tell whether the INS
	 * is known.
	 */
	public String invite(SpaceHolders.Holder inviter, Kind kind, String email, String ins, String name, Rights rights, LocalDate end) {
		Instant now = clock.instant();
		if (kind == Kind.LEGAL_REPRESENTATIVE) {
			LocalDate comingOfAge = inviter.patient().hasBirthDate()
					? LocalDate.parse(inviter.patient().getBirthDateElement().getValueAsString()).plusYears(SpaceRules.AGE_OF_MAJORITY)
					: null;
			if (inviter.caller().relationship() != CarnetCaller.SpaceRelationship.LEGAL_REPRESENTATIVE || comingOfAge == null
					|| !now.atZone(SpaceLifecycle.LEGAL_ZONE).toLocalDate().isBefore(comingOfAge)) {
				throw new ForbiddenOperationException("A second legal representative is invited by the first, for a minor's space");
			}
		} else {
			if (end == null || !end.isAfter(now.atZone(SpaceLifecycle.LEGAL_ZONE).toLocalDate())
					|| end.isAfter(now.atZone(SpaceLifecycle.LEGAL_ZONE).toLocalDate().plus(settings.longestDelegation()))) {
				throw invalid("A delegation ends on a date (end) after today and at most " + settings.longestDelegation() + " ahead");
			}
		}
		String address = email != null ? email : addressOf(ins).orElse(null);
		String id = UUID.randomUUID().toString();
		String code = SpaceRegistry.newCode(random);
		Instant periodEnd = end == null ? null : end.plusDays(1).atStartOfDay(SpaceLifecycle.LEGAL_ZONE).toInstant();
		transactions.withSystemRequest().execute(() -> {
			jdbc.update("INSERT INTO carnet_space_invitation (id, patient_id, kind, invitee_email, invitee_name, code_hash, reply_right,"
					+ " period_end, state, created_at, expires_at, settings_right) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)", id,
					inviter.patient().getIdElement().getIdPart(), kind.name(), address == null ? "" : address, name,
					SpaceRegistry.codeHash(id, code), kind == Kind.DELEGATE && rights.replyToMessages(),
					periodEnd == null ? null : Timestamp.from(periodEnd), Timestamp.from(now),
					Timestamp.from(now.atZone(SpaceLifecycle.LEGAL_ZONE).plus(settings.validity()).toInstant()),
					kind == Kind.DELEGATE && rights.manageSettings());
			if (address != null) {
				outbox.add(NotificationOutbox.ADDRESS_RECIPIENT + address, NotificationKind.SPACE_INVITATION,
						code + "|" + id + "|" + inviter.caller().name().replace('|', ' ') + "|"
								+ (kind == Kind.DELEGATE ? "delegate" : "legal-representative"));
			}
		});
		return id;
	}

	/**
	 * The invitee's answer, from their own login: accepted, the space opens to them as the invitation says.
	 * Any mismatch (unknown invitation, wrong code, answered, expired, codes locked): one answer, 422.
	 */
	public Invitation answer(String id, String code, boolean accept, CarnetCaller invitee) {
		if (invitee.subject() == null || accounts.find(invitee.subject()).isEmpty()) {
			throw new ForbiddenOperationException("An invitation is answered from a login of this service");
		}
		Instant now = clock.instant();
		Invitation invitation = find(id).orElseThrow(SpaceInvitations::noMatch);
		if (!"PENDING".equals(invitation.stateAt(now)) || invitation.failedCodes() >= settings.codeAttempts()) {
			throw noMatch();
		}
		if (code == null || !MessageDigest.isEqual(SpaceRegistry.codeHash(id, code).getBytes(StandardCharsets.US_ASCII),
				invitation.codeHash().getBytes(StandardCharsets.US_ASCII))) {
			jdbc.update("UPDATE carnet_space_invitation SET failed_codes = failed_codes + 1 WHERE id = ?", id);
			throw noMatch();
		}
		String username = invitee.subject();
		transactions.withSystemRequest().execute(() -> {
			if (jdbc.update("UPDATE carnet_space_invitation SET state = ?, answered_at = ?, answered_by = ? WHERE id = ?"
					+ " AND state = 'PENDING'", accept ? "ACCEPTED" : "REFUSED", Timestamp.from(now), username, id) != 1) {
				throw noMatch();
			}
			if (accept && invitation.kind() == Kind.DELEGATE) {
				String relatedPerson = daos.getResourceDao(RelatedPerson.class).create(relatedPerson(invitation), new SystemRequestDetails())
						.getId().toUnqualifiedVersionless().getValue();
				String consent = daos.getResourceDao(Consent.class).create(delegation(invitation, relatedPerson, now),
						new SystemRequestDetails()).getId().toUnqualifiedVersionless().getValue();
				jdbc.update("UPDATE carnet_space_invitation SET consent_id = ? WHERE id = ?", consent, id);
				// The login offers the space until the delegation ends (the day after its last day, in Paris).
				LocalDate until = invitation.periodEnd() == null ? null
						: invitation.periodEnd().atZone(SpaceLifecycle.LEGAL_ZONE).toLocalDate();
				accounts.allowSpaceActingAs(username, invitation.patientId(), UserAccounts.Relationship.DELEGATE, relatedPerson, until);
			} else if (accept) {
				Patient child = daos.getResourceDao(Patient.class).read(new IdType("Patient", invitation.patientId()),
						new SystemRequestDetails());
				LocalDate until = LocalDate.parse(child.getBirthDateElement().getValueAsString()).plusYears(SpaceRules.AGE_OF_MAJORITY);
				accounts.allowSpaceActingAs(username, invitation.patientId(), UserAccounts.Relationship.LEGAL_REPRESENTATIVE, null, until);
			}
		});
		return find(id).orElseThrow();
	}

	/**
	 * The holder ends an invitation: a pending one is withdrawn; an accepted delegation ends at once (its
	 * Consent made inactive, the delegate's login no longer offers the space).
	 */
	public Invitation end(String patientId, String id) {
		Invitation invitation = find(id).filter(found -> found.patientId().equals(patientId))
				.orElseThrow(() -> invalid("No such invitation in this space"));
		Instant now = clock.instant();
		String state = invitation.stateAt(now);
		boolean delegation = "ACCEPTED".equals(state) && invitation.kind() == Kind.DELEGATE;
		if (!"PENDING".equals(state) && !delegation) {
			throw invalid("Only a pending invitation or an accepted delegation can be ended; this one is " + state.toLowerCase());
		}
		transactions.withSystemRequest().execute(() -> {
			if (jdbc.update("UPDATE carnet_space_invitation SET state = 'REVOKED', answered_at = COALESCE(answered_at, ?) WHERE id = ?"
					+ " AND state = ?", Timestamp.from(now), id, invitation.state()) != 1) {
				throw invalid("The invitation changed meanwhile: read it again");
			}
			if (delegation) {
				Consent consent = daos.getResourceDao(Consent.class).read(new IdType(invitation.consentId()), new SystemRequestDetails());
				consent.setStatus(Consent.ConsentState.INACTIVE);
				daos.getResourceDao(Consent.class).update(consent, new SystemRequestDetails());
				accounts.forgetSpace(invitation.answeredBy(), patientId);
			}
		});
		return find(id).orElseThrow();
	}

	/** Where a person known by INS is e-mailed: the registry's address, else their space's. */
	private Optional<String> addressOf(String ins) {
		Optional<String> registered = jdbc.queryForList("SELECT email FROM carnet_space_registry WHERE ins = ? AND email IS NOT NULL",
				String.class, ins).stream().findFirst();
		if (registered.isPresent()) {
			return registered;
		}
		for (String patientId : jdbc.queryForList("SELECT patient_id FROM carnet_space_ins WHERE ins = ?", String.class, ins)) {
			try {
				Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
				Optional<String> address = patient.getTelecom().stream()
						.filter(contact -> contact.getSystem() == ContactPoint.ContactPointSystem.EMAIL && contact.hasValue())
						.map(ContactPoint::getValue).findFirst();
				if (address.isPresent()) {
					return address;
				}
			} catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException
					| ca.uhn.fhir.rest.server.exceptions.ResourceGoneException gone) {
				// no address there
			}
		}
		return Optional.empty();
	}

	public List<Invitation> of(String patientId) {
		return jdbc.query("SELECT " + INVITATION_COLUMNS + " FROM carnet_space_invitation WHERE patient_id = ? ORDER BY created_at DESC",
				SpaceInvitations::invitation, patientId);
	}

	Optional<Invitation> find(String id) {
		return jdbc.query("SELECT " + INVITATION_COLUMNS + " FROM carnet_space_invitation WHERE id = ?", SpaceInvitations::invitation, id)
				.stream().findFirst();
	}

	Instant now() {
		return clock.instant();
	}

	private static RelatedPerson relatedPerson(Invitation invitation) {
		RelatedPerson person = new RelatedPerson();
		person.setActive(true);
		person.setPatient(new Reference("Patient/" + invitation.patientId()));
		person.addName().setText(invitation.name());
		if (!invitation.email().isEmpty()) {
			person.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(invitation.email());
		}
		return person;
	}

	/** The delegation as the access policy reads it (profile carnet-consent): a permit to the RelatedPerson until the end. */
	private static Consent delegation(Invitation invitation, String relatedPerson, Instant now) {
		Consent consent = new Consent();
		consent.setStatus(Consent.ConsentState.ACTIVE);
		consent.setScope(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
		consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
		consent.setPatient(new Reference("Patient/" + invitation.patientId()));
		consent.addPerformer(new Reference("Patient/" + invitation.patientId()));
		consent.setDateTime(java.util.Date.from(now));
		consent.addPolicy().setUri("https://carnet.example/ig/policy/space");
		Consent.ProvisionComponent provision = consent.getProvision();
		provision.setType(Consent.ConsentProvisionType.PERMIT);
		provision.addActor().setRole(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP",
				null))).setReference(new Reference(relatedPerson));
		provision.addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
		provision.getPeriod().setStart(java.util.Date.from(now));
		if (invitation.periodEnd() != null) {
			provision.getPeriod().setEnd(java.util.Date.from(invitation.periodEnd()));
		}
		if (invitation.replyRight()) {
			String[] right = AccessRule.REPLY_TO_MESSAGES.split("\\|");
			provision.addAction(new CodeableConcept(new Coding(right[0], right[1], null)));
		}
		if (invitation.settingsRight()) {
			String[] right = AccessRule.MANAGE_SETTINGS.split("\\|");
			provision.addAction(new CodeableConcept(new Coding(right[0], right[1], null)));
		}
		return consent;
	}

	static UnprocessableEntityException noMatch() {
		return new UnprocessableEntityException(NO_MATCH, OperationOutcomes.error(OperationOutcome.IssueType.NOTFOUND, null, NO_MATCH));
	}

	private static UnprocessableEntityException invalid(String why) {
		return new UnprocessableEntityException(why, OperationOutcomes.error(OperationOutcome.IssueType.BUSINESSRULE, null, why));
	}

	private static Invitation invitation(ResultSet row, int index) throws SQLException {
		Timestamp end = row.getTimestamp(8);
		return new Invitation(row.getString(1), row.getString(2), Kind.valueOf(row.getString(3)), row.getString(4), row.getString(5),
				row.getString(6), row.getBoolean(7), end == null ? null : end.toInstant(), row.getString(9),
				row.getTimestamp(10).toInstant(), row.getTimestamp(11).toInstant(), row.getInt(12), row.getString(13), row.getString(14),
				row.getBoolean(15));
	}
}
