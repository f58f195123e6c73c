package org.carnetsante.access;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.access.*}: the access policy (who sees what in a patient's space).
 *
 * @param enforced apply the policy; {@code false} exists only so that benchmarks can measure what the
 *     policy costs, and is refused unless {@code carnet.access.unprotected-benchmark-peer} is also set
 * @param unprotectedBenchmarkPeer acknowledges that this server serves every space to every token
 * @param professionMatrix location of the profession matrix (profession × document type)
 * @param refusedSectors TRE_R02 sectors of organizations that never get in (insurers, social security)
 * @param directoryTypes resource types that hold no patient data (directories, terminology,
 *     definitions): readable by any caller their scopes allow
 * @param readOnlyTypes definitions Carnet serves (profiles, terminology, search parameters): clients read
 *     them, never write them (a client's SearchParameter would change how every space is indexed)
 * @param emergency what an emergency opens when the patient has said nothing
 * @param maxCountedMatches most matches evaluated one by one to count a search's visible total
 *     ({@code _summary=count}, {@code _total=accurate}); beyond it the count is refused (400)
 * @param spaceRulesCache the rules of recently read spaces, kept in memory on each node
 */
@ConfigurationProperties("carnet.access")
public record AccessProperties(
		@DefaultValue("true") boolean enforced,
		@DefaultValue("false") boolean unprotectedBenchmarkPeer,
		@DefaultValue("classpath:access/profession-matrix.yaml") String professionMatrix,
		@DefaultValue({"SA23", "SA24"}) List<String> refusedSectors,
		List<String> directoryTypes,
		List<String> readOnlyTypes,
		@DefaultValue Emergency emergency,
		@DefaultValue("10000") int maxCountedMatches,
		@DefaultValue SpaceRulesCacheSettings spaceRulesCache) {

	public AccessProperties {
		refusedSectors = List.copyOf(refusedSectors);
		directoryTypes = directoryTypes == null ? List.of() : List.copyOf(directoryTypes);
		readOnlyTypes = readOnlyTypes == null ? List.of() : List.copyOf(readOnlyTypes);
	}

	/**
	 * @param maxSpaces spaces whose rules a node keeps at most
	 * @param lifetime longest a space's rules are kept; changes evict them at once on every node (through
	 *     PostgreSQL notifications), so this only bounds the harm of a lost notification
	 */
	public record SpaceRulesCacheSettings(
			@DefaultValue("100000") long maxSpaces, @DefaultValue("10m") java.time.Duration lifetime) {}

	/**
	 * The patient's emergency settings when they set none (design.md: permit, permit, deny).
	 *
	 * @param centre15 the SAMU regulating doctor (ETREAT) may open the space
	 * @param breakTheGlass another professional may break the glass (BTG)
	 * @param maskedDocuments documents masked from professionals are shown in an emergency
	 */
	public record Emergency(
			@DefaultValue("true") boolean centre15,
			@DefaultValue("true") boolean breakTheGlass,
			@DefaultValue("false") boolean maskedDocuments) {}
}
