package org.carnetsante.access;

import java.util.List;
import org.carnetsante.fhir.DatabaseNotifications;

/**
 * Tells this node when another node changed a space's rules: {@link SpaceRulesStore} notifies, in the
 * writing transaction, the spaces it changed on {@value #CHANNEL}; each notification evicts its space
 * from {@link SpaceRulesCache}. Whenever listening (re)starts, and whenever it fails, every space is
 * evicted: a notification may have been missed.
 */
public class SpaceRulesChanges implements DatabaseNotifications.Follower {

	public static final String CHANNEL = "carnet_space_rules";

	private final SpaceRulesCache cache;

	public SpaceRulesChanges(SpaceRulesCache cache) {
		this.cache = cache;
	}

	@Override
	public String channel() {
		return CHANNEL;
	}

	@Override
	public void listening() {
		cache.evictAll();
	}

	@Override
	public void notified(List<String> patients) {
		patients.forEach(cache::evict);
	}

	@Override
	public void notListening() {
		cache.evictAll();
	}
}
