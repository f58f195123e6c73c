package org.carnetsante.export;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code carnet.export.*}: FHIR Bulk Data {@code $export} for hospital systems (docs/export.md).
 *
 * @param enabled serve {@code $export}
 * @param fileMaxSize an NDJSON file is closed and the next one started once it holds this much
 * @param chunkSize bytes kept in memory per open file before they go to the database (the heap used by
 *     an export is a few of these, whatever its size)
 * @param spacesPerBatch spaces whose resources of one type are read in one query (the heap holds one
 *     such batch of one type at a time)
 * @param pageSize resources loaded from the database at a time (two pages are in memory at a time: the
 *     one being written and the one read ahead)
 * @param pageBytes stored JSON loaded from the database at a time: a page ends at {@code pageSize}
 *     resources or at this many bytes, whichever comes first (a larger resource is a page of its own)
 * @param maxActivePerClient exports a client may have queued or running at once; beyond, 429
 * @param pollInterval how often an idle node looks for queued exports (a node that accepts a kick-off
 *     starts it at once)
 * @param takeOverAfter an export whose node has not said it is alive for this long is taken over by
 *     another node (its node died)
 * @param maxAttempts an export taken over this many times is failed rather than tried again
 * @param retention completed exports (status, files) are kept this long, then purged ({@code Expires})
 * @param workers exports run at once on each node
 */
@ConfigurationProperties("carnet.export")
public record ExportProperties(
		@DefaultValue("true") boolean enabled,
		@DefaultValue("64MB") DataSize fileMaxSize,
		@DefaultValue("1MB") DataSize chunkSize,
		@DefaultValue("50") int spacesPerBatch,
		@DefaultValue("500") int pageSize,
		@DefaultValue("8MB") DataSize pageBytes,
		@DefaultValue("2") int maxActivePerClient,
		@DefaultValue("1s") Duration pollInterval,
		@DefaultValue("30s") Duration takeOverAfter,
		@DefaultValue("3") int maxAttempts,
		@DefaultValue("24h") Duration retention,
		@DefaultValue("1") int workers) {}
