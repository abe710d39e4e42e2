/**
 * The secrets detector's finding bookkeeping: which candidates overlap a specific rule's
 * finding (a generic rule's candidate there is dropped) and dropping a rule's repeated finding.
 */
import type { Finding } from '../types.ts';

/** Whether [start, end) overlaps one of a set of findings. */
export type Overlaps = (start: number, end: number) => boolean;

/**
 * Findings sorted by start, with the running maximum of their ends: [s, e) overlaps one iff
 * among those starting before e the furthest end passes s (one binary search per query, not a
 * scan of every finding).
 */
export function overlapIndex(fs: Finding[]): Overlaps {
  const sorted = [...fs].sort((a, b) => a.start! - b.start!);
  const maxEnd = new Float64Array(sorted.length);
  sorted.forEach((g, i) => (maxEnd[i] = Math.max(g.end!, i > 0 ? maxEnd[i - 1]! : -Infinity)));
  return (start, end) => {
    let lo = 0;
    let hi = sorted.length; // count of findings with start < end
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start! < end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && maxEnd[lo - 1]! > start;
  };
}

/**
 * One secret reported twice by one rule is kept once. Findings come grouped by rule, each
 * rule's in order of start (its matches never overlap and its windows are disjoint and in
 * order), so a repeat can only follow among those with the same start. (A generic finding
 * where a specific rule found the same secret was already dropped; see `skip`.)
 */
export function dedupe(fs: Finding[]): Finding[] {
  let kept: Finding[] | undefined; // made at the first repeat (most scans have none)
  let rule = '';
  let start = -1;
  const ends: number[] = [];
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    if (f.rule !== rule || f.start !== start) {
      rule = f.rule;
      start = f.start!;
      ends.length = 0;
    }
    else if (ends.includes(f.end!)) {
      kept ??= fs.slice(0, i);
      continue;
    }
    ends.push(f.end!);
    kept?.push(f);
  }
  return kept ?? fs;
}
