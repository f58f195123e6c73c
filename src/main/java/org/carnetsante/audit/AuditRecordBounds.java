package org.carnetsante.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * Makes every access-log entry writable, whatever the request it records: a search URL of megabytes, a
 * patient parameter of hundreds of characters, a name with a NUL character or half a UTF-16 surrogate
 * pair (which PostgreSQL text refuses) must never stop the log. Text is cleaned (characters no database
 * column holds become U+FFFD) and cut to {@code carnet.audit.max-text}; the columns the log is searched
 * by are cut to their width; resource lists past {@code carnet.audit.max-resources} are counted instead
 * of listed. The access is never dropped, and an entry that had to be shortened says so in its
 * description.
 */
public final class AuditRecordBounds {

	/** Widths of the searchable columns ({@code db/audit/schema.sql}). */
	static final int PATIENT_COLUMN = 100;
	static final int AGENT_COLUMN = 200;
	/** Ids, codes and addresses: generous for any real one. */
	private static final int SHORT_TEXT = 200;

	private final int maxText;
	private final int maxResources;

	public AuditRecordBounds(int maxText, int maxResources) {
		this.maxText = maxText;
		this.maxResources = maxResources;
	}

	/** The entry as it can be stored: itself when already within bounds. */
	public AuditRecord bound(AuditRecord record) {
		List<String> cuts = new ArrayList<>();
		String patient = text("the patient id", record.patient(), PATIENT_COLUMN, cuts);
		List<String> resources = resources(record.resources(), cuts);
		String query = text("the query", record.query(), maxText, cuts);
		AuditRecord.Who who = who(record.who(), cuts);
		String clientId = text("the client id", record.clientId(), SHORT_TEXT, cuts);
		String address = text("the client address", record.clientAddress(), SHORT_TEXT, cuts);
		String server = text("the server address", record.server(), SHORT_TEXT, cuts);
		String requestId = text("the request id", record.requestId(), SHORT_TEXT, cuts);
		String operation = text("the operation", record.operation(), SHORT_TEXT, cuts);
		String description = text("the description", record.outcomeDescription(), maxText, cuts);
		if (!cuts.isEmpty()) {
			String note = "entry shortened to be recorded: " + String.join("; ", cuts);
			description = description == null ? note : description + " (" + note + ")";
		}
		return new AuditRecord(record.id(), record.recordedMillis(), operation, patient, resources, record.outcome(),
				description, record.accessMode(), record.purposeOfUse(), who, clientId, address, server, requestId, query);
	}

	/** Who as recorded, each part within bounds; the agent column (fhirUser or organization) fits. */
	private AuditRecord.Who who(AuditRecord.Who who, List<String> cuts) {
		if (who == null) {
			return null;
		}
		return new AuditRecord.Who(
				text("the subject", who.subject(), SHORT_TEXT, cuts),
				text("the user reference", who.fhirUser(), AGENT_COLUMN, cuts),
				text("the name", who.name(), SHORT_TEXT, cuts),
				text("the national id", who.idNat(), SHORT_TEXT, cuts),
				text("the profession", who.profession(), SHORT_TEXT, cuts),
				text("the specialty", who.specialty(), SHORT_TEXT, cuts),
				text("the relationship", who.relationship(), SHORT_TEXT, cuts),
				text("the organization", who.organization(), AGENT_COLUMN, cuts),
				text("the sector", who.sector(), SHORT_TEXT, cuts));
	}

	private List<String> resources(List<String> resources, List<String> cuts) {
		List<String> kept = new ArrayList<>();
		for (String resource : resources) {
			if (kept.size() == maxResources) {
				cuts.add((resources.size() - maxResources) + " more resources not listed");
				break;
			}
			kept.add(text("a resource id", resource, SHORT_TEXT, cuts));
		}
		return kept;
	}

	private static String text(String what, String value, int max, List<String> cuts) {
		if (value == null) {
			return null;
		}
		String clean = storable(value);
		if (clean.length() > max) {
			cuts.add(what + " cut from " + clean.length() + " to " + max + " characters");
			clean = clean.substring(0, Character.isHighSurrogate(clean.charAt(max - 1)) ? max - 1 : max);
		}
		return clean;
	}

	/**
	 * The text with what no database column stores replaced by U+FFFD: NUL (refused by PostgreSQL) and
	 * surrogates that are not part of a pair (not encodable in UTF-8).
	 */
	static String storable(String value) {
		StringBuilder clean = null;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < value.length()
					&& Character.isLowSurrogate(value.charAt(i + 1));
			boolean bad = c == '\u0000'
					|| (Character.isHighSurrogate(c) && !pairedHigh)
					|| (Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1))));
			if (bad && clean == null) {
				clean = new StringBuilder(value.length()).append(value, 0, i);
			}
			if (clean != null) {
				clean.append(bad ? '\uFFFD' : c);
			}
		}
		return clean == null ? value : clean.toString();
	}
}
