/**
 * Features of the learned prompt-injection model, shared by inference (injection.ts) and
 * training (scripts/train-injection.ts) so both see exactly the same numbers.
 *
 * Text is tokenised into lower-case words and short punctuation runs; each token position
 * contributes hashed features: its unigram, the bigram with the previous token, for the first
 * word of a sentence that word and whether it is an imperative verb (and a task verb), the shape
 * of its line after the previous line's (prose, table row, indented, fence), whether the token
 * occurs only once in the whole text, and, within an imperative sentence, the word again as a
 * feature of its own (see `featurize`). The line shape and novelty describe the carrier rather
 * than the attack: an instruction inserted into an e-mail or a table is foreign to it (a prose line
 * among table rows; words the rest of the text never uses), whatever the instruction asks, so
 * they carry over to kinds of attack the training data does not contain. The
 * model is a logistic regression over the counts in a window of `window` tokens; a document's
 * score is its best window, so a two-line injection inside a long e-mail or table is not
 * diluted by the rest of it. Window sums use prefix sums: linear in the text.
 */

import { codeUnits } from '../code-units.ts';

/** 0 = space, 1 = [a-z0-9] (and A-Z, folded), 2 = anything else (punctuation, symbols, non-Latin letters). */
function classOf(c: number): 0 | 1 | 2 {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) return 1;
  if (c <= 32 || c === 0xa0 || c === 0x85 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x3000) return 0;
  return 2;
}
/** Set in `UNIT_CLASS` on the punctuation that ends a sentence: `. ! ? : |`. */
const ENDS = 4;
/**
 * `classOf` of every UTF-16 code unit, with `ENDS` added on sentence punctuation, built once at
 * load (64 KiB): the tokeniser reads it once per character, where testing the ranges cost a
 * chain of comparisons per non-ASCII character.
 */
const UNIT_CLASS = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) UNIT_CLASS[c] = classOf(c);
for (const c of '.!?:|') UNIT_CLASS[c.charCodeAt(0)]! |= ENDS;

/**
 * Features per token position: unigram, bigram, sentence-initial word, imperative shape, task
 * verb, line shape, novelty, and the word as part of an imperative.
 */
export const PER_TOKEN = 8;

export interface Tokens {
  /**
   * `PER_TOKEN` feature indices per token position: [unigram, bigram, sentence-initial word or 0,
   * imperative shape or 0, task verb or 0, line shape, novelty or 0, word within an imperative or
   * 0]. Bucket 0 is never a hashed feature and has weight 0, so an absent feature costs one add of
   * zero rather than a branch.
   * Empty when `featurize` was given weights (then `prefix` holds what inference needs).
   */
  readonly feats: Uint32Array;
  /**
   * With weights: prefix sums of the tokens' feature weights, `prefix[i]` = the sum over tokens
   * before `i` (inference keeps no features, and window sums are differences of two entries).
   * With weights, `prefix` and `starts` are views of buffers the next such call reuses.
   */
  readonly prefix?: Float64Array;
  /** Start offset of each token in the tokenised text. */
  readonly starts: Uint32Array;
  readonly count: number;
}

