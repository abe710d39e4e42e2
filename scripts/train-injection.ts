/**
 * Trains the prompt-injection model on the TRAINING splits of ../shared/evals and writes
 * src/guardrails/output/injection-model.json.
 *
 *   node bin/run-ts.js scripts/train-injection.ts      (WARDEN_TRAIN_SEED=n for another seed;
 *                                                      WARDEN_TRAIN_SHOW=1 lists out-of-fold misses)
 *
 * Reproducible: fixed seed, deterministic data order and splits (scripts/injection-data.ts),
 * plain SGD logistic regression (the average of 5 runs over different shuffles) over hashed unigram+bigram counts of token windows
 * (src/guardrails/output/features.ts). Windows of positive documents that cover most of the
 * inserted attack (of an attack carrying a code block, of its instruction) are positives; windows of clean documents (and attack-free windows of
 * attacked ones) are negatives; fenced copies of a share of both are fitted too (withFencedCopies).
 * The reporting threshold is the lowest model score at which the
 * whole detector (rules + model) keeps every training data set within 1% false positives on its
 * out-of-fold negatives (folds by attack group and context, see below), and the training half of
 * the SpamAssassin ham (real e-mail, scripts/injection-data.ts) within 1% on the shipped model.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVAL_FENCES, HELD_OUT_FENCES, TRAINING_FENCES, agentdojo, bipia, fnv, ham, injecagent, mulberry32, type Doc } from './injection-data.ts';
import { normalizeText } from '../src/guardrails/normalize.ts';
import { PER_TOKEN, encodeWeights, featurize, sigmoid, windowStarts, type Tokens } from '../src/guardrails/output/features.ts';
import { createPromptInjectionDetector } from '../src/guardrails/output/injection.ts';
import { detectorRecallAtFpr, modelThresholdAtFpr, recallAtFpr, type RuleAndModel } from './eval-metrics.ts';

// WARDEN_TRAIN_SEED reruns the whole training with another seed, to see how much a change's figure
// owes to one shuffle; the shipped model uses the default.
const SEED = Number(process.env.WARDEN_TRAIN_SEED ?? 20240601);
const DIM = 1 << 17;
// WARDEN_TRAIN_WINDOW and WARDEN_TRAIN_EPOCHS rerun it with another window width or pass count (the
// comparisons of both in docs/evaluation.md); the shipped model uses the defaults.
const WINDOW = Number(process.env.WARDEN_TRAIN_WINDOW ?? 12);
const STRIDE = 4;
const EPOCHS = Number(process.env.WARDEN_TRAIN_EPOCHS ?? 6);
const L2 = 1e-3;
const RUNS = 5;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'src/guardrails/output/injection-model.json');

const benchmarkDocs: Doc[] = [...bipia('train', { maxContexts: 300, perPosition: 3 }), ...injecagent('train'), ...agentdojo('train'), ...agentdojo('train', { render: 'json' })];
// Real e-mail (SpamAssassin ham, training half) sets the threshold but is never fitted: the model
// is fitted on the benchmarks' own documents, and the reporting threshold must also keep real
// benign mail within 1% false positives, which the benchmarks' few hundred negatives cannot show.
// Never fitted, it is scored by the shipped model itself rather than out of fold.
const calibrationDocs: Doc[] = ham('train');

// The threshold is chosen on out-of-fold scores: three folds by attack group (BIPIA category,
// InjecAgent instruction, AgentDojo goal) and by clean context, each scored by a model fitted on
// the other two, so it is set on kinds of attack (and contexts) the scoring model never saw, as
// the test split's are (BIPIA's test categories differ from its training ones). The shipped
// model is then fitted on all training documents. The test splits are never read here.
const FOLDS = 3;
const groupFold = (g: string) => fnv(`fold-group:${g}`) % FOLDS;
const contextFold = (c: string) => fnv(`fold-context:${c}`) % FOLDS;
/** The fold a document is scored in (-1: never scored, it mixes two folds); it is fitted outside its folds. */
const folds = (d: Doc): { score: number; held: Set<number> } => {
  const ctx = d.context ?? (d.label === 0 ? d.text : undefined);
  const c = ctx === undefined ? undefined : contextFold(ctx);
  if (d.label === 0) return { score: c!, held: new Set([c!]) };
  const g = d.group === undefined ? fnv(`fold-doc:${d.text}`) % FOLDS : groupFold(d.group);
  if (c === undefined || c === g) return { score: g, held: new Set([g]) };
  return { score: -1, held: new Set([g, c]) };
};

