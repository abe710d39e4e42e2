/**
 * The literal-prefix precheck (a rule starting with a literal then a bounded run of one class)
 * and the alternatives precheck (a rule whose top-level alternatives each have a semi-generic
 * or literal precheck). Types and tables: secret-prechecks.ts.
 */
import { WORD, classRunEnd, type Alt, type Lit, type OnMatch } from './secret-prechecks.ts';
import { semiStarts } from './secret-precheck-semi.ts';

/**
 * A rule starting with a literal, with the same matches as its global regex: every match
 * starts at an occurrence of the literal, and the class run after it has a length within the
 * bounds the generator derived; so only those occurrences run the regex (sticky, in order),
 * instead of every occurrence re-scanning a run up to its maximum length.
 */
export function runLit(pre: Lit, text: string, onMatch: OnMatch): void {
  const re = pre.sticky;
  let last = 0; // the global regex's lastIndex
  litStarts(pre, text, () => last, (k) => {
    re.lastIndex = k;
    const m = re.exec(text);
    if (!m) return;
    onMatch(m);
    last = k + m[0].length;
  });
}

/** Calls `visit` on each start the literal precheck lets through, in order, from `floor()` on. */
function litStarts(pre: Lit, text: string, floor: () => number, visit: (k: number) => void): void {
  const { lit, at, table, min, max } = pre;
  const n = text.length;
  // The run of the class last read, [runFrom, runTo): for a bounded run read to its end once, so
  // every later occurrence inside it is answered without reading; unbounded, as far as the
  // minimum needed. And the first occurrence not yet known to fail, `skip`: a run too short for
  // the minimum, or too long for the maximum, rules out every occurrence whose run starts inside
  // it, and the search jumps past them.
  let runFrom = -1;
  let runTo = 0;
  let skip = 0;
  const search = pre.boundary ?? pre.ci;
  const find = search ? new RegExp(search.source, search.flags) : undefined;
  // The next occurrence of the `then` literal at or after the current start's prefix end
  // (searched again only once a start passes it: one forward walk over the text in all). The
  // compiled search is used as is: this loop sets its lastIndex before every exec.
  const then = pre.then?.find;
  let thenAt = -1;
  // `test`, not `exec`: no match array per occurrence (dense runs of the literal have one every
  // few characters). The search matches the literal itself, so a match ends lit.length after it starts.
  const next = (from: number): number => {
    if (!find) return text.indexOf(lit, from);
    find.lastIndex = from;
    return find.test(text) ? find.lastIndex - lit.length : -1;
  };
  for (let i = next(at); i >= 0; i = next(Math.max(i + 1, skip))) {
    const k = i - at;
    if (k < floor()) continue;
    if (pre.wb && k > 0) {
      const d = text.charCodeAt(k - 1);
      if (d < 128 && WORD[d] === 1) continue;
    }
    const q = i + lit.length;
    let e: number;
    if (runFrom >= 0 && runFrom <= q && q <= runTo) {
      e = runTo;
      if (max < 0) for (let d: number; e < q + min && e < n && (d = text.charCodeAt(e)) < 128 && table[d] === 1; ) e++;
    } else {
      // The run must reach q + min: read back from there; the first character outside the
      // class, at j, rules out every run starting from q to j.
      if (q + min > n) return;
      let j = q + min - 1;
      for (let d: number; j >= q && (d = text.charCodeAt(j)) < 128 && table[d] === 1; ) j--;
      if (j >= q) {
        skip = j + 1 - lit.length;
        continue;
      }
      e = max < 0 ? q + min : classRunEnd(table, pre.run, text, q + min);
      runFrom = q;
    }
    runTo = e;
    if (e - q < min) {
      skip = e + 1 - lit.length; // every run starting from q to e (its end) is too short
      continue;
    }
    if (max >= 0 && e - q > max) {
      skip = e - max - lit.length; // every run starting from q to e - max - 1 is too long
      continue;
    }
    // A bounded run is the whole maximal run, so the character after it starts the next token.
    if (pre.after) {
      const d = e < n ? text.charCodeAt(e) : 128;
      if (d >= 128 || pre.after[d] !== 1) continue;
    }
    if (then) {
      if (thenAt < q) {
        then.lastIndex = q;
        thenAt = then.exec(text)?.index ?? Infinity;
      }
      if (thenAt === Infinity) return;
      if (thenAt - q > pre.then!.within) continue;
    }
    visit(k);
  }
}

/**
 * A rule whose alternatives each have a precheck: a match starts where one of them lets a
 * start through, so those starts (merged, in order) run the regex (sticky).
 */
export function runAlt(pre: Alt, text: string, onMatch: OnMatch): void {
  const starts: number[] = [];
  for (const part of pre.parts) {
    if (part.kind === 'semi') semiStarts(part, text, () => 0, (k) => (starts.push(k), false));
    else litStarts(part, text, () => 0, (k) => void starts.push(k));
  }
  const sorted = Float64Array.from(starts).sort();
  const re = pre.sticky;
  let last = 0; // the global regex's lastIndex
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    if (k < last || (i > 0 && k === sorted[i - 1])) continue;
    re.lastIndex = k;
    const m = re.exec(text);
    if (!m) continue;
    onMatch(m);
    last = k + m[0].length;
  }
}
