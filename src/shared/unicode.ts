/**
 * Unicode normalisation of untrusted text in bounded time.
 *
 * Why: NFC, NFD, NFKC and NFKD put each run of combining marks in canonical order, and ICU does
 * so by insertion, so a run whose marks alternate between two combining classes (U+0301 and
 * U+0316, say) costs time quadratic in its length (scripts/bench-detectors-output.ts prints an
 * unbounded NFKC call on 16,000 and 64,000 of them), and a tool result the guardrails accept may
 * hold 256 KiB. Unicode's
 * stream-safe text format (UAX #15, section 13) bounds runs of non-starters at 30; text from a
 * tool or an agent need not be stream-safe, so every normalisation of it goes through
 * `boundMarkRuns` first, which drops the marks after the 30th of a run. Real text has no such
 * run (the longest in use are around a dozen marks), and for matching the dropped marks carry
 * nothing.
 */

/** Marks kept in a row: UAX #15's stream-safe bound. */
export const MAX_MARK_RUN = 30;

const MARK = /\p{M}/u;
/** BMP code units that are combining marks (\p{M}), decided once at load (1 = mark). */
export const BMP_MARK: Readonly<Uint8Array> = (() => {
  const t = new Uint8Array(65536);
  for (let c = 0x300; c < 65536; c++) if ((c < 0xd800 || c > 0xdfff) && MARK.test(String.fromCharCode(c))) t[c] = 1;
  return t;
})();
/** Astral code points (less 0x10000): 0 not yet known, 1 a mark, 2 not; made on first use (1 MiB). */
let astralMark: Uint8Array | undefined;

function isAstralMark(cp: number): boolean {
  astralMark ??= new Uint8Array(0x100000);
  let v = astralMark[cp - 0x10000]!;
  if (v === 0) astralMark[cp - 0x10000] = v = MARK.test(String.fromCodePoint(cp)) ? 1 : 2;
  return v === 1;
}

/** Whether `s` has an astral combining mark (a surrogate pair) at `i`. */
export function isAstralMarkAt(s: string, i: number): boolean {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  return a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff && isAstralMark(((a - 0xd800) << 10) + (b - 0xdc00) + 0x10000);
}

/**
 * `s` with every run of combining marks (BMP or astral) cut to its first MAX_MARK_RUN marks;
 * `s` itself when no run is longer (one pass, no copy).
 */
export function boundMarkRuns(s: string): string {
  const n = s.length;
  // Pieces of `s` kept so far, from the first dropped mark on (none: nothing dropped yet).
  let out: string[] | undefined;
  let from = 0;
  for (let i = 0, run = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x300) {
      run = 0;
      continue;
    }
    let width = 1;
    let mark: boolean;
    if (c >= 0xd800 && c <= 0xdbff) {
      mark = isAstralMarkAt(s, i);
      if (mark) width = 2;
    } else mark = BMP_MARK[c] === 1;
    if (!mark) {
      run = 0;
      continue;
    }
    if (++run > MAX_MARK_RUN) {
      out ??= [];
      if (from < i) out.push(s.slice(from, i));
      from = i + width;
    }
    i += width - 1;
  }
  if (!out) return s;
  if (from < n) out.push(s.slice(from));
  return out.join('');
}

/** NFKC of untrusted text, in time linear in its length. */
export function nfkc(s: string): string {
  return boundMarkRuns(s).normalize('NFKC');
}
