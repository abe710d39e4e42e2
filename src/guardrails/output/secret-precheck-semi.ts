/**
 * The semi-generic precheck (gitleaks' keyword, gap, operator, secret, terminator shape): a
 * start runs the rule's regex only when an operator follows its keyword part and a secret of
 * the right classes and length can follow the operator. Types and tables: secret-prechecks.ts.
 */
import { GAP, OP, SEP, TERM, isNonAsciiSpace, type OnMatch, type Semi } from './secret-prechecks.ts';

/** Texts up to this length run semi-generic rules from keyword matches, longer ones from operators. */
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
  // Per class: [runFrom, runTo) is known to lie inside a run of the class (queries come in order).
  const runFrom = alts ? new Int32Array(alts.length).fill(-1) : undefined;
  const runTo = alts ? new Int32Array(alts.length) : undefined;
  /** Whether a secret can start 1 to 9 characters after the operator at `o`. */
  const secretAfter = (o: number): boolean => {
    if (alts && runFrom && runTo) {
      let possible = false;
      for (let q = o + 1; q <= o + 9 && q < n && !possible; q++) {
        for (let i = 0; i < alts.length; i++) {
          const a = alts[i]!;
          const lim = Math.min(n, q + (a.max < 0 ? a.min : a.max + 1));
          let e = q;
          const f = runFrom[i]!;
          if (f >= 0 && f <= q && q <= runTo[i]!) e = runTo[i]!;
          else runFrom[i] = q;
          for (let d: number; e < lim && (d = text.charCodeAt(e)) < 128 && a.table[d] === 1; ) e++;
          runTo[i] = e;
          if (e - q >= a.min && (a.max < 0 || e - q <= a.max)) {
            if (a.max >= 0) {
              // The semi-generic terminator `(?:[\x60'"\s;]|\\[nNrR]|$)` must follow.
              let t = e;
              if (a.eq) for (let j = 0; j < 3 && t < n && text.charCodeAt(t) === 61; j++) t++;
              const d = t < n ? text.charCodeAt(t) : -1;
              if (d >= 0 && !(d < 128 ? TERM[d] === 1 : isNonAsciiSpace(d))) continue;
            }
            possible = true;
            break;
          }
        }
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
  // Short texts: from each place the keyword part matches (one native scan; keywords are rare
  // in ordinary text). Long ones: from each operator (a keyword-dense text costs one pass).
  if (n <= HEAD_DRIVEN_MAX) {
    const head = pre.head;
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
    if (o <= floor() || !secretAfter(o)) continue;
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
