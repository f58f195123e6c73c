package org.carnetsante.audit;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.audit.*}: the access log.
 *
 * @param enabled record AuditEvents; {@code false} exists only for benchmarks measuring what the audit
 *     costs, and is refused unless {@code carnet.access.unprotected-benchmark-peer} is set
 * @param queueCapacity entries waiting for the writer, at most; when the queue is full (the database
 *     cannot keep up, or is down) requests wait for room rather than go unaudited
 * @param batchSize entries written per database transaction at most (one commit serves every request
 *     whose entry is in the batch: group commit)
 * @param enqueueTimeout how long a request waits for room in a full queue before failing (503)
 * @param durableWait how long a request waits for its entry to be durable before failing (503): no
 *     response leaves before the access it records is written
 * @param shutdownTimeout longest a clean shutdown spends writing what is queued; what is left then goes
 *     to the dead-letter journal
 * @param maxText longest text kept in an entry (a search's URL, reasons, names); longer text is cut and
 *     the entry says so
 * @param maxResources most resource ids listed in one entry; more are counted, not listed
 * @param deadLetterFile local append-only journal of entries the database would not take (an operator is
 *     alerted: health indicator {@code accessLog} down, metric {@code carnet.audit.events.dead-lettered});
 *     replayed into the database at start
 * @param source the audit source (this deployment's name), recorded in every AuditEvent
 */
@ConfigurationProperties("carnet.audit")
public record AuditProperties(
		@DefaultValue("true") boolean enabled,
		@DefaultValue("100000") int queueCapacity,
		@DefaultValue("500") int batchSize,
		@DefaultValue("5s") Duration enqueueTimeout,
		@DefaultValue("10s") Duration durableWait,
		@DefaultValue("10s") Duration shutdownTimeout,
		@DefaultValue("4096") int maxText,
		@DefaultValue("1000") int maxResources,
		Path deadLetterFile,
		@DefaultValue("Carnet") String source) {}
