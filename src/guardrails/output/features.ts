/**
 * Features of the learned prompt-injection model, shared by inference (injection.ts) and
 * training (scripts/train-injection.ts) so both see exactly the same numbers.
 *
 * Text is tokenised into lower-case words and short punctuation runs; each token position
 * contributes two hashed features, its unigram and the bigram with the previous token. The
 * model is a logistic regression over the counts in a window of `window` tokens; a document's
 * score is its best window, so a two-line injection inside a long e-mail or table is not
 * diluted by the rest of it. Window sums use prefix sums: linear in the text.
 */

/** 0 = space, 1 = [a-z0-9] (and A-Z, folded), 2 = anything else (punctuation, symbols, non-Latin letters). */
function charClass(c: number): 0 | 1 | 2 {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) return 1;
  if (c <= 32 || c === 0xa0 || c === 0x85 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x3000) return 0;
  return 2;
}

export interface Tokens {
  /** Feature index pairs per token position: [unigram, bigram]. */
  readonly feats: Uint32Array;
  /** Start offset of each token in the tokenised text. */
  readonly starts: Uint32Array;
  readonly count: number;
}


/**
 * Tokenises already normalised text into hashed feature indices for `dim` buckets (every token
 * of it: the stage bounds how much text reaches a detector, so nothing is dropped). ASCII
 * letters are folded to lower case here; text with other upper-case letters must be lower-cased
 * by the caller (String#toLowerCase), so ASCII text needs no lower-cased copy: runs of [a-z0-9] are words; runs of other non-space characters are punctuation
 * tokens hashed on their first three characters (table rules, ascii art). One pass over the
 * characters with the FNV-1a hash computed inline: no regex, no substrings.
 */
export function featurize(text: string, dim: number): Tokens {
  const lower = text;
  const mask = dim - 1;
  const cap = lower.length;
  const feats = new Uint32Array(cap * 2);
  const starts = new Uint32Array(cap);
  let n = 0;
  let prev = 0x9e3779b9;
  let i = 0;
  const len = lower.length;
  while (i < len && n < cap) {
    const k = charClass(lower.charCodeAt(i));
    if (k === 0) {
      i++;
      continue;
    }
    const start = i;
    let h = 0x811c9dc5;
    let taken = 0;
    let c = lower.charCodeAt(i);
    while (i < len && charClass(c) === k) {
      if (k === 1 || taken < 3) {
        h ^= c >= 65 && c <= 90 ? c + 32 : c;
        h = Math.imul(h, 0x01000193);
        taken++;
      }
      c = lower.charCodeAt(++i);
    }
    h >>>= 0;
    feats[2 * n] = h & mask;
    feats[2 * n + 1] = (Math.imul(prev ^ 0x5bd1e995, 31) ^ h) & mask;
    starts[n] = start;
    prev = h;
    n++;
  }
  return { feats, starts, count: n };
}

/** Window start positions for `count` tokens: every `stride`, plus one ending at the last token. */
export function windowStarts(count: number, window: number, stride: number): number[] {
  if (count <= window) return [0];
  const out: number[] = [];
  for (let s = 0; s + window < count; s += stride) out.push(s);
  out.push(count - window);
  return out;
}

/**
 * The best window of a document: its logit and token range. `weights` has `dim` entries.
 */
export function bestWindow(
  t: Tokens,
  weights: Float32Array,
  bias: number,
  window: number,
  stride: number,
): { logit: number; start: number; end: number } {
  if (t.count === 0) return { logit: bias, start: 0, end: 0 };
  const prefix = new Float64Array(t.count + 1);
  for (let i = 0; i < t.count; i++) prefix[i + 1] = prefix[i]! + weights[t.feats[2 * i]!]! + weights[t.feats[2 * i + 1]!]!;
  let best = -Infinity;
  let bs = 0;
  let be = 0;
  for (const s of windowStarts(t.count, window, stride)) {
    const e = Math.min(t.count, s + window);
    const v = prefix[e]! - prefix[s]!;
    if (v > best) {
      best = v;
      bs = s;
      be = e;
    }
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
