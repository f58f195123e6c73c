package org.carnetsante.space;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.carnetsante.notify.NotificationKind;
import org.carnetsante.notify.NotificationOutbox;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The insured registry and each person's state ({@code carnet_space_registry}, db/space/schema.sql). Rows
 * change by conditional updates on the state they were read in, so two nodes (or a person and the
 * opening job) never both make the same transition.
 */
public class SpaceRegistry {

	public enum State {
		/** The information notice was sent; no space yet; the person may activate or oppose. */
		NOTIFIED,
		/** The person opposed: no space, nothing accepted for them. */
		OPPOSED,
		/** The space exists and is open ({@code Patient.active = true}). */
		OPEN,
		/** The space is closed ({@code Patient.active = false}); its content kept until {@code purgeAfter}. */
		CLOSED
	}

	/** A person of the registry as the lifecycle reads them. */
	public record Person(String ins, State state, Instant stateSince, String patientId, String codeHash,
			Instant oppositionDeadline, int failedCodes, Instant codesLockedUntil, String family, String given,
			LocalDate birthDate, String sex, String email, List<String> representatives, boolean patientStale,
			Instant purgeAfter) {}

	/** What a batch of registry lines did. */
	public record BatchCounts(int created, int updated, int unchanged) {}

	/** Characters of an activation code: no 0/O, 1/I/L to misread on a letter. */
	private static final char[] CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789".toCharArray();
	private static final int CODE_LENGTH = 10;

	private final JdbcTemplate jdbc;
	private final NamedParameterJdbcTemplate named;
	private final NotificationOutbox outbox;
	private final SecureRandom random = new SecureRandom();
	private final boolean postgres;
	/** Rows the registry held when its planner statistics were last refreshed by this node. */
	private long rowsAtLastAnalyze = -1;

