import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createFingerprinter, decodedVariants, fold, resultText, shingleHashes, winnow, words } from './fingerprint.ts';

const fp = createFingerprinter({ shingle: 3, window: 4, maxChars: 65_536 });
const SRC = 'Order 7781 for Bob Martin shipped to 42 Elm Street Springfield; card on file ends 4242; contact bob.martin@example.org';

function overlap(src: string, probe: string[]) {
  const s = fp.source(src);
  const stored = new Set([...s.shingles, ...s.ids]);
  const p = fp.probe(probe);
  return { shingles: [...p.shingles].filter((h) => stored.has(h)).length, ids: [...p.ids].filter((h) => stored.has(h)).length };
}

describe('fingerprints', () => {
  test('normalisation folds case, width, accents and drops stop words', () => {
    assert.equal(fold('ÉCOLE Ｆｕｌｌ'), 'ecole full');
    assert.deepEqual(words(fold('The customers ordered the shipping boxes')), ['customer', 'order', 'shipp', 'box']);
  });

  test('shingles are order-insensitive within a shingle; winnowing keeps a bounded subset', () => {
    const a = shingleHashes(['alice', 'smith', 'paris'], 3);
    const b = shingleHashes(['paris', 'alice', 'smith'], 3);
    assert.deepEqual(a, b);
    const many = shingleHashes(Array.from({ length: 200 }, (_, i) => `w${i}`), 3);
    const kept = winnow(many, 4);
    assert.ok(kept.length < many.length * 0.6 && kept.length > 0);
  });

  test('verbatim, re-cased and re-punctuated reuse matches', () => {
    assert.ok(overlap(SRC, [SRC]).shingles >= 2);
    assert.ok(overlap(SRC, [SRC.toUpperCase().replace(/;/g, ' -- ')]).shingles >= 2);
  });

  test('identifiers survive paraphrase', () => {
    assert.ok(overlap(SRC, ['write to BOB.MARTIN@EXAMPLE.ORG please']).ids >= 1);
    assert.equal(overlap(SRC, ['write to alice@example.org please']).ids, 0);
  });

  test('base64, hex and url-encoded copies are decoded', () => {
    for (const enc of [Buffer.from(SRC).toString('base64'), Buffer.from(SRC).toString('base64url'), Buffer.from(SRC).toString('hex'), encodeURIComponent(SRC)]) {
      const o = overlap(SRC, [`data=${enc}`]);
      assert.ok(o.shingles >= 2 || o.ids >= 1, enc.slice(0, 20));
    }
    assert.deepEqual(decodedVariants('plain words only'), []);
  });

  test('unrelated text does not match', () => {
    const o = overlap(SRC, ['Meeting moved to Thursday afternoon, bring the quarterly slides and coffee']);
    assert.deepEqual(o, { shingles: 0, ids: 0 });
  });

  test('result text gathers text content, resource text and structured content', () => {
    const t = resultText({ content: [{ type: 'text', text: 'a' }, { type: 'resource', resource: { text: 'b' } }, { type: 'image' }], structuredContent: { x: 'c', n: 5 } });
    assert.equal(t, 'a\nb\nc\n5');
    assert.equal(resultText(undefined), '');
  });

  test('hostile input never throws', () => {
    assert.doesNotThrow(() => fp.probe(['%E0%A4%A', '%%%', 'A'.repeat(100_000), '\ud800']));
    assert.doesNotThrow(() => fp.source('\u0000'.repeat(1000)));
  });
});
