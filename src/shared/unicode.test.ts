import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_MARK_RUN, boundMarkRuns, nfkc } from './unicode.ts';

/** The definition, code point by code point. */
function reference(s: string): string {
  let run = 0;
  let out = '';
  for (const ch of s) {
    if (/\p{M}/u.test(ch)) {
      if (++run > MAX_MARK_RUN) continue;
    } else run = 0;
    out += ch;
  }
  return out;
}

describe('boundMarkRuns', () => {
  test('text without a long run of marks is returned as is', () => {
    const s = `naïve cafe\u0301 ${'e\u0301\u0316'.repeat(50)} 中文 \u{1d422} 😀`;
    assert.equal(boundMarkRuns(s), s);
    const thirty = `a${'\u0301'.repeat(MAX_MARK_RUN)}`;
    assert.equal(boundMarkRuns(thirty), thirty);
  });

  test('keeps the first 30 marks of each run, BMP and astral', () => {
    assert.equal(boundMarkRuns(`a${'\u0301\u0316'.repeat(40)}b`), `a${'\u0301\u0316'.repeat(15)}b`);
    assert.equal(boundMarkRuns(`x${'\u{1D165}'.repeat(31)}y${'\u0301'.repeat(31)}`), `x${'\u{1D165}'.repeat(30)}y${'\u0301'.repeat(30)}`);
    // A run may mix BMP and astral marks; an unpaired surrogate ends it.
    assert.equal(boundMarkRuns(`a${'\u0301\u{1D165}'.repeat(20)}`), `a${'\u0301\u{1D165}'.repeat(15)}`);
    assert.equal(boundMarkRuns(`a${'\u0301'.repeat(20)}\ud800${'\u0301'.repeat(20)}`), `a${'\u0301'.repeat(20)}\ud800${'\u0301'.repeat(20)}`);
  });

  test('equals the code-point definition on any mix of marks, letters and surrogates', () => {
    const unit = fc.constantFrom('a', 'é', '\u0301', '\u0316', '\u0340', '\u093c', '\u{1D165}', '\u{1D16E}', '\u{1d422}', '\ud800', '\udc00', ' ', '\u200d');
    fc.assert(
      fc.property(fc.array(fc.array(unit, { maxLength: 3 }).chain((head) => fc.tuple(fc.constant(head), fc.integer({ min: 0, max: 45 }), unit)), { maxLength: 8 }), (parts) => {
        const s = parts.map(([head, n, u]) => head.join('') + u.repeat(n)).join('');
        assert.equal(boundMarkRuns(s), reference(s));
      }),
      { numRuns: 500 },
    );
  });

  test('nfkc is NFKC of the bounded text', () => {
    const s = `ｆｕｌｌ a${'\u0301\u0316'.repeat(40)}`;
    assert.equal(nfkc(s), boundMarkRuns(s).normalize('NFKC'));
    assert.ok(nfkc(s).startsWith('full '));
  });
});
