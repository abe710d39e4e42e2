/**
 * What one audit record holds, and how it is built from a finished call. Building (canonical
 * JSON, size caps, SHA-256 of the full values) happens in the batch flush, off the request
 * path: the observer only takes a snapshot of references.
 */
import { createHash } from 'node:crypto';
import type { CallContext, Outcome, RuleHit } from '../pipeline/types.ts';
import { RawJson, canonicalJson } from './canonical.ts';

/** The hashed content of a record (`body` column, canonical JSON). Absent fields are omitted. */
export interface AuditBody {
  readonly v: 1;
  readonly seq: number;
  /** Epoch milliseconds when the call ended (or the admin action happened). */
  readonly ts: number;
  readonly kind: 'call' | 'admin';
  readonly agent?: string;
  readonly agentVia?: string;
  readonly roles?: readonly string[];
  readonly session?: string;
  readonly mcpSessionId?: string;
  readonly virtualServer?: string;
  /** Upstream server. */
  readonly server?: string;
  /** The namespaced name the agent used. */
  readonly tool?: string;
  /** The name on the upstream. */
  readonly name?: string;
  /** JSON-RPC method, or the admin action (`config.reload`, `key.create`, `pin.approve`). */
  readonly method?: string;
  readonly requestId?: string | number;
  readonly args?: unknown;
  readonly argsSha256?: string;
  readonly result?: unknown;
  readonly resultSha256?: string;
  readonly labelsBefore?: readonly string[];
  readonly labelsAfter?: readonly string[];
  readonly hits?: readonly RuleHit[];
  readonly approval?: unknown;
  /** Microseconds per stage. */
  readonly timings?: Readonly<Record<string, number>>;
  readonly durationUs?: number;
  readonly traceId?: string;
  readonly outcome?: Outcome | 'admin';
  readonly errorCode?: string;
  readonly details?: unknown;
}

/** The fields of a record before the log assigns `v`, `seq` and `ts`. */
export type AuditFields = Omit<AuditBody, 'v' | 'seq' | 'ts'>;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** hash = SHA-256(prev_hash ‖ canonical JSON of the body), both as UTF-8 text. */
export function chainHash(prevHash: string, bodyJson: string): string {
  return createHash('sha256').update(prevHash).update(bodyJson).digest('hex');
}

/**
 * A value as recorded: itself when its canonical JSON fits `maxBytes`, else a marker with a
 * prefix; with the SHA-256 of the full canonical JSON either way, so a copy kept elsewhere can
 * be matched to the record.
 */
export function capValue(value: unknown, maxBytes: number): { value: unknown; sha256: string } {
  const json = canonicalJson(value);
  const sha256 = sha256Hex(json);
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return { value: new RawJson(json), sha256 };
  // Cut on a character boundary; the prefix is text, not JSON, and says so.
  let preview = json.slice(0, maxBytes);
  while (Buffer.byteLength(preview) > maxBytes) preview = preview.slice(0, -1);
  return { value: { truncated: true, bytes, preview }, sha256 };
}

/** What the observer keeps from a finished call: references only, no copying of big values. */
export interface CallSnapshot {
  readonly ctx: CallContext;
  readonly outcome: Outcome;
  readonly hits: readonly RuleHit[];
  readonly timings: Readonly<Record<string, number>>;
  readonly durationUs: number;
  readonly labelsBefore: unknown;
  readonly labelsAfter: unknown;
  readonly approval: unknown;
}

/** Takes the snapshot on the request path: a few references and two small copies. */
export function snapshotCall(ctx: CallContext, outcome: Outcome): CallSnapshot {
  return {
    ctx,
    outcome,
    hits: ctx.hits.slice(),
    timings: { ...ctx.timings },
    durationUs: Math.round((performance.now() - ctx.startedAt) * 1000),
    labelsBefore: ctx.state.get('labels.before'),
    labelsAfter: ctx.state.get('labels.after'),
    approval: ctx.state.get('approval'),
  };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : v instanceof Set ? [...v].filter((x): x is string => typeof x === 'string') : undefined;

/** Builds a call record's fields from a snapshot (runs in the flush). */
export function callFields(s: CallSnapshot, maxFieldBytes: number): AuditFields {
  const { ctx } = s;
  const params = ctx.params ?? {};
  const rawArgs = 'arguments' in params ? params.arguments : params;
  const args = capValue(rawArgs ?? null, maxFieldBytes);
  const result = ctx.result === undefined ? undefined : capValue(ctx.result, maxFieldBytes);
  const approval = s.approval;
  return {
    kind: 'call',
    agent: ctx.agent.id,
    agentVia: ctx.agent.via,
    roles: [...ctx.agent.roles],
    session: ctx.session.key,
    mcpSessionId: ctx.session.mcpSessionId,
    virtualServer: ctx.virtualServer,
    server: ctx.target?.server,
    // A call refused before routing (unknown or hidden tool) still records what was asked for.
    tool: ctx.target?.exposed ?? requested(ctx.params),
    name: ctx.target?.name,
    method: ctx.method,
    requestId: ctx.requestId,
    args: args.value,
    argsSha256: args.sha256,
    result: result?.value,
    resultSha256: result?.sha256,
    labelsBefore: strings(s.labelsBefore),
    labelsAfter: strings(s.labelsAfter),
    hits: s.hits,
    approval: approval === undefined ? undefined : capValue(approval, maxFieldBytes).value,
    timings: s.timings,
    durationUs: s.durationUs,
    traceId: ctx.traceId,
    outcome: s.outcome,
    errorCode: ctx.error?.code,
  };
}

function requested(params: Record<string, unknown>): string | undefined {
  const v = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
  return v?.slice(0, 256);
}
