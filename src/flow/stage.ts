/**
 * The flow stage (issue 5). Request leg: decide a `tools/call` from the session's labels,
 * sequence progress and data-flow fingerprints — deny with WARDEN_FLOW_BLOCKED or hold for
 * approval, naming the rule and the calls that armed it. Response leg: commit the call's labels
 * (static, dynamic from the result, and guardrail `labels.add`), fingerprints and sequence
 * progress to the session; record `labels.before` / `labels.after` for the audit writer.
 *
 * "Err on the side of more taint": a call that reached the upstream and failed (an `isError`
 * result, or a transport error) still adds its labels; only calls that never left Warden (denied
 * here or earlier) add nothing. The response leg of a failed forward never runs, so the
 * {@link FlowStage.observer} commits those — and also picks up guardrail labels added by
 * response stages that ran after this one. Register it before the audit observer.
 */
import { WardenError } from '../errors/index.ts';
import type { CallContext, Observer, Stage, Verdict } from '../pipeline/types.ts';
import { CONTINUE } from '../pipeline/types.ts';
import type { FlowsConfig } from './config.ts';
import { createFingerprinter, resultText } from './fingerprint.ts';
import { createDynamicLabeler, createLabeler, type LabelServerConfig, type Labeler, type ToolDefinitionLike } from './labels.ts';
import { createRuleEngine, type CallView, type Decision, type RuleEngine } from './rules.ts';
import type { FlowCommit, FlowSessionState, FlowStateStore } from './state.ts';

/** ctx.state keys this stage reads and writes. */
export const FLOW_STATE_KEYS = {
  /** Read: Set<string> of labels a guardrail wants added to the session. */
  labelsAdd: 'labels.add',
  /** Written: session labels before this call (string[]). */
  labelsBefore: 'labels.before',
  /** Written: session labels after this call (string[]). */
  labelsAfter: 'labels.after',
  /** Written: the {@link Decision} of the request leg. */
  decision: 'flow.decision',
  /** Written: the labels the call was judged with (string[]). */
  callLabels: 'flow.callLabels',
  /** Internal: labels already committed for this call. */
  committed: 'flow.committed',
} as const;

export interface FlowStageDeps {
  readonly store: FlowStateStore;
  /** Milliseconds clock (injected so tests never sleep). */
  readonly now: () => number;
  /** `config.servers` (labels, tools.<name>.labels, trusted). */
  readonly servers?: Readonly<Record<string, LabelServerConfig>>;
  /** How often the stage sweeps expired sessions (default one minute). */
  readonly sweepEveryMs?: number;
}

export interface FlowStage extends Stage {
  readonly name: 'flow';
  /** Static labels for a tool (config + annotations); the lead fills ctx.target.labels from it at load. */
  labelsFor(server: string, tool: ToolDefinitionLike | string): ReadonlySet<string>;
  /** Commits calls that reached the upstream but whose response leg did not run, and late guardrail labels. */
  readonly observer: Observer;
  readonly engine: RuleEngine;
}

const METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);
const SINK_FREE_DEFAULT: ReadonlySet<string> = Object.freeze(new Set(['untrusted_content']));

