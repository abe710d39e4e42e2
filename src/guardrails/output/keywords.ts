/**
 * Aho-Corasick keyword matcher: finds every occurrence of any of a set of lower-case keywords in
 * one linear pass. The secrets detector uses it as gitleaks does its keyword prefilter, so only
 * the few rules whose keywords occur in a text ever run their regex, at a cost independent of
 * the number of rules.
 */

export interface KeywordHit {
  /** Index into the keyword list. */
  readonly keyword: number;
  /** Start offset of the occurrence. */
  readonly start: number;
}

export interface KeywordMatcher {
  /** Every occurrence in `lower` (already lower-cased), up to `limit` hits. */
  find(lower: string, limit?: number): KeywordHit[];
}

export function createKeywordMatcher(keywords: readonly string[]): KeywordMatcher {
  const next: Map<number, number>[] = [new Map()];
  const fail: number[] = [0];
  const out: number[][] = [[]];
  keywords.forEach((kw, k) => {
    let s = 0;
    for (let i = 0; i < kw.length; i++) {
      const c = kw.charCodeAt(i);
      let t = next[s]!.get(c);
      if (t === undefined) {
        t = next.length;
        next.push(new Map());
        fail.push(0);
        out.push([]);
        next[s]!.set(c, t);
      }
      s = t;
    }
    out[s]!.push(k);
  });
  // Breadth-first failure links; outputs are merged so each state lists every keyword ending there.
  const queue: number[] = [...next[0]!.values()];
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    for (const [c, t] of next[s]!) {
      queue.push(t);
      let f = fail[s]!;
      while (f !== 0 && !next[f]!.has(c)) f = fail[f]!;
      const g = next[f]!.get(c);
      fail[t] = g !== undefined && g !== t ? g : 0;
      out[t] = [...out[t]!, ...out[fail[t]!]!];
    }
  }
  const lens = keywords.map((k) => k.length);
  return {
    find(lower: string, limit = 100_000): KeywordHit[] {
      const hits: KeywordHit[] = [];
      let s = 0;
      for (let i = 0; i < lower.length; i++) {
        const c = lower.charCodeAt(i);
        let t = next[s]!.get(c);
        while (t === undefined && s !== 0) {
          s = fail[s]!;
          t = next[s]!.get(c);
        }
        s = t ?? 0;
        const o = out[s]!;
        for (let j = 0; j < o.length; j++) {
          const k = o[j]!;
          hits.push({ keyword: k, start: i - lens[k]! + 1 });
          if (hits.length >= limit) return hits;
        }
      }
      return hits;
    },
  };
}
