/**
 * Evaluation of the output (tool-result) detectors on ../shared/evals:
 * - prompt_injection on the TEST splits of BIPIA (per task), InjecAgent and AgentDojo
 *   (hash-split halves, see scripts/injection-data.ts), plus the training splits labelled `train`
 *   for comparison, and mcp-defense-bench result fixtures (no split); its false-positive rate on
 *   real e-mail (SpamAssassin ham, hash-split halves; benign only); and, on the pooled test
 *   splits, its recall when the attack is written with each evasion the normaliser undoes
 *   (zero-width, look-alikes, fullwidth, diacritics, stacked marks, tag characters, base64) and when it
 *   is written as a fenced code block, which no normaliser undoes;
 * - secrets on gitleaks' rule examples (no split), under gitleaks' own per-rule convention and
 *   with the whole ruleset.
 * Run: node bin/run-ts.js scripts/eval.ts output
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalRow } from '../../src/guardrails/types.ts';
import { createPromptInjectionDetector, loadInjectionModel } from '../../src/guardrails/output/injection.ts';
import { createSecretsDetector } from '../../src/guardrails/output/secrets.ts';
import { scanViews } from '../../src/guardrails/normalize.ts';
import { EVALS, EVAL_FENCES, agentdojo, bipia, ham, injecagent, mcpDefenseBench, type Doc, type Split } from '../injection-data.ts';
import { detectorRecallAtFpr, recallAtFpr } from '../eval-metrics.ts';

function injectionRows(): EvalRow[] {
  const det = createPromptInjectionDetector();
  const rows: EvalRow[] = [];
  // [name, split, documents, note, score the stage's views, threshold instead of the shipped one]
  const sets: [string, Split, () => Doc[], string?, boolean?, number?][] = [];
  const benchmarkThreshold = loadInjectionModel()?.meta?.benchmarkThreshold;
  for (const split of ['test', 'train'] as const) {
    sets.push(['bipia', split, () => bipia(split, split === 'train' ? { maxContexts: 200 } : {})]);
    sets.push(['injecagent', split, () => injecagent(split)]);
    // The same items rendered as YAML (the suites' format) and as pretty-printed JSON (what most
    // MCP tools return), one row each.
    sets.push(['agentdojo', split, () => [...agentdojo(split), ...agentdojo(split, { render: 'json' })]]);
    // All of them under one threshold, as a gateway has one: the per-set rows each choose their
    // own 1% point (with 50 e-mails, the score of the single worst one).
    sets.push(['pooled', split, () => [...bipia(split, split === 'train' ? { maxContexts: 200 } : {}), ...injecagent(split), ...agentdojo(split), ...agentdojo(split, { render: 'json' })].map((d) => ({ ...d, dataset: 'benchmarks-pooled' })), split === 'test' ? 'bipia + injecagent + agentdojo (yaml, json), one threshold for all' : undefined]);
  }
  // Real benign e-mail: the false-positive rate at the shipped threshold (the training half set
  // that threshold, never the weights; see scripts/train-injection.ts).
  sets.push(['ham', 'test', () => ham('test'), 'benign only: real e-mail (SpamAssassin ham), FPR at the shipped threshold']);
  if (typeof benchmarkThreshold === 'number') {
    sets.push(['ham', 'test', () => ham('test'), `benign only: the same, at the threshold the benchmarks alone set (${benchmarkThreshold.toFixed(6)})`, false, benchmarkThreshold]);
  }
  sets.push(['ham', 'train', () => ham('train'), 'benign only: the half that calibrated the threshold (never fitted)']);
  sets.push(['mcp-defense-bench', 'test', mcpDefenseBench, 'no split; never used in training']);
  // The same fixtures scored as the guardrail stage scans a result: the normalised text and every
  // base64/hex blob decoded from it (the fixtures include a base64-wrapped instruction), the
  // highest score of those views counting.
  sets.push(['mcp-defense-bench', 'test', mcpDefenseBench, 'as the stage scans: normalised text and decoded blobs', true]);
  for (const [, split, load, note, viaViews, threshold = det.threshold] of sets) {
    const docs = load();
    const groups = new Map<string, Doc[]>();
    for (const d of docs) groups.set(d.dataset, [...(groups.get(d.dataset) ?? []), d]);
    if (groups.size > 1) groups.set(`${docs[0]!.dataset.split('-')[0]}-all`, docs);
    for (const [ds, g] of groups) {
      const scored = g.map((d) => {
        const views = viaViews ? scanViews(d.text).map((v) => v.text) : [d.text];
        const ss = views.map((v) => det.score(v));
        const rule = ss.some((s) => s.rules.length > 0);
        const model = Math.max(...ss.map((s) => s.modelScore));
        return { y: d.label, flagged: rule || model >= threshold, rule, model, score: Math.max(...ss.map((s) => s.score)) };
      });
      const pos = scored.filter((x) => x.y === 1);
      const neg = scored.filter((x) => x.y === 0);
      rows.push({
        detector: 'prompt_injection',
        dataset: ds,
        split,
        positives: pos.length,
        negatives: neg.length,
        recall: pos.length ? pos.filter((x) => x.flagged).length / pos.length : null,
        falsePositiveRate: neg.filter((x) => x.flagged).length / Math.max(1, neg.length),
        // Rules always flag; the threshold sweeps the model (scripts/eval-metrics.ts).
        recallAt1pctFpr: pos.length ? detectorRecallAtFpr(pos, neg) : null,
        ...(note ? { note } : split === 'train' ? { note: 'training data (not a held-out figure)' } : {}),
      });
      // The pooled figure as this evaluation computed it until 2026-11-22, so the model's history
      // in docs/evaluation.md stays comparable: one ranking of max(rule score, model score), which
      // counts a rule hit scored 0.8 as missed above a threshold of 0.8.
      if (ds === 'benchmarks-pooled' && split === 'test') {
        rows.push({
          ...rows[rows.length - 1]!,
          recallAt1pctFpr: recallAtFpr(pos.map((x) => x.score), neg.map((x) => x.score)),
          note: 'the same, R@1%FPR as one ranking of the rule and model scores (the earlier figure)',
        });
      }
    }
  }
  return rows;
}

/**
 * Evasion transforms, applied to the characters an attacker controls: the inserted attack when
 * its span is known, else the whole text. Each keeps the instruction legible to a model.
 */
