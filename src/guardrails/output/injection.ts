/**
 * Indirect prompt injection in tool results: the rule layer (injection-rules.ts) combined with a
 * small learned model (features.ts; weights in injection-model.json, trained reproducibly by
 * scripts/train-injection.ts on the training splits of ../shared/evals). The detector reports
 * each rule that fires and, when the model's best-window score reaches the threshold chosen on
 * training data for ≤1% false positives, a `prompt_injection.model` finding with that score.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Detector, Finding, ScanContext } from '../types.ts';
import { NON_ASCII, normalizeText } from '../normalize.ts';
import { transientCodeUnits } from '../code-units.ts';
import { bestWindow, decodeWeights, featurize, sigmoid } from './features.ts';
import { INJECTION_RULES, type InjectionRule } from './injection-rules.ts';
import { createKeywordMatcher } from './keywords.ts';
import { chainKeys, compileChain } from './injection-chains.ts';

/** The JSON the training script writes. */
export interface InjectionModelFile {
  readonly version: 1;
  readonly dim: number;
  readonly window: number;
  readonly stride: number;
  readonly bias: number;
  readonly scale: number;
  /** int16 little-endian weights, base64. */
  readonly weights: string;
  /** Model score at which a finding is reported (≤1% FPR on training negatives). */
  readonly threshold: number;
  readonly meta?: Record<string, unknown>;
}

export interface PromptInjectionOptions {
  /** Model to use; `null` for rules only. Default: the shipped injection-model.json. */
  readonly model?: InjectionModelFile | null;
  /** Override the model's threshold (0..1). */
  readonly threshold?: number;
  /** Rule ids to disable. */
  readonly disableRules?: readonly string[];
}

/** What the detector computes for one text, for evaluation and the stage. */
export interface InjectionScore {
  /** max(rule scores, model score), 0..1. */
  readonly score: number;
  readonly modelScore: number;
  readonly rules: readonly string[];
}

export interface PromptInjectionDetector extends Detector {
  /** Scores a text (normalised inside); `scan` reports findings from the same numbers. */
  score(text: string): InjectionScore;
  readonly threshold: number;
}

const MODEL_URL = new URL('./injection-model.json', import.meta.url);

/** The shipped model, or null if it has not been trained yet. */
export function loadInjectionModel(): InjectionModelFile | null {
  if (!existsSync(MODEL_URL)) return null;
  return JSON.parse(readFileSync(MODEL_URL, 'utf8')) as InjectionModelFile;
}

