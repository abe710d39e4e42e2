/**
 * Long-lived resources of one Warden process, built once and kept across config reloads:
 * the SQLite store, the audit log, metrics, the flow-state store (a reload must not wash a
 * session's taint away), the integrity guard and the detectors.
 */
import type { LoadedConfig } from './config/index.ts';
import { createAuditLog, createAuditObserver, type AuditLog } from './audit/index.ts';
import { createApprovals, type Approvals } from './approvals/index.ts';
import { createMemoryFlowStore } from './flow/index.ts';
import type { FlowStateStore } from './flow/index.ts';
import { loadDetectors, type Detector } from './guardrails/index.ts';
import { createIntegrityGuard, type IntegrityGuard } from './integrity/index.ts';
import type { Observer } from './pipeline/index.ts';
import { dataDirFor, openDatabase, type Database } from './store/sqlite.ts';
import { createMetrics, type Metrics } from './telemetry/metrics.ts';
import { createTracing, type Tracing } from './telemetry/tracing.ts';
import type { Logger } from './telemetry/log.ts';

export interface Runtime {
  readonly db: Database;
  readonly dataDir: string;
  readonly audit: AuditLog | undefined;
  readonly auditObserver: Observer | undefined;
  readonly metrics: Metrics;
  readonly flowStore: FlowStateStore;
  readonly integrity: IntegrityGuard;
  /** OpenTelemetry, when `telemetry.otlp.endpoint` is set (restart to change it). */
  readonly tracing: Tracing | undefined;
  /** Held calls live here, so approvals survive reloads (reload() swaps approvers and timeouts). */
  readonly approvals: Approvals;
  detectors(): Promise<Detector[]>;
  close(): Promise<void>;
}

export async function createRuntime(loaded: LoadedConfig, log: Logger): Promise<Runtime> {
  const c = loaded.config;
  const dataDir = dataDirFor(loaded.baseDir, c.storage.dataDir);
  const db = openDatabase(dataDir, c.storage.synchronous);
  const audit = c.audit.enabled
    ? createAuditLog({ db, dataDir, onError: (err, what) => log.error({ what, err: (err as Error)?.message }, 'audit store problem') }, c.audit)
    : undefined;
  const auditObserver = audit ? createAuditObserver(audit) : undefined;
  const approvals = createApprovals({ db, config: c.approvals, log });
  const metrics = createMetrics({
    ...(audit ? { auditQueueDepth: () => audit.queueDepth(), auditStats: () => audit.stats() } : {}),
    pendingApprovals: () => approvals.waiting,
  });
  const s = c.flows.session;
  const flowStore = createMemoryFlowStore({
    ttlMs: s.ttlMs, maxHistory: s.maxHistory, maxSessions: s.maxSessions, maxFingerprints: c.flows.dataflow.maxFingerprints,
    onEvict: (key) => log.warn({ session: key.slice(0, 80) }, 'flow session evicted: its labels are lost'),
  });
  const integrity = createIntegrityGuard({
    db,
    config: c.integrity,
    onEvent: (e) => {
      if (e.type !== 'integrity.tool_pinned') log.warn({ type: e.type, server: e.server }, 'tool integrity event');
      // A failing audit write is reported by the audit log itself; the decision is already stored.
      void audit?.admin(e.type, { ...e }).catch(() => undefined);
    },
  });
  const tracing = c.telemetry.otlp.endpoint
    ? await createTracing(c.telemetry, { onError: (err) => log.warn({ err: (err as Error)?.message }, 'trace export failed') })
    : undefined;
  let detectors: Promise<Detector[]> | undefined;
  return {
    db, dataDir, audit, auditObserver, metrics, flowStore, integrity, approvals, tracing,
    detectors: () => (detectors ??= loadDetectors()),
    async close() {
      await tracing?.shutdown().catch(() => undefined);
      approvals.close();
      await audit?.close();
      db.close();
    },
  };
}
