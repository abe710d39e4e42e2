/**
 * The ordered chain: request stages in order, then `forward`, then response stages in reverse.
 * The first `deny` ends the chain; a `hold` goes to the hold handler (approvals); a thrown
 * exception fails closed with WARDEN_STAGE_FAILED. Observers (audit, metrics) see every path.
 */
import { WardenError, isWardenError } from '../errors/index.ts';
import type { CallContext, Forward, HoldHandler, Observer, Outcome, Stage, Verdict } from './types.ts';

export interface PipelineOptions {
  readonly stages: readonly Stage[];
  readonly forward: Forward;
  /** Default: deny every hold (no approvals configured means nobody can approve). */
  readonly onHold?: HoldHandler;
  readonly observers?: readonly Observer[];
  /** Called when a stage throws; the call is still denied. */
  readonly onStageError?: (stage: string, err: unknown, ctx: CallContext) => void;
}

export interface Pipeline {
  /** Runs one request through the chain. Resolves with the result or rejects with a WardenError. */
  run(ctx: CallContext): Promise<Record<string, unknown>>;
}

const denyAllHolds: HoldHandler = async (_ctx, hold) => ({
  kind: 'deny',
  error: new WardenError('WARDEN_APPROVAL_DENIED', `no approver is configured for rule ${hold.rule}`),
  rule: hold.rule,
});

export function createPipeline(opts: PipelineOptions): Pipeline {
  // Precompute, per method, the stages that apply (built once, not per request).
  const cache = new Map<string, { req: Stage[]; res: Stage[] }>();
  const plan = (method: string) => {
    let p = cache.get(method);
    if (!p) {
      const applies = opts.stages.filter((s) => !s.methods || s.methods.has(method));
      p = { req: applies.filter((s) => s.request), res: applies.filter((s) => s.response).reverse() };
      cache.set(method, p);
    }
    return p;
  };
  const onHold = opts.onHold ?? denyAllHolds;
  const observers = opts.observers ?? [];

  async function runStage(stage: Stage, leg: 'request' | 'response', ctx: CallContext): Promise<Verdict> {
    const t0 = performance.now();
    try {
      const fn = leg === 'request' ? stage.request! : stage.response!;
      const v = fn.call(stage, ctx);
      return v instanceof Promise ? await v : v;
    } catch (err) {
      opts.onStageError?.(stage.name, err, ctx);
      return { kind: 'deny', error: new WardenError('WARDEN_STAGE_FAILED', undefined, { stage: stage.name }) };
    } finally {
      ctx.timings[stage.name] = (ctx.timings[stage.name] ?? 0) + Math.round((performance.now() - t0) * 1000);
    }
  }

  /**
   * Runs every observer. An observer that returns a promise (the audit writer: "this record is
   * durable") is awaited, and if it fails the call fails closed: an agent never sees the result
   * of a call whose record could be lost.
   */
  async function observe(ctx: CallContext, outcome: Outcome): Promise<void> {
    let pending: Promise<unknown>[] | undefined;
    for (const o of observers) {
      try {
        const r = o(ctx, outcome);
        if (r instanceof Promise) (pending ??= []).push(r);
      } catch (err) {
        opts.onStageError?.('observer', err, ctx);
      }
    }
    if (!pending) return;
    const settled = await Promise.allSettled(pending);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      opts.onStageError?.('observer', (failed as PromiseRejectedResult).reason, ctx);
      throw new WardenError('WARDEN_AUDIT_UNAVAILABLE');
    }
  }

  /** Applies a verdict; returns an error to stop with, or undefined to go on. */
  async function apply(v: Verdict, ctx: CallContext, leg: 'request' | 'response'): Promise<{ stop?: WardenError; held?: boolean }> {
    switch (v.kind) {
      case 'continue':
        return {};
      case 'modify':
        if (v.params) ctx.params = v.params;
        if (v.result && leg === 'response') ctx.result = v.result;
        return {};
      case 'deny':
        if (v.rule) ctx.hits.push({ stage: 'deny', rule: v.rule, action: 'deny' });
        return { stop: v.error };
      case 'hold': {
        ctx.hits.push({ stage: 'hold', rule: v.rule, action: 'require_approval', detail: v.reason });
        const decided = await onHold(ctx, { rule: v.rule, reason: v.reason });
        if (decided.kind === 'deny') return { stop: decided.error, held: true };
        if (decided.kind === 'hold') {
          return { stop: new WardenError('WARDEN_STAGE_FAILED', 'nested hold'), held: true };
        }
        if (v.then?.params) ctx.params = v.then.params;
        if (v.then?.result && leg === 'response') ctx.result = v.then.result;
        return { held: true };
      }
    }
  }

  return {
    async run(ctx) {
      const { req, res } = plan(ctx.method);
      let held = false;
      try {
        for (const stage of req) {
          const v = await runStage(stage, 'request', ctx);
          const r = await apply(v, ctx, 'request');
          held ||= r.held === true;
          if (r.stop) throw r.stop;
        }
        const t0 = performance.now();
        try {
          ctx.result = await opts.forward(ctx);
        } finally {
          ctx.timings.forward = Math.round((performance.now() - t0) * 1000);
        }
        for (const stage of res) {
          const v = await runStage(stage, 'response', ctx);
          const r = await apply(v, ctx, 'response');
          if (r.stop) throw r.stop;
        }
        ctx.timings.total = Math.round((performance.now() - ctx.startedAt) * 1000);
        await observe(ctx, held ? 'approved' : 'allowed');
        return ctx.result!;
      } catch (err) {
        if (isWardenError(err) && err.code === 'WARDEN_AUDIT_UNAVAILABLE' && ctx.error === undefined && ctx.result !== undefined) {
          // The call ran but its record is not durable: withhold the result.
          ctx.error = err;
          throw err;
        }
        const e = isWardenError(err) ? err : new WardenError('WARDEN_INTERNAL');
        if (!isWardenError(err)) opts.onStageError?.('pipeline', err, ctx);
        ctx.error = e;
        const outcome: Outcome =
          e.code === 'WARDEN_CANCELLED' ? 'cancelled'
          : e.code.startsWith('WARDEN_UPSTREAM') || e.code === 'WARDEN_INTERNAL' || e.code === 'WARDEN_STAGE_FAILED' ? 'failed'
          : held && e.code === 'WARDEN_APPROVAL_TIMEOUT' ? 'held'
          : 'denied';
        ctx.timings.total = Math.round((performance.now() - ctx.startedAt) * 1000);
        await observe(ctx, outcome);
        throw e;
      }
    },
  };
}
