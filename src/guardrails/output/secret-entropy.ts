/**
 * Shannon entropy of a candidate secret, the secrets detector's randomness test (a rule's
 * match counts only above the rule's threshold, as in gitleaks).
 */

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (!s) return 0;
  // Counts in a typed array (one per code unit; a Map per call was the detector's hottest path on
  // texts with many candidate secrets), summed in first-occurrence order like a Map would be, so
  // the float result is bit-for-bit the same as before.
  const counts = ENTROPY_COUNTS;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      for (let k = 0; k < i; k++) counts[s.charCodeAt(k)] = 0;
      return entropyByCodePoint(s);
    }
    counts[c]!++;
  }
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const n = counts[c]!;
    if (n === 0) continue;
    counts[c] = 0;
    h -= entropyTerm(n, s.length);
  }
  return h;
}
const ENTROPY_COUNTS = new Uint32Array(65536);
/** p·log2(p) for p = n / len, remembered for short strings (the same float, computed once). */
function entropyTerm(n: number, len: number): number {
  if (len > TERM_MAX_LEN) {
    const p = n / len;
    return p * Math.log2(p);
  }
  const i = len * (TERM_MAX_LEN + 1) + n;
  let t = ENTROPY_TERMS[i]!;
  if (Number.isNaN(t)) {
    const p = n / len;
    ENTROPY_TERMS[i] = t = p * Math.log2(p);
  }
  return t;
}
const TERM_MAX_LEN = 256;
const ENTROPY_TERMS = new Float64Array((TERM_MAX_LEN + 1) * (TERM_MAX_LEN + 1)).fill(NaN);

/** The general form, per code point (astral characters count once, as `for…of` yields them). */
function entropyByCodePoint(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
