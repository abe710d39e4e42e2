/**
 * Prometheus metrics on a registry of Warden's own (never prom-client's global default, so two
 * gateways in one process, or tests, do not share counters). Rendered by the `/metrics` route.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallContext, Observer, Outcome } from '../pipeline/types.ts';

/** Stage latency buckets in microseconds: a table lookup (~1 µs) up to a slow upstream (10 s). */
export const STAGE_BUCKETS_US = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 250_000, 1_000_000, 10_000_000];

/**
 * Methods kept as label values. Anything else an agent sends is counted as `other`: a label
 * taken from untrusted input would let an agent grow the series without bound.
 */
const KNOWN_METHODS = new Set([
  'initialize', 'ping', 'server/discover', 'tools/list', 'tools/call', 'resources/list', 'resources/read',
  'resources/templates/list', 'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get',
  'completion/complete', 'logging/setLevel',
]);

export interface MetricsSources {
  /** Records waiting in the audit queue (the AuditLog's `queueDepth`). */
  readonly auditQueueDepth?: () => number;
  /** Dropped (failOpen) and refused (fail closed) audit records since start (the AuditLog's `stats`). */
  readonly auditStats?: () => { readonly dropped: number; readonly refused: number };
  /** Calls waiting for a human (issue 6). */
  readonly pendingApprovals?: () => number;
}

export interface Metrics {
  readonly registry: Registry;
  /** The Content-Type of {@link Metrics.renderMetrics}'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  renderMetrics(): Promise<string>;
  /** Counts a finished call: outcome, rules that fired, per-stage latency. */
  readonly observer: Observer;
  /** 1 when the upstream is connected, 0 when down or restarting. */
  setUpstreamHealth(server: string, up: boolean): void;
  setPendingApprovals(n: number): void;
}

export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  const calls = new Counter({
    name: 'warden_calls_total', help: 'Finished calls by JSON-RPC method and outcome.',
    labelNames: ['method', 'outcome'] as const, registers: [registry],
  });
  const decisions = new Counter({
    name: 'warden_decisions_total', help: 'Rules that fired, by stage, rule and action.',
    labelNames: ['stage', 'rule', 'action'] as const, registers: [registry],
  });
  const stageLatency = new Histogram({
    name: 'warden_stage_duration_microseconds', help: 'Time spent per pipeline stage (request and response legs), in microseconds.',
    labelNames: ['stage'] as const, buckets: STAGE_BUCKETS_US, registers: [registry],
  });
  const callLatency = new Histogram({
    name: 'warden_call_duration_microseconds', help: 'Whole-call latency from receive to outcome, in microseconds.',
    labelNames: ['method'] as const, buckets: STAGE_BUCKETS_US, registers: [registry],
  });
  const upstreamUp = new Gauge({
    name: 'warden_upstream_up', help: '1 when the upstream server is connected, 0 otherwise.',
    labelNames: ['server'] as const, registers: [registry],
  });
  const pending = new Gauge({
    name: 'warden_approvals_pending', help: 'Calls held waiting for a human decision.', registers: [registry],
    ...(sources.pendingApprovals && { collect(this: Gauge) { this.set(sources.pendingApprovals!()); } }),
  });
  new Gauge({
    name: 'warden_audit_queue_depth', help: 'Audit records waiting for their batch to commit.', registers: [registry],
    collect(this: Gauge) { this.set(sources.auditQueueDepth?.() ?? 0); },
  });
  // Counters mirrored from the audit log's own tallies at scrape time.
  const mirrored = (name: string, help: string, pick: (s: { dropped: number; refused: number }) => number) => {
    let seen = 0;
    new Counter({
      name, help, registers: [registry],
      collect(this: Counter) {
        const s = sources.auditStats?.();
        const v = s ? pick(s) : 0;
        if (v > seen) (this.inc(v - seen), (seen = v));
      },
    });
  };
  mirrored('warden_audit_dropped_total', 'Audit records dropped because the store was full or failing and failOpen is set.', (s) => s.dropped);
  mirrored('warden_audit_refused_total', 'Calls refused because their audit record could not be made durable.', (s) => s.refused);

  const observer: Observer = (ctx: CallContext, outcome: Outcome) => {
    const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : 'other';
    calls.inc({ method, outcome });
    for (const h of ctx.hits) decisions.inc({ stage: h.stage, rule: h.rule, action: h.action });
    for (const stage in ctx.timings) stageLatency.observe({ stage }, ctx.timings[stage]!);
    callLatency.observe({ method }, Math.round((performance.now() - ctx.startedAt) * 1000));
  };

  return {
    registry,
    contentType: registry.contentType,
    renderMetrics: () => registry.metrics(),
    observer,
    setUpstreamHealth: (server, up) => upstreamUp.set({ server }, up ? 1 : 0),
    setPendingApprovals: (n) => pending.set(n),
  };
}
