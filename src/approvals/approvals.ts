/**
 * The approval gate (issue 6): the pipeline's hold handler, the decision API and the bookkeeping
 * of held calls.
 *
 * A held call waits in-process (a {@link Waiter}) while its request waits in SQLite. The call is
 * released by exactly one of: a decision, the timeout, the agent's cancellation, or shutdown;
 * every path clears the waiter's timers and abort listener, so nothing leaks.
 *
 * Orphans (what happens after a restart): every request still `pending` at startup belongs to a
 * call whose connection is gone, and becomes `orphaned`. An approver may still decide it until its
 * original expiry, but nothing runs then. Approving it with scope `session` makes a session grant
 * (as for a live request); approving it with scope `call` makes a one-time retry ticket valid for
 * `timeout` after the decision. Either way only a new call from the agent, identical in every bound
 * field (agent, session key, server, tool, canonical arguments) and held by the same rule, can use it.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { WardenError } from '../errors/index.ts';
import type { CallContext, HoldHandler, Verdict } from '../pipeline/index.ts';
import { silentLogger, type Logger } from '../telemetry/log.ts';
import { createApprovers, type Approver, type Approvers } from './approvers.ts';
import type { ApprovalsConfig } from './config.ts';
import { approvalDigest } from './digest.ts';
import { ApprovalError } from './errors.ts';
import { createLinkSigner, type LinkSigner } from './links.ts';
import { createOidcApprovers, type OidcApprovers } from './oidc.ts';
import { createApprovalStore, type ApprovalRecord, type ApprovalScope, type ApprovalStatus, type ApprovalStore } from './store.ts';
import { createWebhookNotifier, type Notifier } from './webhook.ts';

/** Timer functions (injected in tests so time can be advanced instead of slept). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ApprovalsOptions {
  readonly db: Database;
  readonly config: ApprovalsConfig;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly log?: Logger;
  readonly fetch?: typeof fetch;
}

export interface DecideInput {
  readonly decision: 'approve' | 'deny';
  /** An authenticated approver, or the name of a configured approver. */
  readonly by: Approver | string;
  readonly reason?: string | undefined;
  readonly scope?: ApprovalScope | undefined;
}

export type DecideResult = { ok: true; record: ApprovalRecord; released: boolean } | { ok: false; error: ApprovalError };

/** The core; `createApprovals` (index.ts) adds the HTTP routes. */
export interface ApprovalsCore {
  readonly onHold: HoldHandler;
  list(q?: { status?: ApprovalStatus | undefined; limit?: number | undefined }): ApprovalRecord[];
  get(id: string): ApprovalRecord | undefined;
  decide(id: string, input: DecideInput): DecideResult;
  /** Releases every held call (denied: the gateway is stopping) and marks its request orphaned. */
  close(): void;
  /**
   * Applies a new, validated `approvals` config (approvers, webhook, timeouts for new holds).
   * Held calls keep waiting with the deadline they were given.
   */
  reload(next: ApprovalsConfig): void;
  /** Held calls waiting in this process. */
  readonly waiting: number;
  readonly approvers: Approvers;
  /** An approver from a bearer credential: an admin token, else (when configured) an OIDC token. */
  authenticate(token: string): Promise<Approver | undefined>;
  readonly signer: LinkSigner | undefined;
  readonly now: () => number;
}

/** ctx.state keys this module writes (for the audit record). */
export const APPROVAL_STATE_KEYS = {
  /** `{ id, status, decidedBy, scope }` of the request that decided this call. */
  request: 'approvals.request',
} as const;

interface Waiter {
  readonly ctx: CallContext;
  readonly rule: string;
  readonly resolve: (v: Verdict) => void;
  readonly onAbort: () => void;
  deadline: unknown;
  keepAlive: unknown;
  ticks: number;
}

const MAX_ARMED_BYTES = 16_384;
const cancelled = (): Verdict => ({ kind: 'deny', error: new WardenError('WARDEN_CANCELLED') });

/** Keep-alive is best effort: a broken progress channel must not strand a waiter. */
function tryProgress(ctx: CallContext, n: number, message: string): void {
  try {
    ctx.progress(n, message);
  } catch { /* the agent's connection is going away; its abort signal settles the waiter */ }
}

function capJson(value: unknown, max: number): string {
  let s: string;
  try {
    s = JSON.stringify(value ?? null) ?? 'null';
  } catch {
    return JSON.stringify({ _unserializable: true });
  }
  return s.length <= max ? s : JSON.stringify({ _truncated: true, bytes: s.length, preview: s.slice(0, max) });
}

/** Calls that armed the rule: `flow.armedBy` when a stage wrote it, else the flow decision's firing. */
function armedByOf(ctx: CallContext, rule: string): unknown {
  const direct = ctx.state.get('flow.armedBy');
  if (direct !== undefined) return direct;
  const d = ctx.state.get('flow.decision') as { firings?: unknown } | undefined;
  if (d && Array.isArray(d.firings)) {
    const f = (d.firings as { rule?: unknown; armedBy?: unknown }[]).find((x) => x && x.rule === rule);
    if (f && Array.isArray(f.armedBy)) return f.armedBy;
  }
  return [];
}

