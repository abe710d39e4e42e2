/**
 * The semi-generic precheck (gitleaks' keyword, gap, operator, secret, terminator shape): a
 * start runs the rule's regex only when an operator follows its keyword part and a secret of
 * the right classes and length can follow the operator. Types and tables: secret-prechecks.ts.
 */
import { GAP, OP, SEP, TERM, classRunEnd, isNonAsciiSpace, type OnMatch, type Semi } from './secret-prechecks.ts';

/** Texts up to this length run semi-generic rules from keyword matches; longer ones too where those are few, else from operators. */
const HEAD_DRIVEN_MAX = 16384;

/**
 * A semi-generic rule, with the same matches as its global regex: a match at k has its
 * operator at the first character after k outside `[\w.\s'"-]` (keyword and gap consist of
 * those, the operator of none), at most maxHead + 23 characters on; its secret starts 1 to 9
 * characters after the operator, and a secret run of a class disjoint from the terminator is
 * maximal. So only starts before an operator with a possible secret after it run the regex
 * (sticky, in order), instead of every keyword re-scanning up to 150 characters.
 */
export function runSemi(pre: Semi, text: string, onMatch: OnMatch, ops?: OperatorCache, opsKey = ''): void {
  const re = pre.sticky;
  let last = 0; // the global regex's lastIndex
  semiStarts(pre, text, () => last, (k) => {
    re.lastIndex = k;
    const m = re.exec(text);
    if (!m) return false;
    onMatch(m);
    last = k + m[0].length;
    return true;
  }, ops, opsKey);
}

/**
 * Operator positions of a text, kept per scan: the semi-generic rules that share a keyword scan
 * the same windows, and the operators (a character of `[=>:|?,]` after one of the keyword
 * part's) do not depend on the rule. Keyed by the caller (the secrets detector: one key per
 * window); an entry is used only for the very text it was made from.
 */
export type OperatorCache = Map<string, { readonly text: string; readonly at: Int32Array }>;

/**
 * Whether the global regex `re` matches at no more than `limit` places of `text` (each start it
 * can match at, as the keyword-part scan visits them); stops counting past the limit, so the
 * answer costs at most limit + 1 matches.
 */
function fewMatches(re: RegExp, text: string, limit: number): boolean {
  re.lastIndex = 0;
  let count = 0;
  for (let m: RegExpExecArray | null; (m = re.exec(text)) !== null; re.lastIndex = m.index + 1) if (++count > limit) return false;
  return true;
}

/** Offsets `o` of `text` (o >= 1) holding an operator right after a keyword-part character. */
function operators(text: string): Int32Array {
  const n = text.length;
  let count = 0;
  let at = new Int32Array(1024);
  for (let o = 1; o < n; o++) {
    const c = text.charCodeAt(o);
    if (c >= 128 || OP[c] !== 1) continue;
    const b = text.charCodeAt(o - 1);
    if (!(b < 128 ? GAP[b] === 1 : isNonAsciiSpace(b))) continue;
    if (count === at.length) {
      const grown = new Int32Array(2 * count);
      grown.set(at);
      at = grown;
    }
    at[count++] = o;
  }
  return at.subarray(0, count);
}

/**
 * The last start `secretAfter` tries after the operator at `o`: it goes on past a start only
 * while the character there may stand between operator and secret (`[=>:|\x60'"\s]`), up to
 * 9 characters after the operator.
 */
function lastStart(text: string, o: number): number {
  const lim = Math.min(o + 9, text.length - 1);
  let q = o + 1;
  for (let d: number; q < lim && ((d = text.charCodeAt(q)) < 128 ? SEP[d] === 1 : isNonAsciiSpace(d)); ) q++;
  return q;
}

/** The operators of `text`, from `cache` under `key` when the same text was scanned before. */
export function cachedOperators(cache: OperatorCache, key: string, text: string): Int32Array {
  const hit = cache.get(key);
  if (hit && hit.text === text) return hit.at;
  const at = operators(text);
  cache.set(key, { text, at });
  return at;
}

/**
 * Calls `visit` on each start the semi-generic precheck lets through, in order, from
 * `floor()` on; once `visit` returns true (a match), on to the next operator.
 */
