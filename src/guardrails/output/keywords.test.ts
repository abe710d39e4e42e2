import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKeywordMatcher } from './keywords.ts';

/** Every occurrence by indexOf, ASCII case folded, as [keyword, start] sorted by keyword then start. */
function naive(keywords: readonly string[], text: string): [number, number][] {
  const folded = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const hits: [number, number][] = [];
  keywords.forEach((kw, k) => {
    for (let i = folded.indexOf(kw); i >= 0; i = folded.indexOf(kw, i + 1)) hits.push([k, i]);
  });
  return hits;
}

/** Clusters of one keyword's sorted starts: runs with steps of at most `gap`. */
function naiveClusters(starts: number[], gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const s of starts) {
    const last = out.at(-1);
    if (last && s - last[1] <= gap) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

describe('keyword matcher', () => {
  test('finds overlapping keywords in one pass', () => {
    const m = createKeywordMatcher(['he', 'she', 'hers']);
    assert.deepEqual([...m.first('ushers')], [2, 1, 2]);
    assert.equal(m.some('USHERS'), true);
    assert.equal(m.some('xyz'), false);
  });

  // Keywords over a small alphabet so that they overlap, nest and share prefixes and suffixes
  // (the cases failure links and the renumbered output states must get right).
  const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), minLength: 1, maxLength: 5 });
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A', 'B', '-', 'x', 'é'), maxLength: 60 });

  test('clusters, first and some agree with indexOf on every occurrence', () => {
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 8 }), text, fc.integer({ min: 0, max: 12 }), (keywords, t, gap) => {
        const m = createKeywordMatcher(keywords);
        const want = naive(keywords, t);
        const clusters = keywords.map(() => [] as [number, number][]);
        m.clusters(t, gap, (k, first, last) => clusters[k]!.push([first, last]));
        assert.deepEqual(clusters, keywords.map((_, k) => naiveClusters(want.filter((h) => h[0] === k).map((h) => h[1]), gap)));
        assert.equal(m.some(t), want.length > 0);
        const firsts = keywords.map((_, k) => Math.min(...want.filter((h) => h[0] === k).map((h) => h[1]), Infinity));
        assert.deepEqual([...m.first(t)], firsts.map((f) => (f === Infinity ? -1 : f)));
        // Recording the occurrences of some keywords in the same pass.
        const mask = Uint8Array.from(keywords, (_, k) => k % 2);
        // A list is made for a recorded keyword at its first occurrence; the others get none.
        const starts: (number[] | undefined)[] = new Array<number[] | undefined>(keywords.length);
        m.first(t, undefined, { mask, starts });
        const occurrences = (k: number) => want.filter((h) => h[0] === k).map((h) => h[1]);
        assert.deepEqual([...starts], keywords.map((_, k) => (k % 2 && occurrences(k).length > 0 ? occurrences(k) : undefined)));
      }),
      { numRuns: 2000 },
    );
  });
});