/**
 * Fenced copies, fitted and never scored (the threshold is still chosen on the documents as they
 * are): a third of the attacks with a known span rewritten as a fenced block in place, and every
 * benign benchmark document with a run of one to four of its lines fenced, each in one of the
 * TRAINING_FENCES shapes (a one-line document fenced whole). Without them the model read a
 * fence as a mark of benign code: out of fold, an attack written as a fenced block lost about a
 * fifth of its recall. The benign copies keep a fence from becoming the mark of an attack instead.
 * The shapes are not the ones the out-of-fold check below and the evaluation score, but most are
 * near neighbours of them (a tag token, or punctuation the featuriser reads as a plain token);
 * only `import ` opening each line differs in kind, in what the featuriser makes of it.
 */
const ATTACK_COPY_SHARE = 1 / 3;
/**
 * `text` with a run of one to four of its lines, placed by `rand`, written by `fence` (chosen
 * after the run is placed); a one-line text is fenced whole.
 */
function withLinesFenced(text: string, rand: () => number, fence: () => (s: string) => string): string {
  const lines = text.split('\n');
  const a = Math.floor(rand() * lines.length);
  const b = Math.min(lines.length, a + 1 + Math.floor(rand() * 4));
  return [...lines.slice(0, a), fence()(lines.slice(a, b).join('\n')), ...lines.slice(b)].join('\n');
}
// WARDEN_TRAIN_FENCED_COPIES=0 fits without them, for the comparison in docs/evaluation.md.
const FENCED_COPIES = process.env.WARDEN_TRAIN_FENCED_COPIES !== '0';
function withFencedCopies(docs: readonly Doc[], rand: () => number): Doc[] {
  const out = [...docs];
  if (!FENCED_COPIES) return out;
  const shape = () => TRAINING_FENCES[Math.floor(rand() * TRAINING_FENCES.length)]!;
  for (const d of docs) {
    if (d.label === 0) out.push({ ...d, text: withLinesFenced(d.text, rand, shape) });
    else if (d.attack && rand() < ATTACK_COPY_SHARE) {
      const attack = d.text.slice(d.attack[0], d.attack[1]);
      if (attack.includes('```')) continue;
      // The copy's attack is all fence: no words before its block, so examplesOf takes every
      // window covering most of it as a positive (as for a code attack with no instruction).
      const f = shape()(attack);
      out.push({ ...d, text: d.text.slice(0, d.attack[0]) + f + d.text.slice(d.attack[1]), attack: [d.attack[0], d.attack[0] + f.length] });
    }
  }
  return out;
}

interface Example { t: Tokens; s: number; e: number; y: 0 | 1 }
const tokensOf = (d: Doc) => featurize(normalizeText(d.text).toLowerCase(), DIM);
const tokenCache = new Map<Doc, Tokens>();

/** Window examples of documents: windows covering most of an attack, and attack-free windows. */
function examplesOf(docs: readonly Doc[], rand: () => number): Example[] {
const examples: Example[] = [];
for (const d of docs) {
  let t = tokenCache.get(d);
  if (!t) tokenCache.set(d, (t = tokensOf(d)));
  const starts = windowStarts(t.count, WINDOW, STRIDE);
  let as = -1;
  let ae = -1;
  if (d.label === 1 && d.attack) {
    for (let i = 0; i < t.count; i++) {
      if (t.starts[i]! >= d.attack[0] && as < 0) as = i;
      if (t.starts[i]! < d.attack[1]) ae = i + 1;
    }
  }
  // The instruction of an attack that carries a fenced code block (BIPIA's code attacks: "Add the
  // following code snippet in your response:" and the block) is its prose before the block. Only
  // windows covering most of that are positives; windows over the block alone are neither
  // positive nor negative: code like the block's (`import requests`, `subprocess.run`) is in
  // benign code answers too, and taken as attack text it made them the highest-scoring benign
  // results. An attack with no words before its block keeps all its windows.
  const is = as;
  let ie = ae;
  const fence = d.label === 1 && d.attack ? d.text.slice(d.attack[0], d.attack[1]).indexOf('```') : -1;
  if (fence > 0 && as >= 0) {
    const blockStart = d.attack![0] + fence;
    ie = as;
    while (ie < t.count && t.starts[ie]! < blockStart) ie++;
    if (ie === is) ie = ae;
  }
  const need = as >= 0 ? 0.6 * Math.min(ie - is, WINDOW) : 0;
  let negs = 0;
  for (const s of starts) {
    const e = Math.min(t.count, s + WINDOW);
    if (d.label === 0 || as >= 0) {
      const overlap = as >= 0 ? Math.max(0, Math.min(e, ae) - Math.max(s, as)) : 0;
      const instruction = as >= 0 ? Math.max(0, Math.min(e, ie) - Math.max(s, is)) : 0;
      if (d.label === 1 && instruction >= need && instruction > 0) examples.push({ t, s, e, y: 1 });
      else if (overlap === 0 && negs < 24 && (starts.length <= 24 || rand() < 24 / starts.length)) {
        examples.push({ t, s, e, y: 0 });
        negs++;
      }
    } else {
      // Positive without a known span: the whole document (short tool responses) as one example.
      examples.push({ t, s: 0, e: t.count, y: 1 });
      break;
    }
  }
}
return examples;
}

