package org.carnetsante.smart;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The accounts people log in with on the embedded authorization server, in the database: patients
 * (linked to their Patient and to the spaces of the people they represent) and professionals (with
 * their national id, profession, specialty and organization). Passwords are stored as BCrypt hashes.
 */
public class UserAccounts implements UserDetailsService {

	/** One account, as tokens describe it. */
	public record Account(
			String username,
			CarnetCaller.Kind kind,
			String displayName,
			String fhirUser,
			String idNat,
			String profession,
			String specialty,
			String organization,
			String organizationSector) {}

	/** How an account relates to a space it may open. */
	public enum Relationship {
		SELF,
		LEGAL_REPRESENTATIVE,
		DELEGATE
	}

	private final JdbcTemplate jdbc;
	private final PasswordEncoder passwords;

	public UserAccounts(JdbcTemplate jdbc, PasswordEncoder passwords) {
		this.jdbc = jdbc;
		this.passwords = passwords;
	}

	public void create(Account account, String password) {
		jdbc.update(
				"INSERT INTO carnet_user (username, password_hash, kind, display_name, fhir_user, id_nat, profession,"
						+ " specialty, organization, organization_sector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				account.username(), passwords.encode(password), account.kind().name(), account.displayName(),
				account.fhirUser(), account.idNat(), account.profession(), account.specialty(), account.organization(),
				account.organizationSector());
	}

	public void allowSpace(String username, String patientId, Relationship relationship) {
		jdbc.update(
				"INSERT INTO carnet_user_patient (username, patient_id, relationship) VALUES (?, ?, ?)",
				username, patientId, relationship.name());
	}

	/**
	 * Lets the account open a space until a day (excluded): a legal representative until the child's 18th
	 * birthday. Nothing changes if it may already open it.
	 */
	public void allowSpaceUntil(String username, String patientId, Relationship relationship, LocalDate until) {
		jdbc.update("INSERT INTO carnet_user_patient (username, patient_id, relationship, valid_until) SELECT ?, ?, ?, ?"
				+ " WHERE NOT EXISTS (SELECT 1 FROM carnet_user_patient WHERE username = ? AND patient_id = ?)",
				username, patientId, relationship.name(), until == null ? null : java.sql.Date.valueOf(until), username, patientId);
	}

	/**
	 * Lets the account open another person's space as the given FHIR user (a delegate: the RelatedPerson the
	 * delegation names), until a day (excluded) or without end.
	 */
	public void allowSpaceActingAs(String username, String patientId, Relationship relationship, String actingAs, LocalDate until) {
		jdbc.update("DELETE FROM carnet_user_patient WHERE username = ? AND patient_id = ? AND relationship <> 'SELF'", username,
				patientId);
		jdbc.update("INSERT INTO carnet_user_patient (username, patient_id, relationship, valid_until, acting_as) SELECT ?, ?, ?, ?, ?"
				+ " WHERE NOT EXISTS (SELECT 1 FROM carnet_user_patient WHERE username = ? AND patient_id = ?)", username, patientId,
				relationship.name(), until == null ? null : java.sql.Date.valueOf(until), actingAs, username, patientId);
	}

	/** The account no longer opens this space for someone else (an ended delegation). */
	public void forgetSpace(String username, String patientId) {
		jdbc.update("DELETE FROM carnet_user_patient WHERE username = ? AND patient_id = ? AND relationship <> 'SELF'", username,
				patientId);
	}

	/** Who the account is in this space, when not its own FHIR user (a delegate's RelatedPerson). */
	public Optional<String> actingAs(String username, String patientId) {
		return jdbc.queryForList("SELECT acting_as FROM carnet_user_patient WHERE username = ? AND patient_id = ?"
				+ " AND acting_as IS NOT NULL", String.class, username, patientId).stream().findFirst();
	}

	/** The accounts whose own space this is. */
	public List<String> holdersOf(String patientId) {
		return jdbc.queryForList("SELECT username FROM carnet_user_patient WHERE patient_id = ? AND relationship = 'SELF'",
				String.class, patientId);
	}

	/** Today, as the law counts birthdays. */
	private static java.sql.Date today() {
		return java.sql.Date.valueOf(LocalDate.now(ZoneId.of("Europe/Paris")));
	}

	public boolean exists(String username) {
		return !jdbc.queryForList("SELECT 1 FROM carnet_user WHERE username = ?", Integer.class, username).isEmpty();
	}

	public Optional<Account> find(String username) {
		return jdbc.query(
						"SELECT username, kind, display_name, fhir_user, id_nat, profession, specialty, organization,"
								+ " organization_sector FROM carnet_user WHERE username = ? AND enabled",
						(row, index) -> new Account(
								row.getString(1), CarnetCaller.Kind.valueOf(row.getString(2)), row.getString(3),
								row.getString(4), row.getString(5), row.getString(6), row.getString(7), row.getString(8),
								row.getString(9)),
						username)
				.stream()
				.findFirst();
	}

	/** Patient ids of the spaces the account may open, its own first. */
	public List<String> spacesOf(String username) {
		return jdbc.queryForList(
				"SELECT patient_id FROM carnet_user_patient WHERE username = ? AND (valid_until IS NULL OR valid_until > ?)"
						+ " ORDER BY CASE relationship WHEN 'SELF' THEN 0 ELSE 1 END, patient_id",
				String.class, username, today());
	}

	/** The day (excluded) until which the account may open this space, when its access has an end. */
	public Optional<LocalDate> validUntil(String username, String patientId) {
		return jdbc.queryForList("SELECT valid_until FROM carnet_user_patient WHERE username = ? AND patient_id = ?"
				+ " AND valid_until IS NOT NULL", java.sql.Date.class, username, patientId).stream()
				.findFirst()
				.map(java.sql.Date::toLocalDate);
	}

	/** How the account relates to a space it may open, if it may. */
	public Optional<Relationship> relationshipTo(String username, String patientId) {
		return jdbc.queryForList(
						"SELECT relationship FROM carnet_user_patient WHERE username = ? AND patient_id = ?"
								+ " AND (valid_until IS NULL OR valid_until > ?)",
						String.class, username, patientId, today())
				.stream()
				.findFirst()
				.map(Relationship::valueOf);
	}

	@Override
	public UserDetails loadUserByUsername(String username) {
		return jdbc.query(
						"SELECT username, password_hash, kind, enabled FROM carnet_user WHERE username = ?",
						(row, index) -> User.withUsername(row.getString(1))
								.password(row.getString(2))
								.authorities(new SimpleGrantedAuthority("ROLE_" + row.getString(3)))
								.disabled(!row.getBoolean(4))
								.build(),
						username)
				.stream()
				.findFirst()
				.orElseThrow(() -> new UsernameNotFoundException("No account " + username));
	}
}
