/**
 * Replays a session's calls through a flow stage with no network: what `warden explain-session`,
 * `npm run eval:flow` and the tests use. Each call runs the stage's request leg; a call that
 * passes (or whose hold is approved, when asked) is "forwarded" with the recorded result, then
 * the response leg and the observer run as in the real pipeline.
 */
import { toolCallContext } from '../pipeline/context.ts';
import type { CallContext, Verdict } from '../pipeline/types.ts';
import { parseFlowsConfig, type FlowsConfig } from './config.ts';
import type { LabelServerConfig } from './labels.ts';
import type { Decision } from './rules.ts';
import { createFlowStage, FLOW_STATE_KEYS, type FlowStage } from './stage.ts';
import { createMemoryFlowStore, type MemoryFlowStore } from './state.ts';

/** One recorded call. */
export interface ReplayCall {
  readonly server: string;
  readonly tool: string;
  readonly args?: Record<string, unknown>;
  /** What the upstream returned (default: an empty text result). */
  readonly result?: Record<string, unknown>;
  /** The upstream failed without a result (transport error). */
  readonly upstreamError?: boolean;
  /** Labels a guardrail added (`labels.add`) on the response leg. */
  readonly labelsAdd?: readonly string[];
  /** Extra target labels (what the lead puts in ctx.target.labels). */
  readonly targetLabels?: readonly string[];
  /** Milliseconds timestamp; default: the previous call's plus one second. */
  readonly at?: number;
  /** Session key override (default: the replay's key). */
  readonly session?: string;
}

export interface ReplayStep {
  readonly index: number;
  readonly call: ReplayCall;
  readonly outcome: 'allowed' | 'blocked' | 'held' | 'approved';
  readonly decision: Decision | undefined;
  readonly verdict: Verdict;
  readonly labelsBefore: readonly string[];
  readonly labelsAfter: readonly string[];
  readonly callLabels: readonly string[];
}

export interface FlowRuntime {
  readonly stage: FlowStage;
  readonly store: MemoryFlowStore;
  /** Sets the injected clock. */
  setTime(ms: number): void;
  now(): number;
}

/** A stage over an in-memory store with a settable clock. */
export function createFlowRuntime(config: FlowsConfig | unknown, opts: { servers?: Readonly<Record<string, LabelServerConfig>>; start?: number } = {}): FlowRuntime {
  const cfg = isParsed(config) ? config : parseFlowsConfig(config);
  let t = opts.start ?? 1_700_000_000_000;
  const store = createMemoryFlowStore({ ...cfg.session, maxFingerprints: cfg.dataflow.maxFingerprints });
  const now = () => t;
  const stage = createFlowStage(cfg, { store, now, ...(opts.servers ? { servers: opts.servers } : {}) });
  return { stage, store, now, setTime: (ms) => void (t = ms) };
}

function isParsed(c: unknown): c is FlowsConfig {
  return typeof c === 'object' && c !== null && !Array.isArray(c) && 'session' in c && 'dataflow' in c && 'rules' in c && 'annotations' in c;
}

/** A minimal CallContext for replay. */
export function replayContext(call: ReplayCall, key: string, requestId: number, labels: ReadonlySet<string>): CallContext {
  return toolCallContext(
    { server: call.server, tool: call.tool, args: call.args ?? {}, labels },
    { requestId, agent: { id: 'replay', roles: [], via: 'local', scopes: [] }, session: { key, mcpSessionId: undefined, era: 'modern' } },
  );
}

const EMPTY_RESULT = { content: [{ type: 'text', text: '' }] };

/**
 * Runs calls in order. `approveHolds`: treat held calls as approved (to see what happens next)
 * instead of stopping them.
 */
export async function replaySession(
  rt: Pick<FlowRuntime, 'stage' | 'setTime' | 'now'>,
  calls: readonly ReplayCall[],
  opts: { sessionKey: string; approveHolds?: boolean },
): Promise<ReplayStep[]> {
  const steps: ReplayStep[] = [];
  let t = rt.now();
  for (const [index, call] of calls.entries()) {
    t = call.at ?? t + 1000;
    rt.setTime(t);
    const ctx = replayContext(call, call.session ?? opts.sessionKey, index + 1, new Set(call.targetLabels ?? []));
    const verdict = await rt.stage.request!(ctx);
    const decision = ctx.state.get(FLOW_STATE_KEYS.decision) as Decision | undefined;
    const before = (ctx.state.get(FLOW_STATE_KEYS.labelsBefore) as string[] | undefined) ?? [];
    const callLabels = (ctx.state.get(FLOW_STATE_KEYS.callLabels) as string[] | undefined) ?? [];
    let outcome: ReplayStep['outcome'] = 'allowed';
    if (verdict.kind === 'deny') outcome = 'blocked';
    else if (verdict.kind === 'hold') outcome = opts.approveHolds ? 'approved' : 'held';
    if (outcome === 'allowed' || outcome === 'approved') {
      ctx.timings.forward = 1;
      if (call.upstreamError) {
        await rt.stage.observer(ctx, 'failed');
      } else {
        ctx.result = call.result ?? EMPTY_RESULT;
        await rt.stage.response!(ctx);
        if (call.labelsAdd?.length) ctx.state.set(FLOW_STATE_KEYS.labelsAdd, new Set(call.labelsAdd));
        await rt.stage.observer(ctx, outcome === 'approved' ? 'approved' : 'allowed');
      }
    }
    const after = (ctx.state.get(FLOW_STATE_KEYS.labelsAfter) as string[] | undefined) ?? before;
    steps.push({ index, call, outcome, decision, verdict, labelsBefore: before, labelsAfter: after, callLabels });
  }
  return steps;
}