/**
 * The average of `RUNS` SGD fits over different shuffles of the same examples. One SGD run
 * depends a lot on its shuffle (out-of-fold recall at 1% FPR moved by up to 30 points between
 * seeds on AgentDojo); the model is linear, so averaging weights averages the runs' logits at no
 * cost at inference.
 */
function fit(examples: Example[], rand: () => number, label: string): { w: Float32Array; bias: number } {
  const w = new Float32Array(DIM);
  let bias = 0;
  for (let r = 0; r < RUNS; r++) {
    const m = fitOnce(examples, mulberry32(Math.floor(rand() * 2 ** 32)), `${label}, run ${r + 1}/${RUNS}`);
    for (let i = 0; i < DIM; i++) w[i] = w[i]! + m.w[i]! / RUNS;
    bias += m.bias / RUNS;
  }
  return { w, bias };
}

/** Plain SGD logistic regression over window examples, seeded. */
function fitOnce(examples: Example[], rand: () => number, label: string): { w: Float32Array; bias: number } {
const pos = examples.filter((x) => x.y === 1).length;
const neg = examples.length - pos;
console.log(`${label}: window examples ${examples.length} (${pos} pos, ${neg} neg)`);
// Fisher-Yates with the seeded PRNG; class weights balance positives and negatives.
const order = examples.map((_, i) => i);
const wPos = examples.length / (2 * pos);
const wNeg = examples.length / (2 * neg);
const w = new Float32Array(DIM);
let bias = 0;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const lr = 0.05 / (1 + epoch);
  let loss = 0;
  for (const k of order) {
    const x = examples[k]!;
    let z = bias;
    const f = x.t.feats;
    for (let o = x.s * PER_TOKEN; o < x.e * PER_TOKEN; o++) z += w[f[o]!]!;
    const p = sigmoid(z);
    const cw = x.y ? wPos : wNeg;
    loss += -cw * (x.y ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12));
    const g = cw * (p - x.y) * lr;
    bias -= g;
    for (let o = x.s * PER_TOKEN; o < x.e * PER_TOKEN; o++) {
      const a = f[o]!;
      w[a] = w[a]! - g - lr * L2 * w[a]!;
    }
    w[0] = 0; // bucket 0 means no feature
  }
  console.log(`  epoch ${epoch + 1}: mean loss ${(loss / order.length).toFixed(4)}`);
}
return { w, bias };
}

const foldOf = new Map(benchmarkDocs.map((d) => [d, folds(d)]));
const oof = new Map<Doc, { score: number; modelScore: number; rules: readonly string[] }>();
// Out of fold, each fold's attacks rewritten in the fenced shapes the evaluation scores (and two
// more), and its benign documents with a run of lines fenced: judged at the pooled point below.
const fencedOof = new Map<string, RuleAndModel[]>();
/** A score as the detector judges it: did a rule fire, and the model's score (eval-metrics.ts). */
const judge = (sc: { modelScore: number; rules: readonly string[] }): RuleAndModel => ({ rule: sc.rules.length > 0, model: sc.modelScore });
const record = (name: string, j: RuleAndModel) => {
  const list = fencedOof.get(name);
  if (list) list.push(j);
  else fencedOof.set(name, [j]);
};
for (let k = 0; k < FOLDS; k++) {
  const fitDocs = benchmarkDocs.filter((d) => !foldOf.get(d)!.held.has(k));
  const m = fit(examplesOf(withFencedCopies(fitDocs, mulberry32(SEED + 201 + k)), mulberry32(SEED + 1 + k)), mulberry32(SEED + 101 + k), `fold ${k + 1}/${FOLDS}`);
  const e = encodeWeights(m.w);
  const d0 = createPromptInjectionDetector({
    model: { version: 1, dim: DIM, window: WINDOW, stride: STRIDE, bias: m.bias, scale: e.scale, weights: e.b64, threshold: 0.5 },
  });
  for (const d of benchmarkDocs) {
    if (foldOf.get(d)!.score !== k) continue;
    oof.set(d, d0.score(d.text));
    if (d.label === 1 && d.attack) {
      const attack = d.text.slice(d.attack[0], d.attack[1]);
      for (const [name, f] of [...EVAL_FENCES, ...HELD_OUT_FENCES]) record(name, judge(d0.score(d.text.slice(0, d.attack[0]) + f(attack) + d.text.slice(d.attack[1]))));
    } else if (d.label === 0) {
      // The run placed by the document's own hash: the same lines in both shapes, on every run.
      for (const [name, f] of EVAL_FENCES) record(`benign, lines in a ${name}`, judge(d0.score(withLinesFenced(d.text, mulberry32(fnv(d.text)), () => f))));
    }
  }
}
const { w, bias } = fit(examplesOf(withFencedCopies(benchmarkDocs, mulberry32(SEED + 200)), mulberry32(SEED)), mulberry32(SEED + 100), 'final (all training documents)');

