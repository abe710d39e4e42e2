/**
 * The flow rule engine: rules compiled once into tables indexed by label (and memoised per tool),
 * evaluated against a session's state on the request leg, and sequence progress advanced on the
 * response leg. Pure: no clock, no store, no context — the stage supplies those.
 *
 * Cost per call: the call's labels pick the candidate rules from the tables; each candidate
 * costs a few Set lookups (plus its CEL condition, if any). Sequence rules keep per-session
 * progress (the best partial match per prefix), so the session's history length never matters.
 *
 * CEL failures always lean toward firing: a failed `unless` does not exempt; a failed step
 * condition counts as a match. Write `has(...)` / `.?` to make conditions total.
 */
import { compileCel, type CelCondition } from './cel.ts';
import { isSequenceRule, type FlowsConfig } from './config.ts';
import type { Fingerprinter } from './fingerprint.ts';
import { stringLeaves } from './fingerprint.ts';
import { compileGlobs, type GlobTest } from '../shared/glob.ts';
import type { FlowSessionState, SequenceProgress } from './state.ts';

export type FlowAction = 'block' | 'require_approval';

/** The call being decided. */
export interface CallView {
  readonly server: string;
  readonly tool: string;
  readonly labels: ReadonlySet<string>;
  readonly args: Record<string, unknown>;
}

/** A call that armed a rule. */
export interface Armer {
  readonly seq: number;
  readonly server: string;
  readonly tool: string;
  readonly label?: string;
}

export interface Firing {
  readonly rule: string;
  readonly kind: 'trifecta' | 'sequence' | 'destination' | 'dataflow';
  action: FlowAction;
  readonly reason: string;
  readonly armedBy: readonly Armer[];
}

export interface Decision {
  readonly action: 'continue' | FlowAction;
  /** Rules that fired, the decisive one first. */
  readonly firings: readonly Firing[];
  /** Calls whose private results reappear in this call's arguments. */
  readonly dataflow?: readonly Armer[];
}

const CONTINUE_DECISION: Decision = Object.freeze({ action: 'continue', firings: [] });
const EMPTY_MAP: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

interface Step {
  readonly server: GlobTest;
  readonly tools: GlobTest;
  readonly labels: readonly string[];
  readonly when: CelCondition | undefined;
}
interface SeqRule {
  readonly id: string;
  readonly steps: readonly Step[];
  readonly calls: number;
  readonly ms: number;
  readonly action: FlowAction;
}
interface Trifecta {
  readonly id: string;
  readonly sessionHas: readonly string[];
  readonly callHas: readonly string[];
  readonly unless: CelCondition | undefined;
  readonly action: FlowAction;
}
interface Destination {
  readonly id: string;
  readonly label: string;
  readonly callHas: string;
  readonly server: GlobTest;
  readonly tools: GlobTest;
  readonly path: readonly string[];
  readonly arg: string;
  readonly allow: GlobTest;
  readonly action: FlowAction;
}

export interface RuleEngine {
  evaluate(call: CallView, state: FlowSessionState | undefined, now: number): Decision;
  /** New progress for the sequence rules this committed call advances (undefined: none). */
  advance(call: CallView, result: Record<string, unknown>, state: FlowSessionState | undefined, seq: number, now: number): Map<string, (SequenceProgress | undefined)[]> | undefined;
  /** True when results of a call with these labels are fingerprinted. */
  isSource(labels: ReadonlySet<string>): boolean;
  readonly ruleIds: readonly string[];
}

function stepMatches(s: Step, call: CallView, result: Record<string, unknown>): boolean {
  if (!s.server(call.server) || !s.tools(call.tool)) return false;
  for (const l of s.labels) if (!call.labels.has(l)) return false;
  // A condition that fails to evaluate counts as a match (fail closed).
  return !s.when || s.when({ args: call.args, result, server: call.server, tool: call.tool }) !== false;
}

function within(p: SequenceProgress, r: SeqRule, seq: number, now: number): boolean {
  return seq - p.startSeq + 1 <= r.calls && now - p.startAt <= r.ms;
}

