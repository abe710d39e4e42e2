/**
 * Recall at a false-positive budget, the figure `npm run eval` and the injection trainer compare
 * detectors by.
 */

/** Recall when the threshold is the lowest one keeping FPR ≤ `fpr`, over one score per document. */
export function recallAtFpr(pos: number[], neg: number[], fpr = 0.01): number {
  const n = [...neg].sort((a, b) => b - a);
  const allowed = Math.floor(n.length * fpr);
  const t = n[allowed] ?? -Infinity; // scores strictly above the (allowed+1)-th highest negative
  return pos.length ? pos.filter((s) => s > t).length / pos.length : 0;
}

/** A document as the prompt-injection detector judged it: did a rule fire, and the model's score. */
export interface RuleAndModel {
  readonly rule: boolean;
  readonly model: number;
}

/**
 * Recall at FPR ≤ `fpr` of a detector whose rules always flag and whose model is thresholded,
 * as the prompt-injection detector works: a rule hit is a finding whatever
 * `guardrails.promptInjection.threshold` is, so the threshold is the only knob, and the
 * figure is the recall at the lowest threshold that keeps false positives (rule hits on benign
 * documents included) within the budget. Ranking rule hits by their fixed scores instead (0.8 to
 * 0.97) would treat them as dropped at thresholds above those, which the detector never does.
 * 0 when rule hits alone already exceed the budget: no threshold meets it.
 */
export function detectorRecallAtFpr(pos: readonly RuleAndModel[], neg: readonly RuleAndModel[], fpr = 0.01): number {
  if (pos.length === 0) return 0;
  const t = modelThresholdAtFpr(neg, fpr);
  if (t === Infinity) return 0;
  return pos.filter((x) => x.rule || x.model > t).length / pos.length;
}

/**
 * The model threshold of that point: a document is flagged by the model when its score is
 * strictly above it. Infinity when the benign rule hits alone exceed the budget.
 */
export function modelThresholdAtFpr(neg: readonly RuleAndModel[], fpr = 0.01): number {
  const budget = Math.floor(neg.length * fpr) - neg.filter((x) => x.rule).length;
  if (budget < 0) return Infinity;
  const modelOnly = neg.filter((x) => !x.rule).map((x) => x.model).sort((a, b) => b - a);
  return modelOnly[budget] ?? -Infinity; // as in recallAtFpr: strictly above the (budget+1)-th
}