// Quantise as shipped, then choose the threshold with the shipped (quantised) weights.
const enc = encodeWeights(w);
const base = { version: 1 as const, dim: DIM, window: WINDOW, stride: STRIDE, bias, scale: enc.scale, weights: enc.b64, threshold: 0.5 };
const shipped = createPromptInjectionDetector({ model: base });
for (const d of calibrationDocs) oof.set(d, shipped.score(d.text));
const scored = [...oof].map(([d, sc]) => ({ d, s: sc }));
const valDocs = [...oof.keys()];
const negatives = scored.filter((x) => x.d.label === 0);
const positives = scored.filter((x) => x.d.label === 1);
const ruleFp = negatives.filter((x) => x.s.rules.length > 0);
// The threshold keeps EVERY data set within 1% false positives on its out-of-fold negatives (the
// smallest such threshold for each, then the largest of those): a pooled 1% would let the big
// sets hide a small one's false positives, and a false positive is a blocked benign result.
let threshold = 0;
// The threshold the benchmark sets alone would give, kept in the model's metadata so that the
// evaluation can show what real mail costs at it.
let benchmarkThreshold = 0;
for (const ds of [...new Set(negatives.map((x) => x.d.dataset))].sort()) {
  const n = negatives.filter((x) => x.d.dataset === ds);
  const point = modelThresholdAtFpr(n.map((x) => judge(x.s)));
  if (point === Infinity) throw new Error(`${ds}: rule hits alone flag more than 1% of its out-of-fold negatives`);
  const top = Math.max(0, point); // -Infinity: no model-only negative beyond the budget
  // Just above that score (scores near 1 need a relative step: 1 - (1 - top) / 2).
  const t = top >= 0.999 ? 1 - (1 - top) / 2 : top + 1e-4;
  console.log(`  ${ds}: ${n.length} out-of-fold negatives, threshold for <= 1% FPR ${t.toFixed(6)}`);
  threshold = Math.max(threshold, t);
  if (ds !== 'ham') benchmarkThreshold = Math.max(benchmarkThreshold, t);
}
const flagged = (x: (typeof scored)[number]) => x.s.rules.length > 0 || x.s.modelScore >= threshold;
const tp = positives.filter(flagged).length;
const fp = negatives.filter(flagged).length;
console.log(`rule hits on out-of-fold negatives: ${ruleFp.length}/${negatives.length}`);
for (const x of ruleFp.slice(0, 10)) console.log(`  ${x.s.rules.join(',')} [${x.d.dataset}] ${x.d.text.slice(0, 100).replace(/\n/g, ' ')}`);
console.log(`threshold ${threshold.toFixed(4)}: validation recall ${(tp / positives.length).toFixed(3)}, validation FPR ${(fp / negatives.length).toFixed(4)} (${positives.length} pos, ${negatives.length} neg)`);
const judged = (x: (typeof scored)[number]) => judge(x.s);
// All benchmark sets under one threshold at <= 1% of their pooled out-of-fold negatives (ham
// aside), as the evaluation's pooled row reads the test splits: the figure to compare runs by.
{
  const bench = scored.filter((x) => x.d.dataset !== 'ham');
  const pj = bench.filter((x) => x.d.label === 1).map(judged);
  const nj = bench.filter((x) => x.d.label === 0).map(judged);
  const ps = bench.filter((x) => x.d.label === 1).map((x) => x.s.score);
  const ns = bench.filter((x) => x.d.label === 0).map((x) => x.s.score);
  // Rules always flag and the threshold sweeps the model, as the detector works (eval-metrics.ts);
  // the second figure is one ranking of the rule and model scores, as runs before 2026-11-22 printed.
  console.log(
    `pooled benchmarks: R@1%FPR ${detectorRecallAtFpr(pj, nj).toFixed(3)} (${ps.length} pos, ${ns.length} neg; one ranking of rule and model scores ${recallAtFpr(ps, ns).toFixed(3)})`,
  );
  // The fenced shapes at the same point: recall of the rewritten attacks, and the share of the
  // benign documents with fenced lines that it flags.
  const at = modelThresholdAtFpr(nj);
  const share = (l: RuleAndModel[]) => (l.filter((x) => x.rule || x.model > at).length / Math.max(1, l.length)).toFixed(3);
  // The same attacks as written (those with a known span, which the fenced rows rewrite).
  const written = bench.filter((x) => x.d.label === 1 && x.d.attack).map(judged);
  console.log(`fenced, out of fold at that point: attacks as written ${share(written)}; ${[...fencedOof].map(([name, l]) => `${name} ${share(l)}`).join('; ')}`);
  // WARDEN_TRAIN_SHOW=1: what that point misses and which benign results set it (out of fold, so
  // training-split analysis; the test splits' misses are `npm run eval`'s).
  if (process.env.WARDEN_TRAIN_SHOW === '1') {
    const t = modelThresholdAtFpr(nj);
    const missed = bench.filter((x) => x.d.label === 1 && x.s.rules.length === 0 && x.s.modelScore <= t).sort((a, b) => b.s.score - a.s.score);
    const per = new Map<string, number>();
    for (const m of missed) per.set(m.d.dataset, (per.get(m.d.dataset) ?? 0) + 1);
    const attackText = (d: Doc) => (d.attack ? d.text.slice(d.attack[0], d.attack[1]) : d.text).replace(/\s+/g, ' ').slice(0, 140);
    console.log(`  misses at the pooled 1% point (${t.toFixed(4)}): ${[...per].map(([ds, n]) => `${ds} ${n}`).join(', ')}`);
    for (const ds of [...per.keys()].sort()) {
      for (const m of missed.filter((x) => x.d.dataset === ds).slice(0, 5)) console.log(`    miss [${ds}] ${m.s.score.toFixed(3)} ${attackText(m.d)}`);
    }
    for (const x of bench.filter((x) => x.d.label === 0).sort((a, b) => b.s.score - a.s.score).slice(0, 10)) {
      console.log(`    top benign [${x.d.dataset}] ${x.s.score.toFixed(4)} ${x.d.text.replace(/\s+/g, ' ').slice(0, 140)}`);
    }
  }
}
// Per data set on the held-back part, with the shipped threshold and at ≤1% FPR within the set.
for (const ds of [...new Set(valDocs.map((d) => d.dataset))].sort()) {
  const p = positives.filter((x) => x.d.dataset === ds);
  const n = negatives.filter((x) => x.d.dataset === ds);
  console.log(
    `  ${ds.padEnd(12)} ${String(p.length).padStart(4)} pos ${String(n.length).padStart(4)} neg: recall ${(p.filter(flagged).length / Math.max(1, p.length)).toFixed(3)}` +
      ` FPR ${(n.filter(flagged).length / Math.max(1, n.length)).toFixed(3)} R@1%FPR ${detectorRecallAtFpr(p.map(judged), n.map(judged)).toFixed(3)}`,
  );
}


const model = {
  ...base,
  threshold,
  meta: {
    trainedBy: 'scripts/train-injection.ts',
    seed: SEED,
    epochs: EPOCHS,
    runs: RUNS,
    data: 'train splits: bipia *_train (300 contexts/task max, attacks ×3 per position), injecagent + agentdojo hash-split train halves (agentdojo rendered as YAML and as pretty-printed JSON), plus fenced copies of a third of the attacks and of every benign document (fitted, never scored); threshold: every data set within 1% FPR on out-of-fold scores, 3 folds by attack group and context, and SpamAssassin ham (train half, never fitted) within 1% on the shipped model; window ' + WINDOW,
    benchmarkThreshold,
    validationRecall: tp / positives.length,
    validationFpr: fp / negatives.length,
  },
};
writeFileSync(out, JSON.stringify(model) + '\n');
console.log(`wrote ${out} (${Math.round(JSON.stringify(model).length / 1024)} KB)`);
