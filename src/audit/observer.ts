/**
 * The pipeline observer that writes one audit record per finished call, on every path.
 */
import type { CallContext, Outcome } from '../pipeline/types.ts';
import type { AuditLog } from './log.ts';
import { callFields, snapshotCall } from './record.ts';

/** Where the observer leaves the record's durability promise on the context. */
export const AUDIT_DURABLE = 'audit.durable';

/** A pipeline `Observer` whose promise is the record's durability (undefined for skipped methods). */
export type AuditObserver = (ctx: CallContext, outcome: Outcome) => Promise<void> | undefined;

export interface AuditObserverOptions {
  /** Overrides `config.maxFieldBytes` of the log. */
  readonly maxFieldBytes?: number;
  /** Methods not recorded (e.g. `ping`); default none. */
  readonly skipMethods?: ReadonlySet<string>;
}

/**
 * An observer that takes a snapshot of the call (a few references; the record is built in the
 * batch flush) and returns a promise that resolves once the record is committed, or rejects with
 * WARDEN_AUDIT_UNAVAILABLE. The same promise is left on `ctx.state` under {@link AUDIT_DURABLE}
 * so the edge can await it before answering the agent: see README.md.
 */
export function createAuditObserver(log: AuditLog, opts: AuditObserverOptions = {}): AuditObserver {
  const max = opts.maxFieldBytes ?? log.config.maxFieldBytes;
  const skip = opts.skipMethods;
  return (ctx: CallContext, outcome: Outcome) => {
    if (skip?.has(ctx.method)) return undefined;
    const snap = snapshotCall(ctx, outcome);
    const p = log.append(() => callFields(snap, max)).then(() => undefined);
    ctx.state.set(AUDIT_DURABLE, p);
    return p;
  };
}

/**
 * Waits until the call's audit record is durable. Resolves at once when no record was queued;
 * rejects with WARDEN_AUDIT_UNAVAILABLE when it could not be made durable (fail closed).
 */
export function awaitAudit(ctx: CallContext): Promise<void> {
  const p = ctx.state.get(AUDIT_DURABLE);
  return p instanceof Promise ? (p as Promise<void>) : Promise.resolve();
}
