package org.carnetsante.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The rules of the spaces this node read recently, so that a read does not cost a query for them.
 * Every change of a space's rules evicts it here, on every node: on this node when the writing
 * transaction commits, on the others through PostgreSQL's NOTIFY ({@link SpaceRulesChanges}); a
 * bounded lifetime is a last resort should a notification be lost.
 *
 * <p>A load that overlaps an eviction is not kept: it may have read the rules before the change.
 */
public class SpaceRulesCache {

	private final Cache<String, SpaceRules> spaces;
	/** Counts evictions: a load keeps its result only if none happened while it read. */
	private final AtomicLong evictions = new AtomicLong();

	public SpaceRulesCache(long maxSpaces, Duration lifetime) {
		this.spaces = Caffeine.newBuilder().maximumSize(maxSpaces).expireAfterWrite(lifetime).build();
	}

	/** The rules of these spaces, from the cache or else from {@code load} (one call for all missing). */
	public Map<String, SpaceRules> rulesOf(Collection<String> patients, Function<Collection<String>, Map<String, SpaceRules>> load) {
		Map<String, SpaceRules> found = new HashMap<>(spaces.getAllPresent(patients));
		if (found.size() == patients.size()) {
			return found;
		}
		long before = evictions.get();
		Map<String, SpaceRules> loaded = load.apply(patients.stream().filter(patient -> !found.containsKey(patient)).toList());
		found.putAll(loaded);
		if (evictions.get() == before) {
			spaces.putAll(loaded);
		}
		return found;
	}

	public void evict(String patient) {
		evictions.incrementAndGet();
		spaces.invalidate(patient);
	}

	public void evictAll() {
		evictions.incrementAndGet();
		spaces.invalidateAll();
	}
}