/** FNV-1a of a lower-case ASCII word, as computed inline by `featurize`. */
function wordHash(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) {
    h ^= w.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Common English verbs in their base form: a sentence that starts with one (after an optional
 * "please", "also"…) is an imperative aimed at the reader, the commonest shape of an injected
 * instruction. A general lexicon, not one learned from the attack data, so the model can weigh the
 * shape itself and recognise imperatives whose verb it never saw in training.
 */
const VERBS = (
  'add adapt adjust adopt answer append apply approve arrange ask assess assign attach avoid book bring build buy ' +
  'calculate call cancel change check choose clarify classify click close collect combine compare compile complete ' +
  'compose compute confirm connect consider construct contact continue convert copy correct count create debug ' +
  'define delete deliver describe design detail determine develop discuss display do download draft draw edit ' +
  'elaborate email embed emphasize employ enable encourage end enhance ensure enter estimate evaluate examine execute ' +
  'expand explain explore export extract fetch fill find finish fix focus follow forget format forward gather generate ' +
  'get give go grant guess help highlight identify ignore illustrate imagine implement import improve include incorporate ' +
  'indicate insert install integrate introduce invent invite keep label launch leave let list locate log look make ' +
  'mark mention merge modify move name note notify offer open order organize outline output paraphrase pass paste pay ' +
  'perform pick place plan play post predict prepare present print proceed produce propose provide publish put query ' +
  'rank rate read rearrange recall recommend record reduce refactor refer reformat remember remind remove rename render ' +
  'reorder repeat rephrase replace reply report request reserve reset respond restate return reveal review rewrite run ' +
  'save say schedule search select sell send set share show sign simplify sing solve sort specify spell start state ' +
  'stop store submit suggest summarize summarise supply switch take talk teach tell test think transfer transform translate ' +
  'try turn type update upload use utilize verify visit wait write'
)
  .split(' ')
  .map(wordHash);
const VERB_SET = new Set(VERBS);
/**
 * Task verbs: the action verbs of the revised Bloom's taxonomy (Anderson & Krathwohl, 2001), the
 * verbs of tasks set to a learner, which is what an injected instruction sets the model. Again a
 * general list, so a task the training data never asked for still looks like a task.
 */
const TASK_VERBS = new Set(
  (
    'analyse analyze appraise argue arrange assemble assess calculate categorize categorise choose cite classify collect ' +
    'compare compile compose compute conclude construct contrast convert create critique debate decide deduce defend define ' +
    'demonstrate derive describe design detect determine develop devise diagram differentiate discover discriminate discuss ' +
    'distinguish draft duplicate elaborate estimate evaluate examine experiment explain express extrapolate formulate ' +
    'generalize generalise generate hypothesize identify illustrate infer integrate interpret invent investigate judge justify ' +
    'list locate match memorize modify name order organize organise outline paraphrase plan predict prioritize produce prove ' +
    'propose rank rate recall recite recognize recommend reconstruct relate reorganize rephrase report reproduce research ' +
    'restate review revise rewrite schedule select separate sequence simulate sketch solve state structure suggest summarize ' +
    'summarise support synthesize tabulate teach test translate verify write'
  )
    .split(' ')
    .map(wordHash),
);
/** Words that may precede the verb of an imperative without ending its "sentence start". */
const LEADS = new Set('please kindly also now then and just first finally additionally next lastly so'.split(' ').map(wordHash));
const YOU = new Set('you your yours yourself'.split(' ').map(wordHash));
/**
 * Keywords that open lines of code: inside a ``` fence, a sentence that starts with one is code,
 * not a sentence (`import requests` is not an order). Keywords only, so an instruction written
 * inside a fence keeps its features unless it opens with one; of these, only "import" also opens
 * English orders ("Import the contacts…"), kept because it opens most benign code answers' lines.
 * (export, include, let, require… are left out: English verbs an attack may open with.)
 */
const CODE_OPENERS = new Set('import def class const var function elif lambda namespace struct fn func async'.split(' ').map(wordHash));
/** Leads that make the next word the verb of a request, whatever it is (see `featurize`). */
const POLITE_WORDS = new Set(['please', 'kindly'].map(wordHash));
/** The word lists as bit flags in one map, so a sentence-initial word costs one lookup. */
const VERB = 1;
const TASK = 2;
const LEAD = 4;
const POLITE = 8;
const CODE = 16;
// An open-addressing table (hash → flags) rather than a Map: the tokeniser looks up every
// sentence-initial word, which on punctuation-dense text is every other token.
const FLAG_SLOTS = 2048;
const flagKeys = new Uint32Array(FLAG_SLOTS);
const flagVals = new Uint8Array(FLAG_SLOTS);
function addFlag(h: number, bit: number): void {
  let j = (Math.imul(h, 0x9e3779b1) >>> 21) & (FLAG_SLOTS - 1);
  while (flagVals[j] !== 0 && flagKeys[j] !== h) j = (j + 1) & (FLAG_SLOTS - 1);
  flagKeys[j] = h;
  flagVals[j]! |= bit;
}
function wordFlags(h: number): number {
  let j = (Math.imul(h, 0x9e3779b1) >>> 21) & (FLAG_SLOTS - 1);
  for (;;) {
    const v = flagVals[j]!;
    if (v === 0) return 0;
    if (flagKeys[j] === h) return v;
    j = (j + 1) & (FLAG_SLOTS - 1);
  }
}
for (const h of VERB_SET) addFlag(h, VERB);
for (const h of TASK_VERBS) addFlag(h, TASK);
for (const h of LEADS) addFlag(h, LEAD);
for (const h of POLITE_WORDS) addFlag(h, POLITE);
for (const h of CODE_OPENERS) addFlag(h, CODE);

/**
 * Tokenises already normalised text into hashed feature indices for `dim` buckets (every token
 * of it: the stage bounds how much text reaches a detector, so nothing is dropped). ASCII
 * letters are folded to lower case here; text with other upper-case letters must be lower-cased
 * by the caller (String#toLowerCase), so ASCII text needs no lower-cased copy: runs of [a-z0-9]
 * are words; runs of other non-space characters are punctuation tokens hashed on their first
 * three characters (table rules, ascii art). A newline or a punctuation run with `. ! ? : |`
 * starts a sentence; the first word of a sentence gets its own feature, and an imperative (a
 * sentence starting with a base-form verb, or with any word after "please" or "kindly") marks its
 * verb and any "you/your" in it. Inside a ``` fence, a sentence that opens with a code keyword
 * (`CODE_OPENERS`: `import`, `def`, `class`…) is code and gets none of these. Every token carries
 * the shape of its line after the shape of the previous non-empty line, and a token whose unigram
 * occurs once in the text is marked novel. One pass over the characters with the FNV-1a hash
 * computed inline (no regex, no substrings) that also stamps each unigram's occurrences, then one
 * pass over the tokens to mark the novel ones: linear in the text.
 */
export function featurize(text: string, dim: number, weights?: Float32Array, given?: Uint16Array): Tokens {
  const lower = text;
  // Code units in a typed array (`given` when the caller already made them, as the detector does
  // for its keyword gate): the loop stays monomorphic whatever kind of string V8 made.
  const codes = given ?? codeUnits(text);
  const mask = dim - 1;
  // The arrays are sized exactly by a first pass counting tokens (runs of one non-space class),
  // cheaper than growing them: on token-dense text growth by doubling copied and zeroed twice
  // what it kept. With `weights` (inference), each token keeps only its unigram and the sum of
  // its features' weights instead of seven feature indices: a third of the memory traffic.
  const w = weights;
  // Novelty: a token whose unigram occurs nowhere else in the text. Occurrence stamps per bucket
  // carry this call's generation, so the array is never cleared token by token.
  if (seenStamps.length !== dim || seenGen === 0x7fff) {
    seenStamps = new Uint16Array(dim);
    seenGen = 0;
  }
  const seen = seenStamps;
  const gen = ++seenGen;
  const g2 = gen << 1;
  let feats: Uint32Array;
  let sums: Float64Array | undefined;
  let starts: Uint32Array;
  if (w) {
    // Inference: reused buffers sized by the text (a token is at least one character), which the
    // caller reads before its next call: fresh multi-megabyte arrays cost page faults and zeroing
    // on every large scan.
    // Token i's weight sum goes to sums[i + 1], turned into prefix sums at the end.
    const b = inferenceBuffers(text.length);
    feats = b.feats;
    sums = b.sums;
    starts = b.starts;
    sums[0] = 0;
  } else {
    // Training keeps its tokens, so they get arrays of their own, sized exactly by a first pass.
    let cap = 0;
    for (let i = 0, was = 0; i < lower.length; i++) {
      const k = UNIT_CLASS[codes[i]!]! & 3;
      if (k !== 0 && k !== was) cap++;
      was = k;
    }
    feats = new Uint32Array(cap * PER_TOKEN);
    starts = new Uint32Array(cap);
  }
  const verbF = (0x3c6ef372 & mask) || 1;
  const youF = (0x1b873593 & mask) || 1;
  const taskF = (0x2545f491 & mask) || 1;
  const novelF = (0x61c88647 & mask) || 1;
  // Line shapes: 0 none yet, 1 prose, 2 table row (starts with |), 3 indented (4+ spaces), 4 fence (`).
  let shape = 0;
  let prevShape = 0; // of the previous non-empty line
  let lineStart = true;
  let lineIndent = 0;
  let shapeF = 0;
  let wShape = 0;
  let n = 0;
  let prev = 0x9e3779b9;
  let i = 0;
  let sos = true; // the next word starts a sentence
  let imperative = false; // the current sentence starts with a verb
  let polite = false; // the sentence so far is leads, one of them "please" or "kindly"
  let inFence = false; // after a line starting with ```, up to the next such line
  const len = lower.length;
  while (i < len) {
    let c = codes[i]!;
    let cls = UNIT_CLASS[c]!;
    const k = cls & 3;
    if (k === 0) {
      if (c === 10) {
        sos = true;
        polite = false;
        if (!lineStart) prevShape = shape;
        lineStart = true;
        lineIndent = 0;
      } else if (lineStart) lineIndent++;
      i++;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      shape = c === 124 ? 2 : c === 96 ? 4 : lineIndent >= 4 ? 3 : 1;
      if (c === 96 && codes[i + 1] === 96 && codes[i + 2] === 96) inFence = !inFence;
      shapeF = (Math.imul((prevShape * 8 + shape) ^ 0x7f4a7c15, 0x9e3779b1) & mask) || 1;
      if (w) wShape = w[shapeF]!;
    }
    const start = i;
    let h = 0x811c9dc5;
    let taken = 0;
    let ends = false;
    // The run of class k from `start` (whose first unit is c).
    for (;;) {
      if (k === 1 || taken < 3) {
        h ^= c >= 65 && c <= 90 ? c + 32 : c;
        h = Math.imul(h, 0x01000193);
        taken++;
      }
      if (k === 2 && (cls & ENDS) !== 0) ends = true;
      if (++i >= len) break;
      c = codes[i]!;
      cls = UNIT_CLASS[c]!;
      if ((cls & 3) !== k) break;
    }
    h >>>= 0;
    const uni = (h & mask) || 1;
    const bi = ((Math.imul(prev ^ 0x5bd1e995, 31) ^ h) & mask) || 1;
    let first = 0;
    let verb = 0;
    let task = 0;
    if (k === 2) {
      if (ends) {
        sos = true;
        imperative = false;
        polite = false;
      }
    } else if (sos && inFence && (wordFlags(h) & CODE) !== 0) {
      // A code keyword opening a sentence inside a fence: code, not a sentence (CODE_OPENERS).
      sos = false;
      imperative = false;
      polite = false;
    } else if (sos) {
      first = (Math.imul(h ^ 0x27d4eb2d, 0x165667b1) & mask) || 1;
      const fl = wordFlags(h);
      // After "please" or "kindly", any word is the verb of a request ("Please unlock my front
      // door."): the politeness marks the imperative where the verb list does not know the verb.
      // Other leads in between keep it ("please just unlock") and are not the verb themselves.
      const lead = (fl & LEAD) !== 0;
      imperative = (fl & VERB) !== 0 || (polite && !lead);
      polite = (fl & POLITE) !== 0 || (polite && lead);
      if (imperative) verb = verbF;
      if (fl & TASK) task = taskF;
      sos = lead;
    } else if (imperative && YOU.has(h)) {
      verb = youF;
    }
    // Inside an imperative sentence, each word (from the verb on) also counts as its own feature, so
    // the model can weigh a word by whether it is part of a command ("your response" in "Translate
    // your response", "attached" in "Please find attached") apart from its weight in prose.
    const imp = imperative && k === 1 && !sos ? (Math.imul(h ^ 0x85ebca6b, 0xc2b2ae35) & mask) || 1 : 0;
    if (w) {
      feats[n] = uni;
      // Most tokens have no sentence-initial, verb or task feature (bucket 0, weight 0): their
      // weights are read only when set, and the line's shape weight once per line.
      let sum = w[uni]! + w[bi]! + wShape + w[imp]!;
      if (first | verb) sum += w[first]! + w[verb]! + w[task]!;
      sums![n + 1] = sum;
    } else {
      const o = PER_TOKEN * n;
      feats[o] = uni;
      feats[o + 1] = bi;
      feats[o + 2] = first;
      feats[o + 3] = verb;
      feats[o + 4] = task;
      feats[o + 5] = shapeF;
      feats[o + 7] = imp;
    }
    starts[n] = start;
    prev = h;
    n++;
    // Occurrences of the unigram in this call: stamp = generation * 2 + (1 if seen twice or more).
    const st = seen[uni]!;
    seen[uni] = st >>> 1 === gen ? g2 | 1 : g2;
  }
  if (w) {
    // Novelty and the running total in one pass.
    const wn = w[novelF]!;
    const p = sums!;
    let acc = 0;
    for (let t = 0; t < n; t++) {
      acc += p[t + 1]! + (seen[feats[t]!] === g2 ? wn : 0);
      p[t + 1] = acc;
    }
  } else for (let t = 0, o = 0; t < n; t++, o += PER_TOKEN) if (seen[feats[o]!] === g2) feats[o + 6] = novelF;
  return w ? { feats: EMPTY, prefix: sums!.subarray(0, n + 1), starts: starts.subarray(0, n), count: n } : { feats, starts, count: n };
}

const EMPTY = new Uint32Array(0);
/**
 * Inference buffers are kept between calls up to this many tokens (16 bytes each: 16 MiB after a
 * 1 MiB scan; the stage hands a detector at most 256 KiB); larger texts get their own.
 */
const KEEP_TOKENS = (1 << 20) + (1 << 16);
let kept: { feats: Uint32Array; sums: Float64Array; starts: Uint32Array } | undefined;
function inferenceBuffers(maxTokens: number): { feats: Uint32Array; sums: Float64Array; starts: Uint32Array } {
  if (kept && kept.starts.length >= maxTokens) return kept;
  const size = Math.max(1 << 12, Math.ceil(maxTokens / (1 << 16)) * (1 << 16));
  const b = { feats: new Uint32Array(size), sums: new Float64Array(size + 1), starts: new Uint32Array(size) };
  if (size <= KEEP_TOKENS) kept = b;
  return b;
}

/**
 * Occurrence stamps per unigram bucket, reused by `featurize` (synchronous, so never shared):
 * `generation * 2`, plus 1 once the bucket occurs again in the same call. A new generation per
 * call stands for clearing; the array is replaced when the 15-bit generation runs out.
 */
let seenStamps = new Uint16Array(0);
let seenGen = 0;

/** Window start positions for `count` tokens: every `stride`, plus one ending at the last token. */
export function windowStarts(count: number, window: number, stride: number): number[] {
  if (count <= window) return [0];
  const out: number[] = [];
  for (let s = 0; s + window < count; s += stride) out.push(s);
  out.push(count - window);
  return out;
}

/**
 * The best window of a document: its logit and token range. `weights` has `dim` entries (the
 * ones `t` was scored with, when it was).
 */
export function bestWindow(
  t: Tokens,
  weights: Float32Array,
  bias: number,
  window: number,
  stride: number,
): { logit: number; start: number; end: number } {
  if (t.count === 0) return { logit: bias, start: 0, end: 0 };
  let prefix = t.prefix;
  if (!prefix) {
    prefix = new Float64Array(t.count + 1);
    const f = t.feats;
    for (let i = 0, o = 0; i < t.count; i++, o += PER_TOKEN) {
      prefix[i + 1] =
        prefix[i]! + weights[f[o]!]! + weights[f[o + 1]!]! + weights[f[o + 2]!]! + weights[f[o + 3]!]! + weights[f[o + 4]!]! + weights[f[o + 5]!]! + weights[f[o + 6]!]! + weights[f[o + 7]!]!;
    }
  }
  const pre = prefix;
  // The windows of `windowStarts`, walked without building the list.
  const n = t.count;
  let best = -Infinity;
  let bs = 0;
  let be = 0;
  const consider = (s: number): void => {
    const e = Math.min(n, s + window);
    const v = pre[e]! - pre[s]!;
    if (v > best) {
      best = v;
      bs = s;
      be = e;
    }
  };
  if (n <= window) consider(0);
  else {
    for (let s = 0; s + window < n; s += stride) consider(s);
    consider(n - window);
  }
  return { logit: bias + best, start: bs, end: be };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Weights ship as little-endian int16 in base64 with one scale factor (a few hundred KB). */
export function decodeWeights(b64: string, scale: number, dim: number): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  const w = new Float32Array(dim);
  for (let i = 0; i < dim; i++) w[i] = buf.readInt16LE(2 * i) * scale;
  return w;
}

export function encodeWeights(w: Float32Array): { b64: string; scale: number } {
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const scale = max > 0 ? max / 32767 : 1;
  const buf = Buffer.alloc(w.length * 2);
  for (let i = 0; i < w.length; i++) buf.writeInt16LE(Math.round(w[i]! / scale), 2 * i);
  return { b64: buf.toString('base64'), scale };
}
