package org.carnetsante.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Which part of the access log a search asks for, and how to carry it in a paging link: the link's
 * page id encodes the query itself, so any node can serve the next page and nothing is kept between
 * requests. Every page is checked again against its caller like any other response.
 */
record AuditLogQuery(String patient, Instant from, Instant to) {

	static final String PAGE_ID_PREFIX = "audit-log.";

	String pageId() {
		String encoded = nullable(patient) + "|" + (from == null ? "" : from.toString()) + "|" + (to == null ? "" : to.toString());
		return PAGE_ID_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(encoded.getBytes(StandardCharsets.UTF_8));
	}

	static boolean isPageId(String id) {
		return id != null && id.startsWith(PAGE_ID_PREFIX);
	}

	static AuditLogQuery ofPageId(String id) {
		String decoded = new String(Base64.getUrlDecoder().decode(id.substring(PAGE_ID_PREFIX.length())), StandardCharsets.UTF_8);
		String[] parts = decoded.split("\\|", -1);
		if (parts.length != 3) {
			throw new IllegalArgumentException("not an access log page id");
		}
		return new AuditLogQuery(parts[0].isEmpty() ? null : parts[0], instant(parts[1]), instant(parts[2]));
	}

	AuditEventStore.Query page(int offset, int count) {
		return new AuditEventStore.Query(patient, from, to, offset, count);
	}

	private static Instant instant(String value) {
		return value.isEmpty() ? null : Instant.parse(value);
	}

	private static String nullable(String value) {
		return value == null ? "" : value;
	}
}
