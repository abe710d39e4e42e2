import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectorRecallAtFpr, recallAtFpr, type RuleAndModel } from '../scripts/eval-metrics.ts';

/**
 * The definition itself: the best recall over every model threshold (flag when the score is
 * strictly above it) whose false positives, rule hits included, stay within the budget.
 */
function bruteForce(pos: RuleAndModel[], neg: RuleAndModel[], fpr: number): number {
  const allowed = Math.floor(neg.length * fpr);
  let best = 0;
  for (const t of [-Infinity, Infinity, ...neg.map((x) => x.model), ...pos.map((x) => x.model)]) {
    const fp = neg.filter((x) => x.rule || x.model > t).length;
    if (fp > allowed) continue;
    best = Math.max(best, pos.filter((x) => x.rule || x.model > t).length / pos.length);
  }
  return best;
}

const doc = fc.record({ rule: fc.boolean(), model: fc.double({ min: 0, max: 1, noNaN: true }) });

describe('detectorRecallAtFpr', () => {
  test('is the best recall over model thresholds with rule hits always flagged', () => {
    fc.assert(
      fc.property(fc.array(doc, { minLength: 1, maxLength: 40 }), fc.array(doc, { maxLength: 300 }), fc.constantFrom(0.01, 0.05, 0.2), (pos, neg, fpr) => {
        assert.equal(detectorRecallAtFpr(pos, neg, fpr), bruteForce(pos, neg, fpr));
      }),
      { numRuns: 300 },
    );
  });

  test('counts a rule hit on a positive whatever its model score, and spends the budget on benign ones', () => {
    const neg = Array.from({ length: 100 }, (_, i) => ({ rule: false, model: i / 100 }));
    const pos = [
      { rule: true, model: 0.1 },
      { rule: false, model: 0.995 },
      { rule: false, model: 0.985 },
    ];
    // One false positive allowed: the model threshold is 0.98 (the second-highest benign score).
    assert.equal(detectorRecallAtFpr(pos, neg), 1);
    // A benign rule hit takes that one: the threshold rises to 0.99.
    assert.equal(detectorRecallAtFpr(pos, [...neg.slice(1), { rule: true, model: 0 }]), 2 / 3);
    // Two benign rule hits exceed it: no threshold meets 1%.
    assert.equal(detectorRecallAtFpr(pos, [...neg.slice(2), { rule: true, model: 0 }, { rule: true, model: 0 }]), 0);
    // One ranking of fixed scores (a rule hit ranked at 0.8) misses the rule hit instead.
    assert.equal(recallAtFpr([0.8, 0.995, 0.985], neg.map((x) => x.model)), 2 / 3);
  });
});