export function createApprovalsCore(opts: ApprovalsOptions): ApprovalsCore {
  const now = opts.now ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const log = opts.log ?? silentLogger;
  const store: ApprovalStore = createApprovalStore(opts.db);
  const waiters = new Map<string, Waiter>();

  // Everything built from config, swapped as a whole on reload; held calls keep their own deadlines.
  let cfg: ApprovalsConfig;
  let approvers: Approvers;
  let oidc: OidcApprovers | undefined;
  let signer: LinkSigner | undefined;
  let notifier: Notifier | undefined;
  // With no way for anyone to decide, holding would only make the agent wait for the timeout.
  let nobodyCanDecide: boolean;
  function configure(next: ApprovalsConfig): void {
    cfg = next;
    approvers = createApprovers(next.approvers, next.oidc);
    oidc = next.oidc ? createOidcApprovers(next.oidc, { now }) : undefined;
    signer = next.webhook ? createLinkSigner(next.webhook.signingKey, next.webhook.publicUrl) : undefined;
    notifier = next.webhook && signer
      ? createWebhookNotifier({ url: next.webhook.url, timeoutMs: next.webhook.timeoutMs, signer, log, fetch: opts.fetch ?? fetch })
      : undefined;
    nobodyCanDecide = approvers.size === 0 && !oidc && !signer;
  }
  configure(opts.config);

  // This process just started: no call of an earlier process is still waiting.
  const orphaned = store.orphanPending();
  if (orphaned) log.warn({ orphaned }, 'approval requests from before the restart marked orphaned; approving them runs nothing');

  function settle(id: string, v: Verdict): boolean {
    const w = waiters.get(id);
    if (!w) return false;
    waiters.delete(id);
    timers.clearTimeout(w.deadline);
    timers.clearTimeout(w.keepAlive);
    w.ctx.signal.removeEventListener('abort', w.onAbort);
    w.resolve(v);
    return true;
  }

  function finish(id: string, status: 'expired' | 'cancelled'): void {
    try {
      store.finish(id, status);
    } catch (err) {
      log.error({ approval: id, err: (err as Error).message }, 'approval store update failed');
    }
  }

  function onTimeout(id: string): void {
    const w = waiters.get(id);
    if (!w) return;
    finish(id, 'expired');
    w.ctx.hits.push({ stage: 'approvals', rule: w.rule, action: 'timeout', detail: id });
    log.info({ approval: id }, 'approval timed out');
    settle(id, { kind: 'deny', rule: w.rule, error: new WardenError('WARDEN_APPROVAL_TIMEOUT', 'approval timed out', { approvalId: id, rule: w.rule }) });
  }

  function keepAlive(id: string): void {
    const w = waiters.get(id);
    if (!w) return;
    w.ticks++;
    tryProgress(w.ctx, w.ticks, `waiting for approval ${id} (rule ${w.rule})`);
    w.keepAlive = timers.setTimeout(() => keepAlive(id), cfg.keepAliveMs);
  }

  function granted(ctx: CallContext, rec: ApprovalRecord, how: string): Verdict {
    ctx.state.set(APPROVAL_STATE_KEYS.request, { id: rec.id, status: 'approved', decidedBy: rec.decidedBy, scope: rec.scope });
    ctx.hits.push({ stage: 'approvals', rule: rec.rule, action: 'approved', detail: `${how} ${rec.id} by ${rec.decidedBy ?? '?'}` });
    return { kind: 'continue' };
  }

  const onHold: HoldHandler = async (ctx, hold) => {
    if (ctx.signal.aborted) return cancelled();
    if (nobodyCanDecide) {
      return { kind: 'deny', rule: hold.rule, error: new WardenError('WARDEN_APPROVAL_DENIED', `no approver is configured for rule ${hold.rule}`, { rule: hold.rule }) };
    }
    const server = ctx.target?.server ?? '';
    const tool = ctx.target?.name ?? ctx.method;
    const args = ctx.params.arguments ?? {};
    const digest = approvalDigest({ agent: ctx.agent.id, session: ctx.session.key, server, tool, args });
    const t = now();
    const id = `apr_${randomBytes(16).toString('base64url')}`;
    let record: ApprovalRecord | undefined;
    try {
      const grant = store.findGrant(digest, hold.rule, t);
      if (grant && grant.scope && store.useGrant(grant.id, grant.scope, t)) {
        return granted(ctx, grant, grant.scope === 'session' ? 'session approval' : 'retry ticket');
      }
      store.insert({
        id, digest, agent: ctx.agent.id, session: ctx.session.key, server, tool, exposed: ctx.target?.exposed ?? tool,
        argsJson: capJson(args, cfg.maxStoredArgsBytes), rule: hold.rule, reason: hold.reason,
        armedByJson: capJson(armedByOf(ctx, hold.rule), MAX_ARMED_BYTES), createdAt: t, expiresAt: t + cfg.timeout,
      });
      record = store.get(id);
    } catch (err) {
      // Fail closed: without a stored request nobody could approve it anyway.
      log.error({ err: (err as Error).message, rule: hold.rule }, 'approval store unavailable; held call denied');
      return { kind: 'deny', rule: hold.rule, error: new WardenError('WARDEN_APPROVAL_DENIED', 'approval store unavailable', { rule: hold.rule }) };
    }
    log.info({ approval: id, rule: hold.rule, agent: ctx.agent.id, server, tool }, 'call held for approval');
    return new Promise<Verdict>((resolve) => {
      const w: Waiter = {
        ctx, rule: hold.rule, resolve, deadline: undefined, keepAlive: undefined, ticks: 0,
        onAbort: () => {
          finish(id, 'cancelled');
          ctx.hits.push({ stage: 'approvals', rule: hold.rule, action: 'cancelled', detail: id });
          settle(id, cancelled());
        },
      };
      waiters.set(id, w);
      ctx.signal.addEventListener('abort', w.onAbort, { once: true });
      w.deadline = timers.setTimeout(() => onTimeout(id), cfg.timeout);
      tryProgress(ctx, 0, `waiting for approval ${id} (rule ${hold.rule})`);
      w.keepAlive = timers.setTimeout(() => keepAlive(id), cfg.keepAliveMs);
      if (notifier && record) void notifier.notify(record);
    });
  };

  function decide(id: string, input: DecideInput): DecideResult {
    const fail = (e: ApprovalError): DecideResult => ({ ok: false, error: e });
    const by: Approver = typeof input.by === 'string' ? { name: input.by, via: 'admin_token' } : input.by;
    const t = now();
    let rec: ApprovalRecord | undefined;
    try {
      rec = store.get(id);
    } catch {
      return fail(new ApprovalError('WARDEN_APPROVAL_UNAVAILABLE'));
    }
    if (!rec) return fail(new ApprovalError('WARDEN_APPROVAL_NOT_FOUND'));
    const stateError = (r: ApprovalRecord): ApprovalError =>
      r.status === 'expired' || (r.status === 'orphaned' && r.expiresAt <= t)
        ? new ApprovalError('WARDEN_APPROVAL_EXPIRED')
        : new ApprovalError('WARDEN_APPROVAL_ALREADY_DECIDED', `status is ${r.status}`);
    if (rec.status !== 'pending' && !(rec.status === 'orphaned' && rec.expiresAt > t)) return fail(stateError(rec));
    const refused = approvers.check(by, rec);
    if (refused) return fail(refused);

    const w = waiters.get(id);
    const approve = input.decision === 'approve';
    const scope: ApprovalScope = approve ? input.scope ?? 'call' : 'call';
    const reason = input.reason ? input.reason.slice(0, 1000) : null;
    const ok = store.decide(id, {
      status: !approve ? 'denied' : w && scope === 'call' ? 'consumed' : 'approved',
      by: by.name, at: t, reason, scope,
      grantExpiresAt: !approve ? null : scope === 'session' ? t + cfg.sessionScopeTtl : w ? null : t + cfg.timeout,
      uses: approve && w ? 1 : 0,
    }, t);
    if (!ok) return fail(stateError(store.get(id) ?? rec));
    const after = store.get(id)!;
    log.info({ approval: id, decision: input.decision, by: by.name, scope }, 'approval decided');
    let released = false;
    if (w) {
      w.ctx.state.set(APPROVAL_STATE_KEYS.request, { id, status: after.status, decidedBy: by.name, scope });
      if (approve) {
        w.ctx.hits.push({ stage: 'approvals', rule: rec.rule, action: 'approved', detail: `${id} by ${by.name} (scope ${scope})` });
        released = settle(id, { kind: 'continue' });
      } else {
        w.ctx.hits.push({ stage: 'approvals', rule: rec.rule, action: 'denied', detail: `${id} by ${by.name}` });
        settle(id, {
          kind: 'deny', rule: rec.rule,
          error: new WardenError('WARDEN_APPROVAL_DENIED', `denied by ${by.name}${reason ? ` (${reason})` : ''}`, { approvalId: id, rule: rec.rule, decidedBy: by.name }),
        });
      }
    }
    return { ok: true, record: after, released };
  }

  return {
    onHold,
    decide,
    get approvers() {
      return approvers;
    },
    get signer() {
      return signer;
    },
    now,
    reload: configure,
    async authenticate(token) {
      return approvers.authenticate(token) ?? (oidc && token ? await oidc.verify(token) : undefined);
    },
    get waiting() {
      return waiters.size;
    },
    list(q = {}) {
      store.expireOrphans(now());
      return store.list({ status: q.status, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) });
    },
    get: (id) => store.get(id),
    close() {
      for (const id of [...waiters.keys()]) {
        // The call is about to be gone: orphan its request so a later approval runs nothing.
        try {
          store.orphan(id);
        } catch { /* the store is closing too; startup orphans it */ }
        settle(id, { kind: 'deny', error: new WardenError('WARDEN_SHUTTING_DOWN') });
      }
    },
  };
}