function getPath(obj: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const RANK = { continue: 0, require_approval: 1, block: 2 } as const;

function origin(state: FlowSessionState, label: string): Armer {
  const o = state.labels.get(label);
  return o ? { seq: o.seq, server: o.server, tool: o.tool, label } : { seq: 0, server: '?', tool: '?', label };
}

/** The kept record of call `seq` (history is sorted by seq), for naming armers. */
function callAt(state: FlowSessionState, seq: number): Armer {
  const h = state.history;
  let lo = 0;
  let hi = h.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = h[mid]!;
    if (r.seq === seq) return { seq, server: r.server, tool: r.tool };
    if (r.seq < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return { seq, server: '?', tool: '?' };
}

function describe(a: readonly Armer[]): string {
  return a.map((x) => `${x.label ? `${x.label} from ` : ''}call #${x.seq} ${x.server}/${x.tool}`).join(', ');
}

/** Compiles every rule once. Throws TypeError on a config mistake (bad CEL), naming the key path. */
export function createRuleEngine(config: FlowsConfig, fingerprinter: Fingerprinter): RuleEngine {
  const trifectaByLabel = new Map<string, Trifecta[]>();
  const seqRules: SeqRule[] = [];
  const destByLabel = new Map<string, Destination[]>();

  config.rules.forEach((r, i) => {
    if (isSequenceRule(r)) {
      seqRules.push({
        id: r.id,
        steps: r.sequence.map((s, j) => ({
          server: compileGlobs(s.server),
          tools: compileGlobs(s.tools),
          labels: s.labels ?? [],
          when: s.when === undefined ? undefined : compileCel(s.when, `flows.rules[${i}].sequence[${j}].when`),
        })),
        calls: r.window.calls ?? Number.POSITIVE_INFINITY,
        ms: r.window.ms ?? Number.POSITIVE_INFINITY,
        action: r.action,
      });
    } else {
      const callHas = typeof r.call_has === 'string' ? [r.call_has] : r.call_has;
      const t: Trifecta = {
        id: r.id,
        sessionHas: r.session_has,
        callHas,
        unless: r.unless === undefined ? undefined : compileCel(r.unless, `flows.rules[${i}].unless`),
        action: r.action,
      };
      const k = callHas[0]!;
      trifectaByLabel.set(k, [...(trifectaByLabel.get(k) ?? []), t]);
    }
  });
  config.destinations.forEach((d, i) => {
    const dest: Destination = {
      id: d.id ?? `destination[${i}]`,
      label: d.label,
      callHas: d.call_has,
      server: compileGlobs(d.server),
      tools: compileGlobs(d.tools),
      path: d.arg.split('.'),
      arg: d.arg,
      allow: compileGlobs(d.allow, { caseInsensitive: true }),
      action: d.action,
    };
    destByLabel.set(d.call_has, [...(destByLabel.get(d.call_has) ?? []), dest]);
  });

  // Per tool: sequence steps whose server/tool globs match (labels and conditions checked per call).
  const stepMemo = new Map<string, { rule: SeqRule; step: number }[]>();
  function stepsFor(server: string, tool: string): { rule: SeqRule; step: number }[] {
    const key = `${server}\0${tool}`;
    let list = stepMemo.get(key);
    if (!list) {
      list = [];
      for (const rule of seqRules) rule.steps.forEach((s, step) => s.server(server) && s.tools(tool) && list!.push({ rule, step }));
      if (stepMemo.size < 10_000) stepMemo.set(key, list);
    }
    return list;
  }

  const df = config.dataflow;
  const sources = new Set(df.sources);
  const sinks = df.sinks;

  function dataflow(call: CallView, state: FlowSessionState): Armer[] | undefined {
    if (!df.enabled || state.fingerprints.size === 0 || !sinks.some((l) => call.labels.has(l))) return undefined;
    const { shingles, ids } = fingerprinter.probe(stringLeaves(call.args));
    let nShingles = 0;
    let nIds = 0;
    const seqs = new Set<number>();
    for (const h of shingles) {
      const s = state.fingerprints.get(h);
      if (s !== undefined) (nShingles++, seqs.add(s));
    }
    for (const h of ids) {
      const s = state.fingerprints.get(h);
      if (s !== undefined) (nIds++, seqs.add(s));
    }
    if (nShingles < df.minShingleMatches && nIds === 0) return undefined;
    return [...seqs].sort((a, b) => a - b).map((seq) => callAt(state, seq));
  }

  return {
    ruleIds: [...config.rules.map((r) => r.id), ...config.destinations.map((d, i) => d.id ?? `destination[${i}]`)],

    isSource(labels) {
      if (!df.enabled) return false;
      for (const l of sources) if (labels.has(l)) return true;
      return false;
    },

    evaluate(call, state, now) {
      // Every rule is armed by something the session did; a fresh session trips none.
      if (!state) return CONTINUE_DECISION;
      const firings: Firing[] = [];
      const labels = state.labels;
      for (const l of call.labels) {
        const trs = trifectaByLabel.get(l);
        if (trs) {
          for (const t of trs) {
            if (!t.sessionHas.every((x) => labels.has(x)) || !t.callHas.every((x) => call.labels.has(x))) continue;
            if (t.unless && t.unless({ args: call.args, result: EMPTY_MAP, server: call.server, tool: call.tool }) === true) continue;
            const armedBy = t.sessionHas.map((x) => origin(state, x));
            firings.push({
              rule: t.id,
              kind: 'trifecta',
              action: t.action,
              armedBy,
              reason: `rule ${t.id}: session has ${describe(armedBy)}; ${call.server}/${call.tool} is ${t.callHas.join('+')}`,
            });
          }
        }
        const dests = destByLabel.get(l);
        if (dests) {
          for (const d of dests) {
            if (!labels.has(d.label) || !d.server(call.server) || !d.tools(call.tool)) continue;
            const v = getPath(call.args, d.path);
            const vals = typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
            if (vals && vals.every((x) => d.allow(x))) continue;
            const armedBy = [origin(state, d.label)];
            firings.push({
              rule: d.id,
              kind: 'destination',
              action: d.action,
              armedBy,
              reason: `rule ${d.id}: session has ${describe(armedBy)}; argument ${d.arg} of ${call.server}/${call.tool} is ${vals ? 'not an allowed destination' : 'missing or not a string'}`,
            });
          }
        }
      }
      if (seqRules.length > 0) {
        const seq = state.calls + 1;
        for (const { rule, step } of stepsFor(call.server, call.tool)) {
          if (step !== rule.steps.length - 1) continue;
          const last = rule.steps[step]!;
          if (last.labels.length > 0 && !last.labels.every((l) => call.labels.has(l))) continue;
          const p = state.progress.get(rule.id)?.[step - 1];
          if (!p || !within(p, rule, seq, now) || !stepMatches(rule.steps[step]!, call, EMPTY_MAP)) continue;
          const armedBy = p.calls.map((s) => callAt(state, s));
          firings.push({
            rule: rule.id,
            kind: 'sequence',
            action: rule.action,
            armedBy,
            reason: `rule ${rule.id}: sequence ${describe(armedBy)} then ${call.server}/${call.tool}`,
          });
        }
      }
      // The data-flow probe only matters when it can change the outcome (raise a rule that fired,
      // or act alone); a benign sink call no rule touches skips the tokenising (~40 µs on 600 chars).
      const flow = firings.length > 0 || df.alone !== 'continue' ? dataflow(call, state) : undefined;
      if (flow) {
        const what = `data from ${describe(flow)} reappears in the arguments`;
        if (firings.length > 0) {
          for (const f of firings) if (RANK[df.raise] > RANK[f.action]) f.action = df.raise;
          firings.push({ rule: 'dataflow', kind: 'dataflow', action: df.raise, armedBy: flow, reason: `${what} (raised to ${df.raise})` });
        } else if (df.alone !== 'continue') {
          firings.push({ rule: 'dataflow', kind: 'dataflow', action: df.alone, armedBy: flow, reason: what });
        }
      }
      if (firings.length === 0) return flow ? { action: 'continue', firings, dataflow: flow } : CONTINUE_DECISION;
      firings.sort((a, b) => RANK[b.action] - RANK[a.action]);
      return { action: firings[0]!.action, firings, ...(flow ? { dataflow: flow } : {}) };
    },

    advance(call, result, state, seq, now) {
      const steps = stepsFor(call.server, call.tool);
      if (steps.length === 0) return undefined;
      let out: Map<string, (SequenceProgress | undefined)[]> | undefined;
      // Descending step order, so one call never counts as two consecutive steps.
      for (let i = steps.length - 1; i >= 0; i--) {
        const { rule, step } = steps[i]!;
        if (step === rule.steps.length - 1) continue;
        if (!stepMatches(rule.steps[step]!, call, result)) continue;
        out ??= new Map();
        const cur = out.get(rule.id) ?? [...(state?.progress.get(rule.id) ?? new Array<SequenceProgress | undefined>(rule.steps.length - 1))];
        let cand: SequenceProgress | undefined;
        if (step === 0) cand = { startSeq: seq, startAt: now, calls: [seq] };
        else {
          const prev = state?.progress.get(rule.id)?.[step - 1];
          if (prev && within(prev, rule, seq, now)) cand = { startSeq: prev.startSeq, startAt: prev.startAt, calls: [...prev.calls, seq] };
        }
        const old = cur[step];
        if (cand && (!old || cand.startSeq >= old.startSeq)) cur[step] = cand;
        out.set(rule.id, cur);
      }
      return out;
    },
  };
}