/** Builds the detector once: decodes weights, picks rules. */
export function createPromptInjectionDetector(opts: PromptInjectionOptions = {}): PromptInjectionDetector {
  const model = opts.model === undefined ? loadInjectionModel() : opts.model;
  const weights = model ? decodeWeights(model.weights, model.scale, model.dim) : undefined;
  const threshold = opts.threshold ?? model?.threshold ?? 0.5;
  const disabled = new Set(opts.disableRules ?? []);
  const rules = INJECTION_RULES.filter((r) => !disabled.has(r.id)).map((r) => ({ ...r, re: new RegExp(r.re.source, r.re.flags) }));

  // One keyword pass gates every rule: a rule's regex runs only if one of its keys occurs
  // (every match contains one), from the first occurrence when every match starts at one. A
  // chain rule needs a key of every part, and the offsets of all of them.
  const keys = [...new Set(rules.flatMap((r) => [...r.keys, ...(r.chain ? chainKeys(r.chain) : [])]))];
  const ruleKeys = rules.map((r) => r.keys.map((k) => keys.indexOf(k)));
  const chains = rules.map((r) => (r.chain ? compileChain(r.chain, (k) => keys.indexOf(k)) : undefined));
  const chainKey = new Uint8Array(keys.length);
  for (const c of chains) for (const ks of c?.partKeys ?? []) for (const k of ks) chainKey[k] = 1;
  const matcher = createKeywordMatcher(keys);

  function analyse(text: string, normalized = false) {
    const norm = normalized ? text : normalizeText(text);
    // The keyword gate and the tokeniser fold ASCII case themselves: a lower-cased copy is made
    // only for text with other letters, or when a rule's regex has to run.
    const ascii = !NON_ASCII.test(norm);
    let lower = ascii ? undefined : norm.toLowerCase();
    const hits: { rule: InjectionRule; start: number; end: number }[] = [];
    // The text the gate and the model read (a lower-cased copy made below for a rule's regex
    // differs from it only in ASCII case, which both fold), copied to code units once for both.
    const feat = lower ?? norm;
    // Read by the gate and the featuriser only, before `analyse` returns.
    const codes = transientCodeUnits(feat);
    // The gate's pass also lists where each chain rule's keywords occur (a list per keyword
    // found: most texts hold none, and a list per chain keyword cost more than a short scan).
    const positions: (number[] | undefined)[] = new Array<number[] | undefined>(keys.length);
    const first = matcher.first(feat, codes, { mask: chainKey, starts: positions });
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      let from = -1;
      for (const k of ruleKeys[i]!) if (first[k]! >= 0 && (from < 0 || first[k]! < from)) from = first[k]!;
      if (from < 0) continue;
      const chain = chains[i];
      if (chain && !chain.partKeys.every((ks) => ks.some((k) => first[k]! >= 0))) continue;
      lower ??= norm.toLowerCase();
      let m: RegExpExecArray | null;
      // Keyword offsets are offsets in `feat`: `lower` itself, or `norm` when ASCII (same length).
      if (chain && lower.length === feat.length) m = chain.match(lower, positions);
      else {
        r.re.lastIndex = r.anchored && lower.length === norm.length ? from : 0;
        m = r.re.exec(lower);
      }
      if (m) hits.push({ rule: r, start: m.index, end: m.index + m[0].length });
    }
    let modelScore = 0;
    let span: [number, number] | undefined;
    if (model && weights) {
      const t = featurize(feat, model.dim, weights, codes);
      const w = bestWindow(t, weights, model.bias, model.window, model.stride);
      modelScore = sigmoid(w.logit);
      if (t.count > 0) span = [t.starts[w.start]!, w.end >= t.count ? feat.length : t.starts[w.end]!];
    }
    const sameOffsets = norm === text && feat.length === text.length;
    return { hits, modelScore, span, sameOffsets };
  }

  return {
    name: 'prompt_injection',
    direction: 'output',
    threshold,
    score(text: string): InjectionScore {
      const a = analyse(text);
      const ruleMax = a.hits.reduce((m, h) => Math.max(m, h.rule.score), 0);
      return { score: Math.max(ruleMax, a.modelScore), modelScore: a.modelScore, rules: a.hits.map((h) => h.rule.id) };
    },
    scan(text: string, ctx?: ScanContext): Finding[] {
      const a = analyse(text, ctx?.normalized === true);
      const out: Finding[] = a.hits.map((h) => ({
        detector: 'prompt_injection',
        rule: `prompt_injection.${h.rule.id}`,
        severity: h.rule.severity,
        message: h.rule.message,
        score: h.rule.score,
        kind: 'prompt_injection',
        ...(a.sameOffsets ? { start: h.start, end: h.end } : {}),
      }));
      if (a.modelScore >= threshold) {
        out.push({
          detector: 'prompt_injection',
          rule: 'prompt_injection.model',
          severity: a.modelScore >= 0.9 ? 'high' : 'medium',
          message: `learned model flags instructions aimed at the model (score ${a.modelScore.toFixed(2)})`,
          score: a.modelScore,
          kind: 'prompt_injection',
          ...(a.sameOffsets && a.span ? { start: a.span[0], end: a.span[1] } : {}),
        });
      }
      return out;
    },
  };
}
