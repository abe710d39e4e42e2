/**
 * Data-flow fingerprints: compact hashes of text returned by private tools, so a later sink
 * call that reuses the text can be noticed without keeping the text itself.
 *
 * Two kinds of 32-bit fingerprints:
 * - word shingles: k consecutive normalised words, hashed order-insensitively within the shingle,
 *   winnowed (Schleimer et al. 2003) on the source side: any run of ≥ window+k-1 shared words is
 *   found while only ~2/(window+1) of the hashes are kept;
 * - identifier tokens: e-mail addresses, digit runs of ≥ 6 digits (phones, IBANs, card numbers,
 *   separators ignored; also the last seven digits, so a dropped country code still matches), and mixed letter+digit tokens of ≥ 6 characters. These survive
 *   paraphrase, so one of them reappearing is enough.
 * Normalisation ("paraphrase-resistant-ish"): NFKC, case and accents folded, punctuation dropped,
 * stop words dropped, crude suffix stemming. Sink arguments are also decoded (URL-encoding,
 * base64, hex, nested up to two levels) before hashing, and probed both per value and joined, so
 * text split across arguments is still found.
 */

import { nfkc } from '../shared/unicode.ts';

const STOP = new Set(
  ('a an the and or but if of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very can will just should now is are was were be been being have has had having do does did doing i me my we our you your he him his she her it its they them their what which who whom this that these those am would could also please kindly ok okay hi hello dear thanks thank regards via per as'
  ).split(' '),
);

/** FNV-1a over a string, 32-bit. */
function fnv(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit finaliser (murmur3 fmix) so sums of hashes stay well spread. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const MARKS = /\p{M}+/gu;
const ASCII = /^[\x00-\x7f]*$/;
const EMAIL = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/g;
const DIGITRUN = /\d[\d\s().\/-]{4,}\d/g;
const LETTER = /[\p{L}\p{N}]/u;

/** Case, width and accent folding (ASCII text takes a fast path). */
export function fold(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  // Marks go anyway; a run of them is cut first (normalising one costs time quadratic in its length).
  return nfkc(text).toLowerCase().normalize('NFD').replace(MARKS, '');
}

function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && (w.endsWith('ed') || w.endsWith('es') || w.endsWith('ly'))) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

const ID_SEED = 0x9e3779b9;

/** Character classes for the scanner: 1 letter, 2 digit, 3 joiner (_ -), 0 other. */
function cls(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 97 && c <= 122) return 1;
  if (c >= 48 && c <= 57) return 2;
  if (c === 95 || c === 45) return 3;
  if (c < 128) return 0;
  return LETTER.test(s[i]!) ? 1 : 0;
}

/**
 * One pass over a folded text: content words (stop words dropped, stemmed) into `ws`, and
 * identifier hashes (mixed letter+digit tokens of ≥ 6 characters, joiners ignored; e-mails;
 * digit runs of ≥ 6 digits) into `ids`.
 */
export function scan(folded: string, ws: string[], ids: number[]): void {
  const n = folded.length;
  let i = 0;
  let digits = 0;
  while (i < n) {
    let c = cls(folded, i);
    if (c === 0) {
      i++;
      continue;
    }
    // A run of letters, digits and joiners: an identifier candidate; its parts are words.
    const runStart = i;
    let hasL = false;
    let hasD = false;
    let wordStart = -1;
    for (; i <= n; i++) {
      c = i < n ? cls(folded, i) : 0;
      if (c === 1 || c === 2) {
        if (c === 1) hasL = true;
        else (hasD = true, digits++);
        if (wordStart < 0) wordStart = i;
        continue;
      }
      if (wordStart >= 0) {
        const w = folded.slice(wordStart, i);
        if (w.length >= 2 && !STOP.has(w)) ws.push(stem(w));
        wordStart = -1;
      }
      if (c !== 3) break;
    }
    if (hasL && hasD && i - runStart >= 6) {
      const tok = folded.slice(runStart, i).replace(/[_-]/g, '');
      if (tok.length >= 6) ids.push(fnv(tok, ID_SEED));
    }
  }
  if (folded.includes('@')) for (const m of folded.matchAll(EMAIL)) ids.push(fnv(m[0], ID_SEED));
  if (digits >= 6) {
    for (const m of folded.matchAll(DIGITRUN)) {
      const d = m[0].replace(/\D/g, '');
      if (d.length >= 6) ids.push(fnv(d, ID_SEED));
      // The last seven digits too, so "+1 (555) 201-7788" and "555 201 7788" meet.
      if (d.length > 7) ids.push(fnv(d.slice(-7), ID_SEED));
    }
  }
}

/** Normalised content words of a folded text. */
export function words(folded: string): string[] {
  const ws: string[] = [];
  scan(folded, ws, []);
  return ws;
}

/** Hashes of identifier-like tokens (e-mails, long digit runs, mixed ids) in a folded text. */
export function identifierHashes(folded: string, out: number[] = []): number[] {
  scan(folded, [], out);
  return out;
}

/** All k-word shingle hashes (order-insensitive within a shingle) of a word list. */
export function shingleHashes(ws: readonly string[], k: number, out: number[] = []): number[] {
  if (ws.length === 0) return out;
  const hs = ws.map((w) => mix(fnv(w)));
  if (hs.length < k) {
    // A text shorter than one shingle: hash it whole, so short private values still count.
    let s = 0;
    for (const h of hs) s = (s + h) >>> 0;
    out.push(mix(s ^ hs.length));
    return out;
  }
  let sum = 0;
  for (let i = 0; i < k; i++) sum = (sum + hs[i]!) >>> 0;
  out.push(mix(sum ^ k));
  for (let i = k; i < hs.length; i++) {
    sum = (sum + hs[i]! - hs[i - k]!) >>> 0;
    out.push(mix(sum ^ k));
  }
  return out;
}