export function semiStarts(pre: Semi, text: string, floor: () => number, visit: (k: number) => boolean, ops?: OperatorCache, opsKey = ''): void {
  const alts = pre.alts;
  const secretFirst = pre.secretFirst;
  const n = text.length;
  // Per class: the run of the class last read, [runFrom, runTo) (for a bounded class read to its
  // end once, so every start inside it is answered without reading; unbounded, as far as the
  // minimum needed), and starts known to fail, [noneFrom, noneTo]: too short for the minimum, or
  // in a run too long for the maximum.
  const runFrom = alts ? new Int32Array(alts.length).fill(-1) : undefined;
  const runTo = alts ? new Int32Array(alts.length) : undefined;
  const noneFrom = alts ? new Int32Array(alts.length).fill(-1) : undefined;
  const noneTo = alts ? new Int32Array(alts.length) : undefined;
  // Every start from the last operator's first to `blocked` fails for every class: an operator
  // whose starts all lie there (up to `lastStart`) has no secret after it (known without a call).
  let blocked = -1;
  /** Records that class i fails at every start from q to `to`; returns `to`. */
  const failFrom = (i: number, q: number, to: number): number => {
    noneFrom![i] = q;
    noneTo![i] = to;
    return to;
  };
  /** Whether a secret can start 1 to 9 characters after the operator at `o`. */
  const secretAfter = (o: number): boolean => {
    if (alts && runFrom && runTo && noneFrom && noneTo) {
      let possible = false;
      for (let q = o + 1; q <= o + 9 && q < n && !possible; q++) {
        let none = Infinity; // (at the first start) how far every class is known to fail
        for (let i = 0; i < alts.length; i++) {
          const a = alts[i]!;
          const nf = noneFrom[i]!;
          if (nf >= 0 && nf <= q && q <= noneTo[i]!) {
            none = Math.min(none, noneTo[i]!);
            continue;
          }
          let e: number;
          const f = runFrom[i]!;
          if (f >= 0 && f <= q && q <= runTo[i]!) {
            e = runTo[i]!;
            if (a.max < 0) {
              const table = a.table;
              for (let d: number; e < q + a.min && e < n && (d = text.charCodeAt(e)) < 128 && table[d] === 1; ) e++;
              runTo[i] = e;
            }
          } else {
            // The run must reach q + min: read back from there, and the first character outside
            // the class, at j, rules out every start from q to j (each would run into it before
            // its minimum). On a dense text of short runs this reads a few characters per
            // minimum's length, not every run from every operator.
            if (q + a.min > n) {
              none = Math.min(none, failFrom(i, q, n));
              continue;
            }
            const table = a.table;
            let j = q + a.min - 1;
            for (let d: number; j >= q && (d = text.charCodeAt(j)) < 128 && table[d] === 1; ) j--;
            if (j >= q) {
              none = Math.min(none, failFrom(i, q, j));
              continue;
            }
            // Unbounded, the minimum is all that is needed. Bounded, on to the run's end; into
            // the last run read if this one joins it (a start a few characters before it, from
            // the operator before, does not read it again).
            e = q + a.min;
            if (a.max >= 0 && f >= q && f <= e) e = runTo[i]!;
            else if (a.max >= 0) e = classRunEnd(table, a.run, text, e, f, runTo[i]!);
            runFrom[i] = q;
            runTo[i] = e;
          }
          if (e - q < a.min) {
            none = Math.min(none, failFrom(i, q, e)); // every start from q to the run's end is too short
            continue;
          }
          if (a.max >= 0) {
            if (e - q > a.max) {
              none = Math.min(none, failFrom(i, q, e - a.max - 1)); // every start to there is in a run too long
              continue;
            }
            // The semi-generic terminator `(?:[\x60'"\s;]|\\[nNrR]|$)` must follow.
            let t = e;
            if (a.eq) for (let j = 0; j < 3 && t < n && text.charCodeAt(t) === 61; j++) t++;
            const d = t < n ? text.charCodeAt(t) : -1;
            if (d >= 0 && !(d < 128 ? TERM[d] === 1 : isNonAsciiSpace(d))) {
              none = -1;
              continue;
            }
          }
          none = -1;
          possible = true;
          break;
        }
        if (q === o + 1 && none !== Infinity) blocked = none;
        const d = text.charCodeAt(q);
        if (!(d < 128 ? SEP[d] === 1 : isNonAsciiSpace(d))) break;
      }
      if (!possible) return false;
    }
    else if (secretFirst) {
      let possible = false;
      for (let q = o + 1; q <= o + 9 && q < n; q++) {
        const d = text.charCodeAt(q);
        if (d < 128 && secretFirst[d] === 1) {
          possible = true;
          break;
        }
        if (!(d < 128 ? SEP[d] === 1 : isNonAsciiSpace(d))) break;
      }
      if (!possible) return false;
    }
    return true;
  };
  // From each place the keyword part matches (one native scan): for short texts, and for long
  // ones where it matches rarely (reading on to the operator from each match then reads at most a
  // sixteenth of the text). Otherwise from each operator (a keyword-dense text costs one pass): a
  // keyword part matching every few characters would have each match read up to the operator,
  // and a long text of operators and no keyword part would have each operator read back.
  const head = pre.head;
  if (n <= HEAD_DRIVEN_MAX || fewMatches(head, text, Math.floor(n / (16 * (pre.maxHead + 24))))) {
    head.lastIndex = 0;
    for (let h: RegExpExecArray | null; (h = head.exec(text)) !== null; ) {
      const k = h.index;
      head.lastIndex = Math.max(k + 1, floor());
      if (k < floor()) continue;
      // The operator: the first character from k on outside `[\w.\s'"-]`.
      let o = k;
      const lim = Math.min(n, k + pre.maxHead + 24);
      for (let d: number; o < lim && ((d = text.charCodeAt(o)) < 128 ? GAP[d] === 1 : isNonAsciiSpace(d)); ) o++;
      if (o === k || o >= lim) continue;
      const c = text.charCodeAt(o);
      if (c >= 128 || OP[c] !== 1 || !secretAfter(o)) continue;
      if (visit(k)) head.lastIndex = Math.max(head.lastIndex, floor());
    }
    return;
  }
  const at = ops ? cachedOperators(ops, opsKey, text) : operators(text);
  for (let x = 0; x < at.length; x++) {
    const o = at[x]!;
    if (o <= floor() || (o < blocked && lastStart(text, o) <= blocked) || !secretAfter(o)) continue;
    const lo = Math.max(floor(), o - pre.maxHead - 23);
    let k = o - 1;
    for (let d: number; k > lo && ((d = text.charCodeAt(k - 1)) < 128 ? GAP[d] === 1 : isNonAsciiSpace(d)); ) k--;
    // Each position before the operator the keyword part can start at (never a forward
    // search: it could run to the end of the text from every operator).
    const headFirst = pre.headFirst;
    for (; k < o; k++) {
      if (headFirst) {
        const d = text.charCodeAt(k);
        if (d >= 128 || headFirst[d] !== 1) continue;
      }
      if (k >= floor() && visit(k)) break;
    }
  }
}
