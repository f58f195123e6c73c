package org.carnetsante.export;

import ca.uhn.fhir.jpa.model.dao.JpaPid;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Cuts the row keys an export will load into pages bounded by count and by bytes. HAPI loads resources
 * by count; a page of 500 resources each holding a 5 MB inline attachment would be 2.5 GB of JSON before
 * parsing (HAPI issue #8374). The stored size of each resource's current version is read first (one
 * query per slice of keys; PostgreSQL's LENGTH counts the characters of the text, so it reads it) and a
 * page closes before it would pass the byte bound.
 */
final class ExportPages {

	/** A size unknown to the query (text stored elsewhere than the text column): loaded alone. */
	static final long UNKNOWN_SIZE = Long.MAX_VALUE;

	private final JdbcTemplate jdbc;
	private final int pageSize;
	private final long pageBytes;

	ExportPages(DataSource dataSource, int pageSize, long pageBytes) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.pageSize = Math.max(1, pageSize);
		this.pageBytes = Math.max(1, pageBytes);
	}

	/** These keys, in their order, as pages to load one after the other. */
	List<List<JpaPid>> pagesOf(List<JpaPid> keys) {
		List<List<JpaPid>> pages = new ArrayList<>();
		for (int from = 0; from < keys.size(); from += pageSize) {
			List<JpaPid> slice = keys.subList(from, Math.min(keys.size(), from + pageSize));
			pages.addAll(cut(slice, storedSizes(slice), pageBytes));
		}
		return pages;
	}

	/**
	 * Consecutive pages of these keys, each at most {@code bytes} by the sizes given (a key too large,
	 * or of unknown size, alone in its page).
	 */
	static List<List<JpaPid>> cut(List<JpaPid> keys, Map<Long, Long> sizes, long bytes) {
		List<List<JpaPid>> pages = new ArrayList<>();
		List<JpaPid> page = new ArrayList<>();
		long pageTotal = 0;
		for (JpaPid key : keys) {
			long size = sizes.getOrDefault(key.getId(), UNKNOWN_SIZE);
			if (!page.isEmpty() && (size > bytes - pageTotal)) {
				pages.add(page);
				page = new ArrayList<>();
				pageTotal = 0;
			}
			page.add(key);
			pageTotal = size >= bytes ? bytes : pageTotal + size;
		}
		if (!page.isEmpty()) {
			pages.add(page);
		}
		return pages;
	}

	/** Characters of the stored JSON of each key's current version (JSON is ASCII but for text). */
	private Map<Long, Long> storedSizes(List<JpaPid> keys) {
		if (keys.isEmpty()) {
			return Collections.emptyMap();
		}
		Map<Long, Long> sizes = new HashMap<>();
		String marks = String.join(",", Collections.nCopies(keys.size(), "?"));
		Object[] ids = keys.stream().map(JpaPid::getId).toArray();
		jdbc.query("SELECT v.res_id, LENGTH(v.res_text_vc) FROM hfj_res_ver v JOIN hfj_resource r"
				+ " ON r.res_id = v.res_id AND r.res_ver = v.res_ver WHERE v.res_id IN (" + marks + ")", row -> {
					long length = row.getLong(2);
					if (!row.wasNull()) {
						sizes.put(row.getLong(1), length);
					}
				}, ids);
		return sizes;
	}
}
