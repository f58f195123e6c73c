package org.carnetsante.fhir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.search.*}: the Hibernate Search index behind {@code _content} and {@code _text}.
 *
 * <p>One node keeps a Lucene index in a local folder. Several nodes behind a load balancer must share
 * one index, so they use the Elasticsearch backend ({@code backend: elasticsearch}).
 *
 * @param backend {@code lucene} or {@code elasticsearch}
 * @param luceneDirectory {@code local-filesystem} (persistent) or {@code local-heap} (tests)
 * @param luceneRoot folder of the Lucene index; empty means {@code <data folder>/lucene}
 * @param elasticsearchHosts comma-separated {@code host:port} list
 * @param elasticsearchProtocol {@code http} or {@code https}
 * @param elasticsearchUsername user for Elasticsearch, if it asks for one
 * @param elasticsearchPassword password for Elasticsearch
 * @param indexingSynchronization when a write returns: {@code async} (the default: the write does not
 *     wait for the index; the text is searchable once the background indexer has taken it, within
 *     milliseconds), {@code write-sync} (waits for the index commit), {@code sync} (waits for commit and
 *     refresh: the text is searchable when the write returns, at ~8 ms of CPU per write, and writers
 *     queue behind each other's commits)
 * @param commitInterval Lucene: at most one index commit (to disk) per interval; what is not yet
 *     committed is already searchable, and is lost from the index if the node crashes (docs/performance.md)
 * @param refreshInterval Lucene: how stale a search's view of the index may be ({@code 0}: a search sees
 *     everything indexed before it)
 * @param indexedTypes the resource types whose text users search ({@code _content}, {@code _text});
 *     others are not indexed at all, and a full-text search on them answers 400
 */
@ConfigurationProperties("carnet.search")
public record FullTextProperties(
		@DefaultValue("lucene") String backend,
		@DefaultValue("local-filesystem") String luceneDirectory,
		Path luceneRoot,
		@DefaultValue("localhost:9200") String elasticsearchHosts,
		@DefaultValue("http") String elasticsearchProtocol,
		@DefaultValue("") String elasticsearchUsername,
		@DefaultValue("") String elasticsearchPassword,
		@DefaultValue("async") String indexingSynchronization,
		@DefaultValue("1s") java.time.Duration commitInterval,
		@DefaultValue("0s") java.time.Duration refreshInterval,
		@DefaultValue({"Patient", "DocumentReference", "Communication"}) java.util.List<String> indexedTypes) {

	/** The Hibernate Search settings for the chosen backend. */
	Map<String, String> hibernateSearchSettings(Path dataDir) {
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("hibernate.search.enabled", "true");
		settings.put("hibernate.search.indexing.plan.synchronization.strategy", indexingSynchronization);
		switch (backend) {
			case "lucene" -> {
				settings.put("hibernate.search.backend.type", "lucene");
				settings.put(
						"hibernate.search.backend.analysis.configurer",
						"ca.uhn.fhir.jpa.search.HapiHSearchAnalysisConfigurers$HapiLuceneAnalysisConfigurer");
				settings.put("hibernate.search.backend.directory.type", luceneDirectory);
				if (!"local-heap".equals(luceneDirectory)) {
					Path root = luceneRoot != null ? luceneRoot : dataDir.resolve("lucene");
					settings.put("hibernate.search.backend.directory.root", root.toString());
				}
				settings.put("hibernate.search.backend.lucene_version", "LUCENE_CURRENT");
				settings.put("hibernate.search.backend.io.commit_interval", Long.toString(commitInterval.toMillis()));
				settings.put("hibernate.search.backend.io.refresh_interval", Long.toString(refreshInterval.toMillis()));
			}
			case "elasticsearch" -> {
				settings.put("hibernate.search.backend.type", "elasticsearch");
				settings.put(
						"hibernate.search.backend.analysis.configurer",
						"ca.uhn.fhir.jpa.search.HapiHSearchAnalysisConfigurers$HapiElasticsearchAnalysisConfigurer");
				settings.put("hibernate.search.backend.hosts", elasticsearchHosts);
				settings.put("hibernate.search.backend.protocol", elasticsearchProtocol);
				if (!elasticsearchUsername.isBlank()) {
					settings.put("hibernate.search.backend.username", elasticsearchUsername);
					settings.put("hibernate.search.backend.password", elasticsearchPassword);
				}
				settings.put("hibernate.search.schema_management.strategy", "create-or-update");
				// HAPI's index settings: its analyzers' n-gram filters need a wider max_ngram_diff.
				settings.put("hibernate.search.backend.schema_management.settings_file",
						"ca/uhn/fhir/jpa/elastic/index-settings.json");
			}
			default -> throw new IllegalStateException(
					"carnet.search.backend must be lucene or elasticsearch, not " + backend);
		}
		return settings;
	}
}
