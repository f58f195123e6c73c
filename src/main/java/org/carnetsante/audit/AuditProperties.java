package org.carnetsante.audit;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code carnet.audit.*}: the access log.
 *
 * @param enabled record AuditEvents; {@code false} exists only for benchmarks measuring what the audit
 *     costs, and is refused unless {@code carnet.access.unprotected-benchmark-peer} is set
 * @param queueCapacity AuditEvents waiting to be written, at most; when the queue is full (the
 *     database cannot keep up, or is down) requests wait for room rather than go unaudited
 * @param batchSize AuditEvents written per database transaction
 * @param flushInterval longest an AuditEvent waits before being written
 * @param enqueueTimeout how long a request waits for room in a full queue before failing (503)
 * @param source the audit source (this deployment's name), recorded in every AuditEvent
 */
@ConfigurationProperties("carnet.audit")
public record AuditProperties(
		@DefaultValue("true") boolean enabled,
		@DefaultValue("100000") int queueCapacity,
		@DefaultValue("500") int batchSize,
		@DefaultValue("200ms") Duration flushInterval,
		@DefaultValue("5s") Duration enqueueTimeout,
		@DefaultValue("Carnet") String source) {}
