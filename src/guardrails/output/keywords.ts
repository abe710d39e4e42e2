/**
 * Aho-Corasick keyword matcher: finds every occurrence of any of a set of lower-case keywords in
 * one linear pass. The secrets detector uses it as gitleaks does its keyword prefilter, so only
 * the few rules whose keywords occur in a text ever run their regex, at a cost independent of
 * the number of rules; the prompt-injection detector uses it to gate its rule regexes.
 *
 * Built once into a dense DFA (failure links resolved at build time) over a compact alphabet:
 * the characters that occur in some keyword, plus one class for everything else. Upper-case
 * ASCII shares its lower-case letter's class, so callers need not lower-case the text first.
 * Scanning is one table lookup and one comparison per character: no maps, no failure-link loops;
 * the only allocation is the copy of the text's code units (see code-units.ts).
 */

import { codeUnits, transientCodeUnits } from '../code-units.ts';

export interface KeywordMatcher {
  /**
   * Occurrences grouped per keyword into clusters, runs of occurrences each at most `gap`
   * characters after the one before: calls `cluster(keyword, firstStart, lastStart)` once per
   * cluster, a keyword's clusters in order, different keywords' interleaved in no set order.
   * For callers that want regions around occurrences (one call per region, not per occurrence).
   * `cluster` must not itself call `transientCodeUnits`: the pass reads the text's units from it.
   */
  clusters(text: string, gap: number, cluster: (keyword: number, first: number, last: number) => void): void;
  /**
   * First start offset of each keyword in `text`, -1 where absent (`codes`: its code units, when
   * the caller has them), in an array the matcher reuses: valid until its next `first`. With
   * `record`, the same pass also appends the start of every occurrence of each keyword `k` with
   * `record.mask[k] === 1` to `record.starts[k]`, in order (the list made at its first
   * occurrence: a keyword that does not occur has none).
   */
  first(text: string, codes?: Uint16Array, record?: { readonly mask: Uint8Array; readonly starts: (number[] | undefined)[] }): Int32Array;
  /** True when any keyword occurs in `text` (stops at the first occurrence). */
  some(text: string): boolean;
}

/** Texts up to this long are checked for any keyword before `clusters` sets up its scan. */
const SHORT_TEXT = 256;

