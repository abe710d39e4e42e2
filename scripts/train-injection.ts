/**
 * Trains the prompt-injection model on the TRAINING splits of ../shared/evals and writes
 * src/guardrails/output/injection-model.json.
 *
 *   node bin/run-ts.js scripts/train-injection.ts
 *
 * Reproducible: fixed seed, deterministic data order and splits (scripts/injection-data.ts),
 * plain SGD logistic regression over hashed unigram+bigram counts of token windows
 * (src/guardrails/output/features.ts). Windows of positive documents that cover most of the
 * inserted attack are positives; windows of clean documents (and attack-free windows of
 * attacked ones) are negatives. The reporting threshold is the lowest model score at which the
 * whole detector (rules + model) stays within 1% false positives on the training negatives.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentdojo, bipia, fnv, injecagent, mulberry32, type Doc } from './injection-data.ts';
import { normalizeText } from '../src/guardrails/normalize.ts';
import { bestWindow, encodeWeights, featurize, sigmoid, windowStarts, type Tokens } from '../src/guardrails/output/features.ts';
import { createPromptInjectionDetector } from '../src/guardrails/output/injection.ts';

const SEED = 20240601;
const DIM = 1 << 17;
const WINDOW = 24;
const STRIDE = 4;
const EPOCHS = 4;
const L2 = 1e-3;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'src/guardrails/output/injection-model.json');

const allDocs: Doc[] = [...bipia('train', { maxContexts: 200, perPosition: 2 }), ...injecagent('train'), ...agentdojo('train')];
// A fifth of the training split (by hash) is held back to choose the threshold on documents the
// weights never saw; the test splits are never read here.
const isVal = (d: Doc) => fnv(`val:${d.text}`) % 5 === 0;
const docs = allDocs.filter((d) => !isVal(d));
const valDocs = allDocs.filter(isVal);
const rand = mulberry32(SEED);

interface Example { t: Tokens; s: number; e: number; y: 0 | 1 }
const examples: Example[] = [];
const tokensOf = (d: Doc) => featurize(normalizeText(d.text).toLowerCase(), DIM);
for (const d of docs) {
  const t = tokensOf(d);
  const starts = windowStarts(t.count, WINDOW, STRIDE);
  let as = -1;
  let ae = -1;
  if (d.label === 1 && d.attack) {
    for (let i = 0; i < t.count; i++) {
      if (t.starts[i]! >= d.attack[0] && as < 0) as = i;
      if (t.starts[i]! < d.attack[1]) ae = i + 1;
    }
  }
  const need = as >= 0 ? 0.6 * Math.min(ae - as, WINDOW) : 0;
  let negs = 0;
  for (const s of starts) {
    const e = Math.min(t.count, s + WINDOW);
    if (d.label === 0 || as >= 0) {
      const overlap = as >= 0 ? Math.max(0, Math.min(e, ae) - Math.max(s, as)) : 0;
      if (d.label === 1 && overlap >= need && overlap > 0) examples.push({ t, s, e, y: 1 });
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
const pos = examples.filter((x) => x.y === 1).length;
const neg = examples.length - pos;
console.log(`docs ${docs.length}; window examples ${examples.length} (${pos} pos, ${neg} neg)`);

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
    for (let i = x.s; i < x.e; i++) z += w[x.t.feats[2 * i]!]! + w[x.t.feats[2 * i + 1]!]!;
    const p = sigmoid(z);
    const cw = x.y ? wPos : wNeg;
    loss += -cw * (x.y ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12));
    const g = cw * (p - x.y) * lr;
    bias -= g;
    for (let i = x.s; i < x.e; i++) {
      const a = x.t.feats[2 * i]!;
      const b = x.t.feats[2 * i + 1]!;
      w[a] = w[a]! - g - lr * L2 * w[a]!;
      w[b] = w[b]! - g - lr * L2 * w[b]!;
    }
  }
  console.log(`epoch ${epoch + 1}: mean loss ${(loss / order.length).toFixed(4)}`);
}

// Quantise as shipped, then choose the threshold with the shipped (quantised) weights.
const enc = encodeWeights(w);
const base = { version: 1 as const, dim: DIM, window: WINDOW, stride: STRIDE, bias, scale: enc.scale, weights: enc.b64, threshold: 0.5 };
const det = createPromptInjectionDetector({ model: base });
const scored = valDocs.map((d) => ({ d, s: det.score(d.text) }));
const negatives = scored.filter((x) => x.d.label === 0);
const positives = scored.filter((x) => x.d.label === 1);
const ruleFp = negatives.filter((x) => x.s.rules.length > 0);
const allowedFp = Math.floor(negatives.length * 0.01);
const budget = Math.max(0, allowedFp - ruleFp.length);
const modelOnly = negatives.filter((x) => x.s.rules.length === 0).map((x) => x.s.modelScore).sort((a, b) => b - a);
// Smallest threshold above the (budget+1)-th highest rule-free negative score.
const threshold = Math.min(0.999, (modelOnly[budget] ?? 0) + 1e-4);
const flagged = (x: (typeof scored)[number]) => x.s.rules.length > 0 || x.s.modelScore >= threshold;
const tp = positives.filter(flagged).length;
const fp = negatives.filter(flagged).length;
console.log(`rule hits on validation negatives: ${ruleFp.length}/${negatives.length}`);
for (const x of ruleFp.slice(0, 10)) console.log(`  ${x.s.rules.join(',')} [${x.d.dataset}] ${x.d.text.slice(0, 100).replace(/\n/g, ' ')}`);
console.log(`threshold ${threshold.toFixed(4)}: validation recall ${(tp / positives.length).toFixed(3)}, train FPR ${(fp / negatives.length).toFixed(4)}`);
void bestWindow;

const model = {
  ...base,
  threshold,
  meta: {
    trainedBy: 'scripts/train-injection.ts',
    seed: SEED,
    epochs: EPOCHS,
    data: 'train splits: bipia *_train (200 contexts/task max, attacks ×2 per position), injecagent + agentdojo hash-split train halves',
    validationRecall: tp / positives.length,
    validationFpr: fp / negatives.length,
  },
};
writeFileSync(out, JSON.stringify(model) + '\n');
console.log(`wrote ${out} (${Math.round(JSON.stringify(model).length / 1024)} KB)`);
