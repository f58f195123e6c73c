package org.carnetsante.access;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.util.ICachedSearchDetails;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.carnetsante.smart.CallerFromToken;
import org.carnetsante.smart.CarnetCaller;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Who made each stored search (HAPI keeps a search's results for paging, under an id carried by the page
 * links): a page is served to the caller who made the search only, so that replaying another caller's link
 * tells nothing, not even how many results that caller had. Kept in the database: any node serves the next
 * page.
 */
@Interceptor
public class SearchOwners {

	/** Every so many searches, the rows older than {@code keptFor} are purged (on any node: idempotent). */
	private static final long PURGE_EVERY = 1000;

	private final JdbcTemplate jdbc;
	private final Clock clock;
	private final Duration keptFor;
	private final AtomicLong registered = new AtomicLong();

	public SearchOwners(DataSource dataSource, Clock clock, Duration keptFor) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
		this.keptFor = keptFor;
	}

	@Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
	public void searchRegistered(ICachedSearchDetails search, RequestDetails request) {
		record(search.getUuid(), request);
	}

	/** Records the maker of a stored search (once; Carnet's own searches have none). */
	public void record(String searchId, RequestDetails request) {
		Optional<String> owner = ownerOf(request);
		if (searchId == null || owner.isEmpty()) {
			return;
		}
		// Read first (a failed insert would abort the transaction it may run in, on PostgreSQL): the same
		// search stored twice keeps its maker.
		if (!jdbc.queryForList("SELECT 1 FROM carnet_search_owner WHERE search_id = ?", Integer.class, searchId).isEmpty()) {
			return;
		}
		jdbc.update("INSERT INTO carnet_search_owner (search_id, owner, created_at) VALUES (?, ?, ?)",
				searchId, owner.get(), Timestamp.from(clock.instant()));
		if (registered.incrementAndGet() % PURGE_EVERY == 0) {
			jdbc.update("DELETE FROM carnet_search_owner WHERE created_at < ?", Timestamp.from(clock.instant().minus(keptFor)));
		}
	}

	/** Whether this request's caller made the search. */
	public boolean madeBy(String searchId, RequestDetails request) {
		Optional<String> caller = ownerOf(request);
		return caller.isPresent() && jdbc.queryForList("SELECT owner FROM carnet_search_owner WHERE search_id = ?",
				String.class, searchId).stream().anyMatch(caller.get()::equals);
	}

	/** The same person through the same app and the same space, whichever of their tokens they use. */
	private static Optional<String> ownerOf(RequestDetails request) {
		return CallerFromToken.of(request).map(SearchOwners::keyOf);
	}

	private static String keyOf(CarnetCaller caller) {
		String key = caller.subject() + "|" + caller.clientId() + "|" + caller.patient() + "|" + caller.purposeOfUse();
		return key.length() > 400 ? key.substring(0, 400) : key;
	}
}