export function createKeywordMatcher(keywords: readonly string[]): KeywordMatcher {
  // Alphabet: class 0 for "no keyword has this character"; ASCII upper folds to lower.
  const cls = new Uint16Array(65536);
  let alpha = 1;
  for (const kw of keywords) {
    for (let i = 0; i < kw.length; i++) {
      const c = kw.charCodeAt(i);
      if (cls[c] === 0) cls[c] = alpha++;
    }
  }
  for (let c = 65; c <= 90; c++) if (cls[c] === 0 && cls[c + 32] !== 0) cls[c] = cls[c + 32]!;

  // Trie with sparse children first, then failure links breadth-first, then the dense table.
  const kids: Map<number, number>[] = [new Map()];
  const outs: number[][] = [[]];
  keywords.forEach((kw, k) => {
    let s = 0;
    for (let i = 0; i < kw.length; i++) {
      const a = cls[kw.charCodeAt(i)]!;
      let t = kids[s]!.get(a);
      if (t === undefined) {
        t = kids.length;
        kids.push(new Map());
        outs.push([]);
        kids[s]!.set(a, t);
      }
      s = t;
    }
    outs[s]!.push(k);
  });
  const n = kids.length;
  const delta = new Int32Array(n * alpha);
  const fail = new Int32Array(n);
  const queue: number[] = [];
  for (const [a, t] of kids[0]!) {
    delta[a] = t;
    queue.push(t);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    const f = fail[s]!;
    outs[s] = [...outs[s]!, ...outs[f]!];
    for (let a = 0; a < alpha; a++) {
      const t = kids[s]!.get(a);
      if (t === undefined) delta[s * alpha + a] = delta[f * alpha + a]!;
      else {
        fail[t] = delta[f * alpha + a]!;
        delta[s * alpha + a] = t;
        queue.push(t);
      }
    }
  }
  // Renumber: states with outputs last, so "has output" is one comparison; store each state as
  // its row offset (state × alpha), so a step is one load and one add.
  const order = [...Array(n).keys()].sort((a, b) => (outs[a]!.length > 0 ? 1 : 0) - (outs[b]!.length > 0 ? 1 : 0) || a - b);
  const rank = new Int32Array(n);
  order.forEach((s, i) => (rank[s] = i));
  const firstOut = order.findIndex((s) => outs[s]!.length > 0);
  const outBase = (firstOut < 0 ? n : firstOut) * alpha;
  const next = new Int32Array(n * alpha);
  for (let s = 0; s < n; s++) for (let a = 0; a < alpha; a++) next[rank[s]! * alpha + a] = rank[delta[s * alpha + a]!]! * alpha;
  const start = rank[0]! * alpha;
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i++) out[i] = Int32Array.from(outs[order[i]!]!);
  const outAt = (s: number) => out[s / alpha]!;
  const lens = Int32Array.from(keywords, (k) => k.length);

  // `clusters` and `first` read the text's code units from a typed array (see code-units.ts):
  // the matchers see every kind of string. `some` usually stops early, so it reads the string.
  const some = (text: string): boolean => {
    let s = start;
    for (let i = 0; i < text.length; i++) {
      s = next[s + cls[text.charCodeAt(i)]!]!;
      if (s >= outBase) return true;
    }
    return false;
  };
  // Reused by `first` (synchronous, and read by its caller before the next call): a fresh typed
  // array per call cost more than the pass itself on the short leaves of a structured result.
  const firstsBuffer = new Int32Array(keywords.length);
  return {
    clusters(text, gap, cluster) {
      // A short text without any keyword (most leaves of a structured result: ids, states, names)
      // ends here, without the per-keyword arrays and the code-unit copy a scan sets up.
      if (text.length <= SHORT_TEXT && !some(text)) return;
      const firstAt = new Int32Array(keywords.length).fill(-1);
      const lastAt = new Int32Array(keywords.length);
      const codes = transientCodeUnits(text);
      let s = start;
      for (let i = 0; i < text.length; i++) {
        s = next[s + cls[codes[i]!]!]!;
        if (s < outBase) continue;
        const o = outAt(s);
        for (let j = 0; j < o.length; j++) {
          const k = o[j]!;
          const at = i - lens[k]! + 1;
          if (firstAt[k]! < 0) firstAt[k] = at;
          else if (at - lastAt[k]! > gap) {
            cluster(k, firstAt[k]!, lastAt[k]!);
            firstAt[k] = at;
          }
          lastAt[k] = at;
        }
      }
      for (let k = 0; k < keywords.length; k++) if (firstAt[k]! >= 0) cluster(k, firstAt[k]!, lastAt[k]!);
    },
    some,
    first(text: string, given?: Uint16Array, record?: { readonly mask: Uint8Array; readonly starts: (number[] | undefined)[] }): Int32Array {
      const firsts = firstsBuffer.fill(-1);
      // Recording needs every occurrence: the pass then never stops early.
      let left = record ? Infinity : keywords.length;
      const mask = record?.mask;
      const codes = given ?? codeUnits(text);
      let s = start;
      for (let i = 0; i < text.length && left > 0; i++) {
        s = next[s + cls[codes[i]!]!]!;
        if (s < outBase) continue;
        const o = outAt(s);
        for (let j = 0; j < o.length; j++) {
          const k = o[j]!;
          if (firsts[k] === -1) {
            firsts[k] = i - lens[k]! + 1;
            left--;
          }
          if (mask !== undefined && mask[k] === 1) (record!.starts[k] ??= []).push(i - lens[k]! + 1);
        }
      }
      return firsts;
    },
  };
}