function then<T, R>(v: T | Promise<T>, f: (x: T) => R | Promise<R>): R | Promise<R> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Builds the flow stage once: labeler, dynamic labels, fingerprinter and rule tables. */
export function createFlowStage(config: FlowsConfig, deps: FlowStageDeps): FlowStage {
  const servers = deps.servers ?? {};
  const labeler: Labeler = createLabeler(servers, config);
  const dynamic = createDynamicLabeler(config.dynamic);
  const fingerprinter = createFingerprinter(config.dataflow);
  const engine = createRuleEngine(config, fingerprinter);
  const { store, now } = deps;
  const sweepEvery = deps.sweepEveryMs ?? 60_000;
  let lastSweep = now();

  /** The labels a call is judged and committed with. */
  function callLabels(ctx: CallContext): ReadonlySet<string> {
    const t = ctx.target!;
    let base: ReadonlySet<string>;
    if (t.kind === 'tool') base = labeler.labelsFor(t.server, t.name);
    else {
      // Resources and prompts are read, never sinks: server labels, else "may be untrusted".
      const s = servers[t.server]?.labels ?? [];
      base = s.length ? new Set(s) : SINK_FREE_DEFAULT;
    }
    const extra = ctx.state.get(FLOW_STATE_KEYS.labelsAdd) as ReadonlySet<string> | undefined;
    if (t.labels.size === 0 && !extra?.size) return base;
    const out = new Set(base);
    for (const l of t.labels) out.add(l);
    if (extra) for (const l of extra) out.add(l);
    return out;
  }

  function args(ctx: CallContext): Record<string, unknown> {
    const a = ctx.params.arguments;
    return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
  }

  function verdictFor(ctx: CallContext, d: Decision): Verdict {
    for (const f of d.firings) ctx.hits.push({ stage: 'flow', rule: f.rule, action: f.action, detail: f.reason });
    if (d.action === 'continue') return CONTINUE;
    const top = d.firings[0]!;
    const reason = d.firings.map((f) => f.reason).join('; ');
    if (d.action === 'block') {
      const armedBy = top.armedBy.map((a) => ({ seq: a.seq, server: a.server, tool: a.tool, ...(a.label ? { label: a.label } : {}) }));
      return { kind: 'deny', rule: top.rule, error: new WardenError('WARDEN_FLOW_BLOCKED', reason, { rule: top.rule, armedBy }) };
    }
    return { kind: 'hold', rule: top.rule, reason };
  }

  function decide(ctx: CallContext, state: FlowSessionState | undefined): Verdict {
    ctx.state.set(FLOW_STATE_KEYS.labelsBefore, state ? [...state.labels.keys()] : []);
    const t = ctx.target!;
    const labels = callLabels(ctx);
    ctx.state.set(FLOW_STATE_KEYS.callLabels, [...labels]);
    if (t.kind !== 'tool') return CONTINUE;
    const d = engine.evaluate({ server: t.server, tool: t.name, labels, args: args(ctx) }, state, now());
    ctx.state.set(FLOW_STATE_KEYS.decision, d);
    return verdictFor(ctx, d);
  }

  /** Commits the call (or, when already committed, only labels added since). */
  function commit(ctx: CallContext, ok: boolean): void | Promise<void> {
    const t = ctx.target!;
    const key = ctx.session.key;
    const at = now();
    const done = ctx.state.get(FLOW_STATE_KEYS.committed) as Set<string> | undefined;
    const labels = callLabels(ctx);
    const entries: { label: string; via: string }[] = [];
    const extra = ctx.state.get(FLOW_STATE_KEYS.labelsAdd) as ReadonlySet<string> | undefined;
    for (const l of labels) entries.push({ label: l, via: extra?.has(l) && !t.labels.has(l) ? 'guardrail' : 'tool' });
    const result = ctx.result ?? {};
    const a = args(ctx);
    if (ctx.result) for (const d of dynamic.labelsFor(t.server, t.name, a, result)) entries.push({ label: d.label, via: d.rule });
    const todo = done ? entries.filter((e) => !done.has(e.label)) : entries;
    if (done && todo.length === 0) return;
    return then(store.get(key, at), (state) => {
      const before = (ctx.state.get(FLOW_STATE_KEYS.labelsBefore) as string[] | undefined) ?? (state ? [...state.labels.keys()] : []);
      let commitRec: FlowCommit;
      if (done) {
        commitRec = { server: t.server, tool: t.name, ok, labels: todo, fingerprints: [], amend: true };
      } else {
        const all = new Set(todo.map((e) => e.label));
        const view: CallView = { server: t.server, tool: t.name, labels: all, args: a };
        const seq = (state?.calls ?? 0) + 1;
        let fps: number[] = [];
        if (ctx.result && engine.isSource(all)) {
          const f = fingerprinter.source(resultText(ctx.result));
          fps = f.shingles.concat(f.ids);
        }
        const progress = t.kind === 'tool' ? engine.advance(view, result, state, seq, at) : undefined;
        commitRec = { server: t.server, tool: t.name, ok, labels: todo, fingerprints: fps, ...(progress ? { progress } : {}) };
      }
      return then(store.append(key, commitRec, at), () => {
        const committed = done ?? new Set<string>();
        for (const e of todo) committed.add(e.label);
        ctx.state.set(FLOW_STATE_KEYS.committed, committed);
        const after = new Set(before);
        for (const l of committed) after.add(l);
        ctx.state.set(FLOW_STATE_KEYS.labelsAfter, [...after]);
      });
    });
  }

  return {
    name: 'flow',
    methods: METHODS,
    engine,
    labelsFor: (server, tool) => labeler.labelsFor(server, tool),

    request(ctx) {
      if (!ctx.target) return CONTINUE;
      const at = now();
      if (at - lastSweep >= sweepEvery) {
        lastSweep = at;
        const r = store.expire(at);
        if (r instanceof Promise) r.catch(() => undefined); // a failed sweep is retried next time
      }
      return then(store.get(ctx.session.key, at), (state) => decide(ctx, state));
    },

    response(ctx) {
      if (!ctx.target) return CONTINUE;
      const ok = (ctx.result as { isError?: unknown } | undefined)?.isError !== true;
      return then(commit(ctx, ok), () => CONTINUE);
    },

    observer(ctx, outcome) {
      if (!ctx.target || !METHODS.has(ctx.method)) return;
      // Reached the upstream: forward ran (the chain times it) or a result exists.
      const reached = ctx.timings.forward !== undefined || ctx.result !== undefined;
      if (!reached) return;
      return commit(ctx, outcome === 'allowed' || outcome === 'approved');
    },
  };
}
