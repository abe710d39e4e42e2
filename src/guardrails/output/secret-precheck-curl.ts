/**
 * The curl precheck (the "split"): a `curl` runs the rule's regex only when an option and
 * value the rule looks for lie within the lines its gap may span. Types: secret-prechecks.ts.
 */
import type { OnMatch, Split } from './secret-prechecks.ts';

/**
 * A curl rule, with the same matches as its global regex: the tail (option and value) does
 * not depend on where the `curl` was, so each position's tail is matched once, and a `curl`
 * runs the regex (sticky) only when a matching tail lies within its reach (the rest of its
 * line and up to `lines` more lines, each at most `line` characters), instead of every `curl`
 * re-scanning up to six lines.
 */
export function runSplit(pre: Split, text: string, onMatch: OnMatch): void {
  const tails: number[] = [];
  const hint = pre.hint;
  hint.lastIndex = 0;
  for (let h: RegExpExecArray | null; (h = hint.exec(text)) !== null; ) {
    pre.tail.lastIndex = h.index;
    if (pre.tail.test(text)) tails.push(h.index);
    hint.lastIndex = h.index + 1;
  }
  if (tails.length === 0) return;
  // Line terminators as `.` sees them.
  const eols: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) eols.push(i);
  }
  const firstAtOrAfter = (xs: number[], v: number): number => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const eolFrom = (s: number): number => {
    const i = firstAtOrAfter(eols, s);
    return i < eols.length ? eols[i]! : text.length;
  };
  const tailIn = (lo: number, hi: number): boolean => {
    const i = firstAtOrAfter(tails, lo);
    return i < tails.length && tails[i]! <= hi;
  };
  const L = pre.line;
  // From a (just after `curl`): a tail on the rest of the line within L characters, or, after
  // a line break of one or two [\r\n], the same from the next line, at most `lines` times.
  const reaches = (a: number): boolean => {
    let frontier = [a];
    for (let depth = 0; frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const s of frontier) {
        const e = eolFrom(s);
        if (tailIn(s, Math.min(s + L, e))) return true;
        if (depth === pre.lines || e - s > L || e >= text.length) continue;
        const c = text.charCodeAt(e);
        if (c !== 10 && c !== 13) continue;
        next.push(e + 1);
        const d = text.charCodeAt(e + 1);
        if (d === 10 || d === 13) next.push(e + 2);
      }
      frontier = [...new Set(next)];
    }
    return false;
  };
  const maxReach = (L + 2) * (pre.lines + 1) + 16;
  const head = pre.head;
  const re = pre.sticky;
  let pos = 0; // the global regex's lastIndex
  let ti = 0;
  for (;;) {
    while (ti < tails.length && tails[ti]! < pos) ti++;
    if (ti === tails.length) break;
    head.lastIndex = Math.max(pos, tails[ti]! - maxReach);
    const h = head.exec(text);
    if (!h) break;
    const c = h.index;
    if (c > tails[ti]!) {
      pos = c;
      continue;
    }
    if (reaches(c + h[0].length)) {
      re.lastIndex = c;
      const m = re.exec(text);
      if (m) {
        onMatch(m);
        pos = c + m[0].length;
        continue;
      }
    }
    pos = c + 1;
  }
}