/** Winnowing: the minimum of every window of `w` consecutive hashes (rightmost on ties), deduplicated. */
export function winnow(hs: readonly number[], w: number): number[] {
  if (hs.length <= w) return [...new Set(hs)];
  const out = new Set<number>();
  for (let i = 0; i + w <= hs.length; i++) {
    let min = hs[i]!;
    for (let j = i + 1; j < i + w; j++) if (hs[j]! <= min) min = hs[j]!;
    out.add(min);
  }
  return [...out];
}

const PRINTABLE = /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/;
const B64RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEXRUN = /(?:[0-9a-fA-F]{2}){8,}/g;
const PCT = /%[0-9a-fA-F]{2}/;

function printable(s: string): boolean {
  if (s.length === 0 || s.includes('\ufffd')) return false;
  return PRINTABLE.test(s);
}

/** True when the text has a run of ≥ 16 base64/hex-alphabet characters (cheap pre-check). */
function hasLongRun(v: string): boolean {
  let run = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const inAlpha = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 95 || c === 45 || c === 61;
    run = inAlpha ? run + 1 : 0;
    if (run >= 16) return true;
  }
  return false;
}

/** Decoded variants of a value (URL-encoding, base64, hex), up to `depth` levels deep. */
export function decodedVariants(value: string, depth = 2, budget = { chars: 262_144 }): string[] {
  const out: string[] = [];
  const pct = value.includes('%') && PCT.test(value);
  if (!pct && !hasLongRun(value)) return out;
  const add = (s: string) => {
    if (budget.chars <= 0 || !printable(s)) return;
    budget.chars -= s.length;
    out.push(s);
    if (depth > 1) out.push(...decodedVariants(s, depth - 1, budget));
  };
  if (pct) {
    try {
      add(decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      /* malformed escapes: nothing to decode */
    }
  }
  for (const m of value.matchAll(HEXRUN)) add(Buffer.from(m[0], 'hex').toString('utf8'));
  for (const m of value.matchAll(B64RUN)) {
    if (/^[0-9a-fA-F]+$/.test(m[0])) continue; // hex, handled above
    add(Buffer.from(m[0], m[0].includes('-') || m[0].includes('_') ? 'base64url' : 'base64').toString('utf8'));
  }
  return out;
}

export interface FingerprintOptions {
  readonly shingle: number;
  readonly window: number;
  readonly maxChars: number;
}

/** Fingerprints for storage and for probing, with the options fixed at load. */
export interface Fingerprinter {
  /** Winnowed shingles and identifier hashes of a source text (a private tool's result). */
  source(text: string): { shingles: number[]; ids: number[] };
  /** Every shingle and identifier hash of sink argument values, decoded variants included. */
  probe(values: readonly string[]): { shingles: Set<number>; ids: Set<number> };
}

export function createFingerprinter(opts: FingerprintOptions): Fingerprinter {
  const { shingle: k, window: w, maxChars } = opts;
  return {
    source(text) {
      const ws: string[] = [];
      const ids: number[] = [];
      scan(fold(text.length > maxChars ? text.slice(0, maxChars) : text), ws, ids);
      return { shingles: winnow(shingleHashes(ws, k), w), ids: [...new Set(ids)] };
    },
    probe(values) {
      // The values' words are concatenated in argument order, so shingles that span two
      // arguments (text split across them) exist too; decoded variants are shingled apart.
      const ws: string[] = [];
      const ids: number[] = [];
      const decoded: string[] = [];
      let budget = maxChars;
      for (const v of values) {
        if (budget <= 0) break;
        const s = v.length > budget ? v.slice(0, budget) : v;
        budget -= s.length;
        scan(fold(s), ws, ids);
        decoded.push(...decodedVariants(s, 2, { chars: maxChars }));
      }
      const shingles = shingleHashes(ws, k);
      for (const d of decoded) {
        const dws: string[] = [];
        scan(fold(d), dws, ids);
        shingleHashes(dws, k, shingles);
      }
      return { shingles: new Set(shingles), ids: new Set(ids) };
    },
  };
}

/** String leaves (and numbers, as text) of a JSON value, depth-first, bounded. */
export function stringLeaves(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 32 || out.length > 10_000) return out;
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'bigint') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) stringLeaves(x, out, depth + 1);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stringLeaves(x, out, depth + 1);
  return out;
}

/** The text a CallToolResult carries: text content, resource text and structured content. */
export function resultText(result: Record<string, unknown> | undefined): string {
  if (!result) return '';
  const parts: string[] = [];
  const content = result.content;
  if (Array.isArray(content)) {
    for (const c of content) {
      if (c && typeof c === 'object') {
        const o = c as Record<string, unknown>;
        if (typeof o.text === 'string') parts.push(o.text);
        const r = o.resource as Record<string, unknown> | undefined;
        if (r && typeof r.text === 'string') parts.push(r.text);
      }
    }
  }
  if (result.structuredContent !== undefined) stringLeaves(result.structuredContent, parts);
  return parts.join('\n');
}