	public SpaceRegistry(DataSource dataSource, NotificationOutbox outbox) {
		DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("db/space/schema.sql")), dataSource);
		this.jdbc = new JdbcTemplate(dataSource);
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.outbox = outbox;
		this.postgres = Boolean.TRUE.equals(jdbc.execute((java.sql.Connection connection) ->
				"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())));
	}

	/**
	 * Keeps PostgreSQL's planner statistics of the registry in step while a provisioning fills it: without
	 * them the planner takes a batch's lookup of 1,000 INS for a whole-table scan (its default selectivity
	 * makes 1,000 equalities "the whole table"), and a million-line run slows down batch after batch.
	 * Autovacuum's analyze comes too late for a table that grows by thousands of rows a second (and may be
	 * off). Refreshed each time the table has doubled since the last refresh (so a few times per run).
	 */
	synchronized void keepStatisticsInStep(long rowsNow) {
		if (!postgres || rowsNow < 2 * Math.max(rowsAtLastAnalyze, 500)) {
			return;
		}
		jdbc.execute("ANALYZE carnet_space_registry");
		jdbc.execute("ANALYZE carnet_space_ins");
		rowsAtLastAnalyze = rowsNow;
	}

	/** What the registry holds for an INS: its content's digest and the run and line that last wrote it. */
	private record Known(String hash, String run, long line) {}

	/**
	 * Applies registry lines of run {@code runKey}, in the caller's transaction: a new INS becomes a NOTIFIED
	 * person with an activation code, an opposition deadline and an information notice in the outbox (or an
	 * OPEN one when a space already holds the INS); a known INS whose line says something else is updated
	 * (its space's Patient marked to follow); a line that says the same, or that this run already followed
	 * with a later line of its own, changes nothing. Lines are taken in file order, so an INS twice in a
	 * file counts as created then updated or unchanged, and the same file run again changes nothing.
	 */
	BatchCounts apply(List<RegistryLine> lines, String runKey, Instant now, Period oppositionPeriod) {
		List<String> keys = lines.stream().map(RegistryLine::ins).distinct().toList();
		Map<String, Known> known = new HashMap<>();
		Map<String, State> knownStates = new HashMap<>();
		named.query("SELECT ins, content_hash, state, last_run, last_line FROM carnet_space_registry WHERE ins IN (:keys)",
				new MapSqlParameterSource("keys", keys), (ResultSet row) -> {
					known.put(row.getString(1), new Known(row.getString(2), row.getString(4), row.getLong(5)));
					knownStates.put(row.getString(1), State.valueOf(row.getString(3)));
				});
		Map<String, String> existingSpaces = new HashMap<>();
		named.query("SELECT ins, patient_id FROM carnet_space_ins WHERE ins IN (:keys)", new MapSqlParameterSource("keys", keys),
				(ResultSet row) -> {
					existingSpaces.put(row.getString(1), row.getString(2));
				});
		Set<String> closedSpaces = closedAmong(existingSpaces.values());
		Map<String, RegistryLine> created = new LinkedHashMap<>();
		Map<String, RegistryLine> updated = new LinkedHashMap<>();
		int unchanged = 0;
		int updates = 0;
		for (RegistryLine line : lines) {
			String hash = line.contentHash();
			String key = line.ins();
			Known before = known.get(key);
			if (before == null) {
				created.put(key, line);
				known.put(key, new Known(hash, runKey, line.number()));
			} else if ((runKey.equals(before.run()) && before.line() >= line.number()) || hash.equals(before.hash())) {
				unchanged++;
			} else {
				known.put(key, new Known(hash, runKey, line.number()));
				updates++;
				if (created.containsKey(key)) {
					created.put(key, line); // still to insert: inserted as it ends up
				} else {
					updated.put(key, line);
				}
			}
		}
		insert(created.values(), runKey, existingSpaces, closedSpaces, now,
				now.atZone(ZoneOffset.UTC).plus(oppositionPeriod).toInstant());
		update(updated.values(), runKey, knownStates);
		return new BatchCounts(created.size(), updates, unchanged);
	}

	private void insert(java.util.Collection<RegistryLine> lines, String runKey, Map<String, String> existingSpaces,
			Set<String> closedSpaces, Instant now, Instant deadline) {
		if (lines.isEmpty()) {
			return;
		}
		List<Object[]> rows = new ArrayList<>(lines.size());
		List<NotificationOutbox.ToAdd> notices = new ArrayList<>();
		for (RegistryLine line : lines) {
			String space = existingSpaces.get(line.ins());
			String code = null;
			if (space == null) {
				code = newCode();
				notices.add(new NotificationOutbox.ToAdd(NotificationOutbox.REGISTRY_RECIPIENT + line.ins(),
						NotificationKind.SPACE_NOTICE, code + "|" + deadline.atZone(ZoneOffset.UTC).toLocalDate()));
			}
			rows.add(new Object[] {line.ins(), line.contentHash(), line.family(), line.given(), Date.valueOf(line.birthDate()),
					line.sex(), line.email(), line.postalAddress(), String.join(";", line.representatives()),
					(space == null ? State.NOTIFIED : closedSpaces.contains(space) ? State.CLOSED : State.OPEN).name(),
					Timestamp.from(now), space,
					code == null ? null : codeHash(line.ins(), code), space == null ? Timestamp.from(deadline) : null, space != null,
					runKey, line.number()});
		}
		jdbc.batchUpdate("INSERT INTO carnet_space_registry (ins, content_hash, family, given, birth_date, sex, email,"
				+ " postal_address, representatives, state, state_since, patient_id, code_hash, opposition_deadline, patient_stale,"
				+ " last_run, last_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows);
		if (!notices.isEmpty()) {
			outbox.addAll(notices);
		}
	}

	/**
	 * The spaces among these that are closed ({@code Patient.active = false}), as the access policy's rules
	 * record it ({@code carnet_space_rule}, package access): an INS whose space was opened and closed outside the
	 * registry enters it closed, so that its holder can reopen it.
	 */
	private Set<String> closedAmong(java.util.Collection<String> patientIds) {
		if (patientIds.isEmpty()) {
			return Set.of();
		}
		Set<String> closed = new java.util.HashSet<>();
		named.query("SELECT patient_id FROM carnet_space_rule WHERE source IN (:sources) AND rules LIKE :closing",
				new MapSqlParameterSource("sources", patientIds.stream().map(id -> "Patient/" + id).toList())
						.addValue("closing", "%\"closesSpace\":true%"),
				(ResultSet row) -> {
					closed.add(row.getString(1));
				});
		return closed;
	}

	private void update(java.util.Collection<RegistryLine> lines, String runKey, Map<String, State> states) {
		if (lines.isEmpty()) {
			return;
		}
		List<Object[]> rows = new ArrayList<>(lines.size());
		for (RegistryLine line : lines) {
			State state = states.get(line.ins());
			boolean hasSpace = state == State.OPEN || state == State.CLOSED;
			rows.add(new Object[] {line.contentHash(), line.family(), line.given(), Date.valueOf(line.birthDate()), line.sex(),
					line.email(), line.postalAddress(), String.join(";", line.representatives()), hasSpace, runKey, line.number(),
					line.ins()});
		}
		jdbc.batchUpdate("UPDATE carnet_space_registry SET content_hash = ?, family = ?, given = ?, birth_date = ?, sex = ?,"
				+ " email = ?, postal_address = ?, representatives = ?, patient_stale = (patient_stale OR ?), last_run = ?,"
				+ " last_line = ? WHERE ins = ?", rows);
	}

	private String newCode() {
		return newCode(random);
	}

	/** A new code to type from a letter or an e-mail (activation, invitation). */
	static String newCode(SecureRandom random) {
		char[] code = new char[CODE_LENGTH];
		for (int i = 0; i < CODE_LENGTH; i++) {
			code[i] = CODE_ALPHABET[random.nextInt(CODE_ALPHABET.length)];
		}
		return new String(code);
	}

	/** The stored form of an activation code: tied to its INS, never kept in clear. */
	static String codeHash(String ins, String code) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
					.digest((ins + "\u001f" + code.trim().toUpperCase(java.util.Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
		}
	}

	// ---- the lifecycle's reads and transitions

	private static final String PERSON_COLUMNS = "ins, state, state_since, patient_id, code_hash, opposition_deadline,"
			+ " failed_codes, codes_locked_until, family, given, birth_date, sex, email, representatives, patient_stale, purge_after";

	public Optional<Person> byIns(String ins) {
		return jdbc.query("SELECT " + PERSON_COLUMNS + " FROM carnet_space_registry WHERE ins = ?", SpaceRegistry::person, ins)
				.stream().findFirst();
	}

	public Optional<Person> byPatient(String patientId) {
		return jdbc.query("SELECT " + PERSON_COLUMNS + " FROM carnet_space_registry WHERE patient_id = ?", SpaceRegistry::person,
				patientId).stream().findFirst();
	}

	/** NOTIFIED persons whose opposition deadline passed, oldest deadline first, along the index. */
	List<Person> dueForOpening(Instant now, int max) {
		return jdbc.query("SELECT " + PERSON_COLUMNS + " FROM carnet_space_registry WHERE state = 'NOTIFIED'"
				+ " AND opposition_deadline <= ? ORDER BY state, opposition_deadline FETCH FIRST " + max + " ROWS ONLY",
				SpaceRegistry::person, Timestamp.from(now));
	}

	/** OPEN spaces whose registry line changed since their Patient was written. */
	List<Person> staleSpaces(int max) {
		return jdbc.query("SELECT " + PERSON_COLUMNS + " FROM carnet_space_registry WHERE patient_stale = true AND"
				+ " patient_id IS NOT NULL FETCH FIRST " + max + " ROWS ONLY", SpaceRegistry::person);
	}

	/** Closed spaces whose content is to go (retention ended, or deletion asked), along the index. */
	List<Person> dueForPurge(Instant now, int max) {
		return jdbc.query("SELECT " + PERSON_COLUMNS + " FROM carnet_space_registry WHERE state = 'CLOSED' AND purge_after <= ?"
				+ " AND (content_deleted_at IS NULL OR content_deleted_at < purge_after) ORDER BY purge_after FETCH FIRST " + max
				+ " ROWS ONLY", SpaceRegistry::person, Timestamp.from(now));
	}

	/** Takes the purge of a closed space still due (state and deadline as read); false if another took it. */
	boolean claimPurge(String ins, Instant purgeAfter, Instant now) {
		return jdbc.update("UPDATE carnet_space_registry SET content_deleted_at = ? WHERE ins = ? AND state = 'CLOSED'"
				+ " AND purge_after = ? AND (content_deleted_at IS NULL OR content_deleted_at < purge_after)", Timestamp.from(now), ins,
				Timestamp.from(purgeAfter)) == 1;
	}

	/** Gives a failed purge back, to be tried again at {@code retryAt} (not at the head of every pass). */
	void releasePurge(String ins, Instant claimedAt, Instant retryAt) {
		jdbc.update("UPDATE carnet_space_registry SET content_deleted_at = NULL, purge_after = ? WHERE ins = ?"
				+ " AND content_deleted_at = ?", Timestamp.from(retryAt), ins, Timestamp.from(claimedAt));
	}

	/** The INS a stored Patient claims (its space's key), if it claims one. */
	Optional<String> claimedIns(String patientId) {
		return jdbc.queryForList("SELECT ins FROM carnet_space_ins WHERE patient_id = ? ORDER BY ins", String.class, patientId).stream()
				.findFirst();
	}

	/** Open spaces of persons born on this day. */
	List<String> openSpacesBornOn(LocalDate birthDate) {
		return jdbc.queryForList("SELECT patient_id FROM carnet_space_registry WHERE birth_date = ? AND state = 'OPEN'"
				+ " AND patient_id IS NOT NULL", String.class, Date.valueOf(birthDate));
	}

	void followed(String ins) {
		jdbc.update("UPDATE carnet_space_registry SET patient_stale = false WHERE ins = ?", ins);
	}

	/** Moves a person from one state to another if they are still in it; false if someone else moved them first. */
	boolean transition(String ins, State from, State to, Instant now, String patientId, Instant purgeAfter) {
		return jdbc.update("UPDATE carnet_space_registry SET state = ?, state_since = ?, patient_id = ?, purge_after = ?,"
				+ " code_hash = CASE WHEN ? THEN NULL ELSE code_hash END, failed_codes = 0, codes_locked_until = NULL"
				+ " WHERE ins = ? AND state = ?", to.name(), Timestamp.from(now), patientId,
				purgeAfter == null ? null : Timestamp.from(purgeAfter), to == State.OPEN || to == State.CLOSED, ins, from.name()) == 1;
	}

	/** A row for a space opened outside the registry (a Patient a professional created), at its first transition. */
	void recordOutsideSpace(String ins, String patientId, Instant now) {
		jdbc.update("INSERT INTO carnet_space_registry (ins, state, state_since, patient_id) SELECT ?, 'OPEN', ?, ?"
				+ " WHERE NOT EXISTS (SELECT 1 FROM carnet_space_registry WHERE ins = ?)", ins, Timestamp.from(now), patientId, ins);
	}

	/**
	 * A new activation code for a person whose notice is running (a lost letter, the demo's walkthrough):
	 * the earlier code stops working; answers the new one, which the caller hands to the person.
	 */
	String renewCode(String ins) {
		String code = newCode();
		jdbc.update("UPDATE carnet_space_registry SET code_hash = ?, failed_codes = 0, codes_locked_until = NULL WHERE ins = ?"
				+ " AND state IN ('NOTIFIED', 'OPPOSED')", codeHash(ins, code), ins);
		return code;
	}

	/** Moves a NOTIFIED person's opening to later (their space could not be opened now). */
	void postpone(String ins, Instant until) {
		jdbc.update("UPDATE carnet_space_registry SET opposition_deadline = ? WHERE ins = ? AND state = 'NOTIFIED'",
				Timestamp.from(until), ins);
	}

	/** Counts a wrong activation code; locks the INS's codes for {@code lockout} at the {@code attempts}-th. */
	void wrongCode(String ins, int attempts, Instant lockedUntil) {
		jdbc.update("UPDATE carnet_space_registry SET failed_codes = failed_codes + 1,"
				+ " codes_locked_until = CASE WHEN failed_codes + 1 >= ? THEN ? ELSE codes_locked_until END WHERE ins = ?", attempts,
				Timestamp.from(lockedUntil), ins);
	}

	/** Once locked codes are free again, the count starts over. */
	void unlockCodes(String ins) {
		jdbc.update("UPDATE carnet_space_registry SET failed_codes = 0, codes_locked_until = NULL WHERE ins = ?", ins);
	}

	/** How many persons are in each state (the registry's own figures). */
	public Map<State, Long> countsByState() {
		Map<State, Long> counts = new LinkedHashMap<>();
		for (State state : State.values()) {
			counts.put(state, 0L);
		}
		jdbc.query("SELECT state, COUNT(*) FROM carnet_space_registry GROUP BY state",
				(ResultSet row) -> {
					counts.put(State.valueOf(row.getString(1)), row.getLong(2));
				});
		return counts;
	}

	private static Person person(ResultSet row, int index) throws SQLException {
		String representatives = row.getString(14);
		Date birth = row.getDate(11);
		return new Person(row.getString(1), State.valueOf(row.getString(2)), instant(row.getTimestamp(3)), row.getString(4),
				row.getString(5), instant(row.getTimestamp(6)), row.getInt(7), instant(row.getTimestamp(8)), row.getString(9),
				row.getString(10), birth == null ? null : birth.toLocalDate(), row.getString(12), row.getString(13),
				representatives == null || representatives.isBlank() ? List.of() : List.of(representatives.split(";")),
				row.getBoolean(15), instant(row.getTimestamp(16)));
	}

	private static Instant instant(Timestamp timestamp) {
		return timestamp == null ? null : timestamp.toInstant();
	}
}
