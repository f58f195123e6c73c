package org.carnetsante.access;

import java.util.IdentityHashMap;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.carnetsante.smart.CarnetCaller;

/**
 * What the access policy knows and decided during one FHIR request (shared by the entries of a batch
 * or transaction, which HAPI runs as sub-requests with the same user data): the caller, the actor it
 * is, the rules of the spaces already looked up, and the journal of every decision, which the audit
 * trail turns into AuditEvents when the request ends.
 */
public final class RequestAccess {

	private static final String USER_DATA_KEY = RequestAccess.class.getName();

	/**
	 * One decision on one resource (or on a whole space, when {@code resourceId} is null).
	 *
	 * @param operation the interaction during which it was made (a batch entry's own)
	 * @param resourceId relative id of the resource, if one
	 * @param patients the spaces it belongs to
	 * @param decision the policy's answer
	 */
	public record Access(RestOperationTypeEnum operation, String resourceId, Set<String> patients, AccessDecision decision) {}

	private final CarnetCaller caller;
	private final Actor actor;
	private final Map<String, SpaceRules> spaces = new HashMap<>();
	private final Map<String, List<String>> resolvedConditionalUrls = new HashMap<>();
	private final List<Access> journal = Collections.synchronizedList(new ArrayList<>());
	/** The resource objects already judged (by identity), so that the response is not judged again. */
	private final Set<Object> judged = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

	private RequestAccess(CarnetCaller caller, Actor actor) {
		this.caller = caller;
		this.actor = actor;
	}

	/** Starts the request's access state; the first call of a request wins (sub-requests share it). */
	public static RequestAccess start(RequestDetails request, CarnetCaller caller, Actor actor) {
		return (RequestAccess) request.getUserData().computeIfAbsent(USER_DATA_KEY, key -> new RequestAccess(caller, actor));
	}

	/** The request's access state, if the access policy saw the request. */
	public static RequestAccess of(RequestDetails request) {
		return request == null ? null : (RequestAccess) request.getUserData().get(USER_DATA_KEY);
	}

	public CarnetCaller caller() {
		return caller;
	}

	public Actor actor() {
		return actor;
	}

	/** The rules of these spaces, looked up once per request. */
	synchronized Map<String, SpaceRules> spaces(Set<String> patients, SpaceRulesStore store) {
		List<String> missing = patients.stream().filter(patient -> !spaces.containsKey(patient)).toList();
		if (!missing.isEmpty()) {
			spaces.putAll(store.rulesOf(missing));
		}
		Map<String, SpaceRules> wanted = new HashMap<>();
		for (String patient : patients) {
			wanted.put(patient, spaces.get(patient));
		}
		return wanted;
	}

	/**
	 * The ids a conditional reference matched, resolved once per request: a provide bundle names its space
	 * by the same {@code Patient?identifier=…} in the SubmissionSet and in each document. Only matches are
	 * remembered (a later entry of a batch may create what an earlier one did not find).
	 */
	synchronized List<String> matchesOf(String conditionalUrl, java.util.function.Function<String, List<String>> resolve) {
		List<String> known = resolvedConditionalUrls.get(conditionalUrl);
		if (known != null) {
			return known;
		}
		List<String> matches = List.copyOf(resolve.apply(conditionalUrl));
		if (!matches.isEmpty()) {
			resolvedConditionalUrls.put(conditionalUrl, matches);
		}
		return matches;
	}

	/** Journals a decision; the access log records the journal when the request ends. */
	public void record(Access access) {
		journal.add(access);
	}

	void judged(Object resource) {
		judged.add(resource);
	}

	boolean wasJudged(Object resource) {
		return judged.contains(resource);
	}

	/** Every decision so far, in order. */
	public List<Access> journal() {
		synchronized (journal) {
			return List.copyOf(journal);
		}
	}
}