const EVASIONS: (readonly [string, (s: string) => string])[] = [
  ['zero-width', (s) => s.replace(/([a-z])(?=[a-z])/gi, '$1\u200b')],
  ['homoglyphs', (s) => s.replace(/[aeopcixy]/g, (c) => String.fromCharCode('\u0430\u0435\u043e\u0440\u0441\u0456\u0445\u0443'.charCodeAt('aeopcixy'.indexOf(c))))],
  ['fullwidth', (s) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))],
  ['diacritics', (s) => s.replace(/[a-z]/gi, '$&\u0301').normalize('NFC')],
  ['stacked marks', (s) => s.replace(/[^\s]/g, '$&\u0334\u0489')],
  ['tag characters', (s) => [...s].map((c) => (c >= ' ' && c <= '~' ? String.fromCodePoint(0xe0000 + c.charCodeAt(0)) : c)).join('')],
  ['base64', (s) => Buffer.from(s).toString('base64')],
  // A fenced block of its own, plainly and with a code character ending each line: what writing
  // the attack as code costs (a code keyword opening a fenced line starts no sentence, features.ts).
  ...EVAL_FENCES,
];

/**
 * Each evasion on the pooled test splits (BIPIA, InjecAgent, AgentDojo), scored as the stage
 * scans a result (normalised text and decoded blobs): recall on the positives with their attack
 * transformed, and false positives on the negatives transformed whole (a benign result written
 * in such characters must not be called an attack).
 */
function evasionRows(): EvalRow[] {
  const det = createPromptInjectionDetector();
  const docs = [...bipia('test'), ...injecagent('test'), ...agentdojo('test')];
  const flagged = (t: string) =>
    scanViews(t).some((v) => {
      const s = det.score(v.text);
      return s.rules.length > 0 || s.modelScore >= det.threshold;
    });
  const share = (xs: Doc[], f: (d: Doc) => string) => xs.filter((d) => flagged(f(d))).length / Math.max(1, xs.length);
  const pos = docs.filter((d) => d.label === 1);
  const neg = docs.filter((d) => d.label === 0);
  const plain = share(pos, (d) => d.text);
  return EVASIONS.map(([name, f]) => ({
    detector: 'prompt_injection',
    dataset: `evasion: ${name}`,
    split: 'test',
    positives: pos.length,
    negatives: neg.length,
    recall: share(pos, (d) => (d.attack ? d.text.slice(0, d.attack[0]) + f(d.text.slice(d.attack[0], d.attack[1])) + d.text.slice(d.attack[1]) : f(d.text))),
    falsePositiveRate: share(neg, (d) => f(d.text)),
    recallAt1pctFpr: null,
    note: `bipia+injecagent+agentdojo test, attack transformed, as the stage scans; plain ${(100 * plain).toFixed(1)}%`,
  }));
}

function secretRows(): EvalRow[] {
  const ex = (JSON.parse(readFileSync(join(EVALS, 'gitleaks/rule_examples.json'), 'utf8')) as { examples: { rule_id: string; label: string; text: string }[] }).examples;
  // The extracted file lists some rules' false-positive strings under both labels; a string that
  // gitleaks' own tests list as a false positive is counted as one (never as a true positive).
  const fpSet = new Set(ex.filter((x) => x.label !== 'secret').map((x) => `${x.rule_id}\0${x.text}`));
  const tps = ex.filter((x) => x.label === 'secret' && !fpSet.has(`${x.rule_id}\0${x.text}`));
  const fps = ex.filter((x) => x.label !== 'secret');
  const det = createSecretsDetector();
  const found = (x: { rule_id: string; text: string }, sameRule: boolean) =>
    det.scan(x.text).some((f) => !sameRule || f.rule === `secrets.${x.rule_id}`);
  const row = (sameRule: boolean, dataset: string, note: string): EvalRow => ({
    detector: 'secrets',
    dataset,
    split: 'all',
    positives: tps.length,
    negatives: fps.length,
    recall: tps.filter((x) => found(x, sameRule)).length / tps.length,
    falsePositiveRate: fps.filter((x) => found(x, sameRule)).length / fps.length,
    recallAt1pctFpr: null,
    note,
  });
  // Real benign e-mail (both halves: nothing was tuned on it for secrets): any finding is a false positive.
  const mail = [...ham('test'), ...ham('train')];
  const hamRow: EvalRow = {
    detector: 'secrets',
    dataset: 'ham',
    split: 'all',
    positives: 0,
    negatives: mail.length,
    recall: null,
    falsePositiveRate: mail.filter((d) => det.scan(d.text).length > 0).length / mail.length,
    recallAt1pctFpr: null,
    note: 'benign only: real e-mail (SpamAssassin ham), any finding counts',
  };
  return [
    row(true, 'gitleaks-examples/per-rule', 'no split; gitleaks convention: the example\'s own rule must fire'),
    row(false, 'gitleaks-examples/any-rule', 'no split; any of the 221 rules firing counts'),
    hamRow,
  ];
}

export default async function (): Promise<EvalRow[]> {
  return [...injectionRows(), ...evasionRows(), ...secretRows()];
}
