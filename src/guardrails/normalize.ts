/**
 * Evasion handling before detection. Attackers hide instructions and secrets from pattern
 * matchers with invisible characters, Unicode tag characters (U+E0000 block, "ASCII smuggling"),
 * look-alike letters, diacritics and combining marks stacked on letters, and encodings.
 * Detectors scan the *views* returned by {@link scanViews}: the normalised text (with a map back
 * to raw offsets for redaction) and decoded base64/hex blobs.
 *
 * Every function here is linear in the input: single regex passes over character classes with
 * no nested quantifiers, a fixed lookup table, hard bounds on decoding depth and size, and runs
 * of combining marks cut to 30 before NFKC (whose canonical ordering is quadratic in a run).
 */

import { BMP_MARK, MAX_MARK_RUN, boundMarkRuns, isAstralMarkAt } from '../shared/unicode.ts';
import { codeUnits, stringFromUnits } from './code-units.ts';

/** Bounds on blob decoding, so a hostile result cannot make us decode without end. */
export interface ExpandLimits {
  /** How many times a decoded blob is itself searched for blobs (0 = no decoding). */
  readonly maxDepth: number;
  /** Total characters of decoded text across all views. */
  readonly maxDecodedChars: number;
  /** At most this many blobs are decoded per call. */
  readonly maxBlobs: number;
  /** Shortest base64 run considered (shorter runs are ordinary words and ids). */
  readonly minBase64Length: number;
  /** Shortest hex run considered, in hex digits. */
  readonly minHexLength: number;
}

export const DEFAULT_EXPAND_LIMITS: ExpandLimits = Object.freeze({
  maxDepth: 2,
  maxDecodedChars: 512 * 1024,
  maxBlobs: 32,
  minBase64Length: 20,
  minHexLength: 24,
});

// Zero-width, joiners, bidi embeddings/overrides/isolates, soft hyphen, BOM, Mongolian vowel
// separator, invisible math operators, interlinear annotation marks, variation selectors.
const INVISIBLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|\uDB40[\uDD00-\uDDEF]/g;
// Unicode tag characters U+E0000..U+E007F are surrogate pairs \uDB40\uDC00..\uDB40\uDC7F.
const TAGS = /\uDB40[\uDC00-\uDC7F]/g;
/** Any non-ASCII code unit (no `g` flag: `test` keeps no state, so callers may share it). */
export const NON_ASCII = /[^\x00-\x7F]/;

/**
 * Cyrillic, Greek and a few Latin-extended/IPA letters that render like ASCII letters. Compact
 * on purpose: it covers the confusables used in published evasion sets (Unicode's full
 * confusables.txt is ~6k entries, most irrelevant to English-keyword detectors).
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic lower
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ɡ: 'g', ь: 'b', г: 'r', п: 'n', и: 'u',
  // Cyrillic upper
  А: 'A', В: 'B', Е: 'E', Ё: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  Ѕ: 'S', І: 'I', Ї: 'I', Ј: 'J', Һ: 'H', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'I',
  // Greek lower
  α: 'a', β: 'b', γ: 'y', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Greek upper
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Latin extended / IPA
  ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ʏ: 'y', ᴀ: 'A', ʀ: 'R', ꜱ: 's', ᴄ: 'c', ᴏ: 'o', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z',
};
/** HOMOGLYPHS as a table: code unit → ASCII code, 0 = none. */
const HOMOGLYPH = new Uint8Array(65536);
for (const [k, v] of Object.entries(HOMOGLYPHS)) HOMOGLYPH[k.charCodeAt(0)] = v.charCodeAt(0);

const isAsciiAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** FOLD entries that are not an ASCII code: a BMP combining mark, or a lead surrogate (maybe an astral mark). */
const FOLD_MARK = 0xff;
const FOLD_LEAD = 0xfe;
/**
 * What `foldToLatin` does to each code unit, decided once at load (one lookup per character
 * instead of a regex replace that calls a function per letter):
 * - an ASCII code: the letter it becomes — a look-alike (HOMOGLYPHS), or a letter whose canonical
 *   decomposition is an ASCII letter or digit (or a look-alike of one) with only marks after it:
 *   é, ñ, ǵ, ṕ, Cyrillic ӑ, Greek ά. Diacritics stuffed onto the letters of an instruction
 *   ("ígnóré áll prévíóús") leave it as legible to a model as to a person, and must not hide it
 *   from keyword rules and the learned model;
 * - FOLD_MARK / FOLD_LEAD: a combining mark, dropped after an ASCII character (see foldToLatin);
 * - 0: kept.
 */
const FOLD = new Uint8Array(65536);
for (let c = 0x80; c < 65536; c++) {
  if (c >= 0xd800 && c <= 0xdfff) {
    if (c <= 0xdbff) FOLD[c] = FOLD_LEAD;
    continue;
  }
  if (BMP_MARK[c] === 1) {
    FOLD[c] = FOLD_MARK;
    continue;
  }
  if (HOMOGLYPH[c] !== 0) {
    FOLD[c] = HOMOGLYPH[c]!;
    continue;
  }
  const d = String.fromCharCode(c).normalize('NFD');
  if (d.length < 2) continue;
  const base = d.charCodeAt(0);
  const b = HOMOGLYPH[base] || base;
  let marksOnly = isAsciiAlnum(b);
  for (let i = 1; marksOnly && i < d.length; i++) marksOnly = BMP_MARK[d.charCodeAt(i)] === 1;
  if (marksOnly) FOLD[c] = b;
}

/**
 * Look-alike and accented letters folded to ASCII (FOLD), and combining marks dropped where they
 * follow an ASCII character (or another mark dropped so): marks stacked on the letters and
 * spaces of an instruction ("I̴g̴n̴o̴r̴e̴", "Zalgo" text) change nothing a model reads. Marks on
 * other letters (Devanagari vowel signs, Arabic harakat, Thai tone marks) are kept. Applied to NFKC
 * output, whose ASCII characters no longer compose with a mark.
 */
function foldToLatin(t: string): string {
  const n = t.length;
  let i = 0;
  let c = 0;
  // The first unit that changes: a letter to fold, or a mark after an ASCII character.
  for (; i < n; i++) {
    c = t.charCodeAt(i);
    const f = FOLD[c]!;
    if (f === 0) continue;
    if (f < 0x80) break;
    if (i > 0 && t.charCodeAt(i - 1) < 0x80 && (f === FOLD_MARK || isAstralMarkAt(t, i))) break;
  }
  if (i === n) return t;
  const buf = new Uint16Array(n);
  for (let k = 0; k < i; k++) buf[k] = t.charCodeAt(k);
  let m = i;
  // The last unit written is ASCII (then marks after it are dropped).
  let afterAscii = i > 0 && t.charCodeAt(i - 1) < 0x80;
  for (let k = i; k < n; k++) {
    c = t.charCodeAt(k);
    const f = FOLD[c]!;
    if (f === FOLD_MARK) {
      if (!afterAscii) buf[m++] = c;
      continue;
    }
    if (f === FOLD_LEAD) {
      if (afterAscii && isAstralMarkAt(t, k)) {
        k++;
        continue;
      }
      buf[m++] = c;
      afterAscii = false;
      continue;
    }
    const u = f || c;
    buf[m++] = u;
    afterAscii = u < 0x80;
  }
  return stringFromUnits(buf, m);
}

/** BMP code units INVISIBLE matches on their own (the supplement's selectors are pairs led by U+DB40). */
const INVISIBLE_UNIT = (() => {
  const one = new RegExp(INVISIBLE.source.split('|')[0]!);
  const t = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) t[c] = one.test(String.fromCharCode(c)) ? 1 : 0;
  return t;
})();

/**
 * `s.replace(TAGS, decodeTag).replace(INVISIBLE, '')` in one pass over the code units: a regex
 * replace with a callback per tag character cost ~40 ms on 1 MB of them. Same output, including
 * for lone surrogates: a U+DB40 left before a variation selector of the supplement once a
 * dropped tag between them is gone is removed with it, as the second replace would.
 */
export function revealHidden(s: string): string {
  // Most text has nothing hidden: find the first unit that may change before copying anything.
  let first = 0;
  while (first < s.length) {
    const c = s.charCodeAt(first);
    if (c === 0xdb40 || INVISIBLE_UNIT[c] === 1) break;
    first++;
  }
  if (first === s.length) return s;
  const out = new Uint16Array(s.length);
  for (let k = 0; k < first; k++) out[k] = s.charCodeAt(k);
  let n = first;
  // Index in `out` of a U+DB40 that, once tags are decoded, directly precedes the current unit.
  let lead = -1;
  for (let i = first; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0xdb40 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdc7f) {
        const a = d - 0xdc00;
        if (a >= 0x20 && a <= 0x7e) {
          out[n++] = a;
          lead = -1;
        } // a dropped tag leaves its neighbours adjacent
        i++;
        continue;
      }
    }
    if (c >= 0xdd00 && c <= 0xddef && lead === n - 1 && lead >= 0) {
      n--; // with the U+DB40 before it: a supplement variation selector (U+E0100..U+E01EF)
      lead = -1;
      continue;
    }
    if (INVISIBLE_UNIT[c] === 1) {
      lead = -1; // removed by the same replace as a pair after it: no new adjacency
      continue;
    }
    out[n++] = c;
    lead = c === 0xdb40 ? n - 1 : -1;
  }
  if (n === s.length) return s;
  return stringFromUnits(out, n);
}

/**
 * The canonical form detectors match against: tag characters decoded to the ASCII they hide,
 * invisible and bidi control characters removed, NFKC (fullwidth, mathematical and ligature
 * forms to ASCII), then look-alike and accented letters folded to ASCII and combining marks
 * after an ASCII character dropped (see `foldToLatin`). Pure ASCII returns unchanged.
 * Same result as {@link normalizeWhole}, in one table-driven pass for the characters that
 * allow it (see `CLASS`).
 */
export function normalizeText(s: string): string {
  return normalize(s, false).text;
}

/**
 * {@link normalizeText} done on the whole string at once: the definition the one-pass version
 * is property-tested against, and what it applies to the runs its table cannot settle.
 */
export function normalizeWhole(s: string): string {
  return normalizeSegment(s, true);
}

/** normalizeWhole, skipping the mark-run bound when the caller knows `s` has no long run. */
function normalizeSegment(s: string, mayHaveLongMarkRuns: boolean): string {
  if (!NON_ASCII.test(s)) return s;
  // Each pass only where it can change something: tag characters are surrogate pairs led by
  // U+DB40, and a second strip is needed only when NFKC changed the text (it can produce new
  // invisibles through rare compatibility mappings).
  let t = revealHidden(s);
  // Hidden characters were the only non-ASCII ones (tag smuggling, zero-width padding): done.
  if (!NON_ASCII.test(t)) return t;
  // Marks past the 30th of a run are dropped first: ICU's canonical ordering is quadratic in
  // a run's length (src/shared/unicode.ts).
  if (mayHaveLongMarkRuns) t = boundMarkRuns(t);
  const n = t.normalize('NFKC');
  if (n !== t) t = n.replace(INVISIBLE, '');
  return foldToLatin(t);
}

/** True when `s` contains characters whose only purpose in ordinary text would be to hide. */
export function hasHiddenCharacters(s: string): boolean {
  TAGS.lastIndex = 0;
  INVISIBLE.lastIndex = 0;
  const r = TAGS.test(s) || INVISIBLE.test(s);
  TAGS.lastIndex = 0;
  INVISIBLE.lastIndex = 0;
  return r;
}

/**
 * A normalised view of a text with a map back to the raw text, so a finding in the normalised
 * view still redacts exactly the raw characters it came from. `starts[i]`/`ends[i]` bound the
 * raw span that produced normalised character `i`; absent when the text did not change.
 */
export interface MappedText {
  readonly text: string;
  readonly starts?: Int32Array;
  readonly ends?: Int32Array;
}

/**
 * What normalisation does to a BMP code unit standing between characters that do not compose
 * with their neighbours, decided once at load (65,536 lookups):
 * - KEEP: left alone (ASCII; CJK, Cyrillic prose, ß, ø …);
 * - MAP: becomes one other such character, `TARGET[c]` — a look-alike or accented letter folded
 *   to ASCII (é → e), or a compatibility form NFKC maps to one character (fullwidth letters,
 *   nbsp, ohm, superscripts);
 * - DROP: removed (zero-width, bidi and other invisibles);
 * - SLOW: anything else — combining marks and conjoining jamo (they compose with what precedes
 *   them), surrogates (tags, astral letters), forms that expand to several characters or to a
 *   mark or jamo. Runs holding these go through {@link normalizeWhole}.
 * Only marks and jamo compose with a preceding character, so a KEEP/MAP/DROP unit whose next
 * non-DROP neighbour is KEEP or MAP is settled by the table alone.
 */
const SLOW = 0;
const KEEP = 1;
const MAP = 2;
const DROP = 3;
const CLASS = new Uint8Array(65536);
const TARGET = new Uint16Array(65536);
(() => {
  CLASS.fill(KEEP, 0, 0x80);
  const jamo = (c: number) => (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3131 && c <= 0x318e) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xd7b0 && c <= 0xd7ff);
  for (let c = 0x80; c < 65536; c++) {
    if ((c >= 0xd800 && c <= 0xdfff) || jamo(c)) continue;
    if (INVISIBLE_UNIT[c] === 1) {
      CLASS[c] = DROP;
      continue;
    }
    const ch = String.fromCharCode(c);
    if (BMP_MARK[c] === 1) continue;
    const n = ch.normalize('NFKC');
    if (n.length !== 1) continue;
    const e = n.charCodeAt(0);
    if (BMP_MARK[e] === 1 || jamo(e) || INVISIBLE_UNIT[e] === 1 || (e >= 0xd800 && e <= 0xdfff)) continue;
    // Belt and braces: the character must not change its neighbours either way round.
    if (`a${ch}a`.normalize('NFKC') !== `a${n}a`) continue;
    const t = FOLD[e] || e;
    CLASS[c] = t === c ? KEEP : MAP;
    TARGET[c] = t;
  }
  for (let c = 0; c < 0x80; c++) TARGET[c] = c; // KEEP units are their own target: one store for both kinds
})();

/**
 * Units that may belong to a run of marks once hidden characters are gone: marks, surrogates
 * (astral marks, tags) and the invisibles revealHidden removes (marks on both sides of one join).
 */
const MARK_RUN_UNIT = (() => {
  const t = Uint8Array.from(BMP_MARK);
  t.fill(1, 0xd800, 0xe000);
  for (let c = 0; c < 65536; c++) if (INVISIBLE_UNIT[c] === 1) t[c] = 1;
  return t;
})();
/**
 * False when `units[from, to)` cannot hold a run of marks longer than MAX_MARK_RUN after
 * revealHidden (normalizeWhole's bound would change nothing): the normaliser has the run's units
 * in a typed array, so this costs less than boundMarkRuns' own pass over the string.
 */
function mayHaveLongMarkRun(units: Uint16Array, from: number, to: number): boolean {
  for (let i = from, run = 0; i < to; i++) {
    if (MARK_RUN_UNIT[units[i]!] === 0) run = 0;
    else if (++run > MAX_MARK_RUN) return true;
  }
  return false;
}

/**
 * {@link normalizeText} with an offset map. Characters the table settles map one to one (or to
 * nothing); each run of others (with the character before it, which a combining mark may compose
 * with) goes through {@link normalizeWhole}, and every character it produces maps to the whole
 * run. The text equals `normalizeWhole(s)` (property-tested).
 */
export function normalizeMapped(s: string): MappedText {
  return normalize(s, true);
}

/**
 * A letter of the alphabetic blocks up to Cyrillic (U+0000–U+052F: Latin, IPA, Greek, Cyrillic)
 * that the table keeps or maps, followed by one mark of the Combining Diacritical Marks block
 * (U+0300–U+036F) and then by a KEEP or MAP unit (or the end), normalises on its own, like a run:
 * decomposed accents (NFD text, macOS file names) and the commonest mark spam, on Latin letters
 * and on the look-alikes folded to them (a Cyrillic letter with a mark, repeated, was one NFKC call
 * over the whole text). The pair's normal form, when it is one code unit, is computed once per
 * process (at most 1,328 × 112 pairs, in a table made at the first pair) instead of an NFKC call
 * per run. 0: not yet computed; NOT_ONE_UNIT: several units (such pairs take the run path).
 */
const MARKS_FROM = 0x300;
const MARKS = 0x70;
const PAIR_LETTERS = 0x530;
const NOT_ONE_UNIT = 0xffff;
let PAIR: Uint16Array | undefined;
/** The pair's normal form as one unit, or -1; `after` is the class of the unit that follows (KEEP at the end). */
function settledPair(x: number, mark: number, after: number): number {
  if (x >= PAIR_LETTERS || mark < MARKS_FROM || mark >= MARKS_FROM + MARKS || (after !== KEEP && after !== MAP)) return -1;
  PAIR ??= new Uint16Array(PAIR_LETTERS * MARKS);
  const i = x * MARKS + mark - MARKS_FROM;
  let u = PAIR[i]!;
  if (u === 0) {
    const n = normalizeWhole(String.fromCharCode(x, mark));
    PAIR[i] = u = n.length === 1 ? n.charCodeAt(0) : NOT_ONE_UNIT;
  }
  return u === NOT_ONE_UNIT ? -1 : u;
}

// A run of SLOW characters absorbs KEEP gaps shorter than CHUNK_GAP, up to CHUNK_MAX units: dense
// mixes such as marks between letters then cost one NFKC call per chunk, not per character, at
// the price of coarser redaction spans inside such a chunk.
const CHUNK_GAP = 8;
const CHUNK_MAX = 1024;

function normalize(s: string, withMap: boolean): MappedText {
  if (!NON_ASCII.test(s)) return { text: s };
  const len = s.length;
  let i = 0;
  while (i < len && CLASS[s.charCodeAt(i)] === KEEP) i++;
  if (i === len) return { text: s };
  // A mark (or an invisible before one) may compose with the last KEEP unit: leave that unit to
  // the loop, which starts the run there.
  const first = CLASS[s.charCodeAt(i)];
  const pairFirst = i > 0 && settledPair(s.charCodeAt(i - 1), s.charCodeAt(i), i + 1 < len ? CLASS[s.charCodeAt(i + 1)]! : KEEP) >= 0;
  if (!withMap && first === SLOW && !pairFirst) return { text: normalizeWhole(s) }; // see the loop's last case
  if (i > 0 && (first === SLOW || first === DROP)) i--;
  // Code units from a typed array: the loop stays fast whatever representation V8 gave `s`.
  const codes = codeUnits(s);
  // Buffers are made at the first character that changes: KEEP-only text never pays for them.
  let cap = len + 16;
  let out = new Uint16Array(cap);
  let starts = withMap ? new Int32Array(cap) : undefined;
  let ends = withMap ? new Int32Array(cap) : undefined;
  let n = 0;
  const grow = (need: number) => {
    cap = Math.max(cap * 2, need);
    const o = new Uint16Array(cap);
    o.set(out.subarray(0, n));
    out = o;
    if (starts && ends) {
      const a = new Int32Array(cap);
      a.set(starts.subarray(0, n));
      starts = a;
      const b = new Int32Array(cap);
      b.set(ends.subarray(0, n));
      ends = b;
    }
  };
  // A KEEP prefix, copied one to one.
  out.set(codes.subarray(0, i));
  if (starts && ends) {
    for (; n < i; n++) {
      starts[n] = n;
      ends[n] = n + 1;
    }
  } else n = i;
  while (i < len) {
    const c = codes[i]!;
    const k = CLASS[c]!;
    if (k !== SLOW) {
      // The next unit that is not DROP decides whether the table settles this one.
      let j = i + 1;
      let next: number = KEEP;
      while (j < len && (next = CLASS[codes[j]!]!) === DROP) j++;
      if (j === len) next = KEEP;
      if (next === KEEP || next === MAP) {
        if (k !== DROP) {
          if (n === cap) grow(n + 1);
          out[n] = TARGET[c]!;
          if (starts && ends) {
            starts[n] = i;
            ends[n] = i + 1;
          }
          n++;
        }
        i = j; // the DROP units up to j go with it
        continue;
      }
    }
    if (k === KEEP || k === MAP) {
      const u = settledPair(c, codes[i + 1]!, i + 2 < len ? CLASS[codes[i + 2]!]! : KEEP);
      if (u >= 0) {
        if (n === cap) grow(n + 1);
        out[n] = u;
        if (starts && ends) {
          starts[n] = i;
          ends[n] = i + 2;
        }
        n++;
        i += 2;
        continue;
      }
    }
    // Without a map, the first run the table cannot settle sends the whole text through
    // normalizeWhole: one NFKC call over everything costs less than many over runs.
    if (!withMap) return { text: normalizeWhole(s) };
    // A run the table cannot settle: it starts at a character no mark can join to what precedes
    // it (a KEEP/MAP unit followed by marks, or the text's start) and ends before a KEEP unit or
    // at the end, or, past CHUNK_MAX units, before a MAP unit (text with no KEEP unit at all,
    // such as Cyrillic letters each with a mark, would otherwise be one run whose every character
    // maps to all of it, and a redaction in it would blank the whole text).
    const from = i;
    let j = i + 1;
    for (;;) {
      while (j < len && CLASS[codes[j]!] !== KEEP && (j - from < CHUNK_MAX || CLASS[codes[j]!] !== MAP)) j++;
      let g = j;
      while (g < len && g - j < CHUNK_GAP && CLASS[codes[g]!] === KEEP) g++;
      if (g >= len || g - j >= CHUNK_GAP || g - from >= CHUNK_MAX) break;
      j = g;
    }
    // A run never ends inside a surrogate pair: surrogates are SLOW.
    // (The run's units are at hand: finding no long run of marks in them spares normalizeWhole
    // its own pass for one.)
    const seg = normalizeSegment(s.slice(from, j), mayHaveLongMarkRun(codes, from, j));
    if (n + seg.length > cap) grow(n + seg.length);
    for (let k = 0; k < seg.length; k++) out[n + k] = seg.charCodeAt(k);
    starts!.fill(from, n, n + seg.length);
    ends!.fill(j, n, n + seg.length);
    n += seg.length;
    i = j;
  }
  const text = stringFromUnits(out, n);
  if (text === s) return { text: s };
  return starts && ends ? { text, starts: starts.subarray(0, n), ends: ends.subarray(0, n) } : { text };
}

/** Maps a `[start, end)` span of a {@link MappedText} back to raw offsets. */
export function mapSpan(m: MappedText, start: number, end: number): [number, number] {
  if (!m.starts || !m.ends || m.starts.length === 0) return [start, end];
  const last = m.starts.length - 1;
  const a = m.starts[Math.min(Math.max(start, 0), last)]!;
  const b = end <= start ? a : m.ends[Math.min(Math.max(end - 1, 0), last)]!;
  return [a, Math.max(a, b)];
}

/** A text a detector scans: the normalised leaf (with its map to raw offsets) or a decoded blob. */
export interface ScanView extends MappedText {
  /** True when findings' offsets (mapped through starts/ends) index the raw leaf. */
  readonly raw: boolean;
  /** True when `text` is normalizeText()'s output (detectors need not normalise again). */
  readonly normalized: boolean;
  /**
   * True for decoded blobs in their surroundings (see `inContext`): for detectors that weigh a
   * text's context. A detector that finds exact spans finds what the blob holds in the blob's own
   * view, and the surroundings' in the text's.
   */
  readonly context?: boolean;
}

/**
 * Set by `scanViews` when decoding stopped at a bound (depth, blob count, decoded characters)
 * with text still encoded: what is left was not scanned, and a caller that must not pass unread
 * text fails closed.
 */
export interface DecodeReport {
  exhausted?: boolean;
}

/**
 * The views of `s` detectors scan, built in one pass each: the normalised text mapped to raw
 * offsets (index 0), then decoded base64/hex blobs (normalised, no raw offsets). Replaces
 * scanning raw and normalised text separately: ASCII text is its own normal form, and other
 * text's findings map back to the raw characters. With `withRaw`, the raw text is added too when
 * normalisation changed it (for detectors whose semantics depend on the exact characters).
 */
export function scanViews(s: string, limits: Partial<ExpandLimits> = {}, withRaw = false, report?: DecodeReport): ScanView[] {
  const lim = { ...DEFAULT_EXPAND_LIMITS, ...limits };
  const text = normalizeText(s);
  // The map to raw offsets is made when a finding first asks for it: most scans find nothing,
  // and the map costs more than the text (two Int32 per character, written for every character
  // of any text the normaliser changes, such as prose whose accented letters fold).
  let mapped: MappedText | undefined;
  const map = () => (mapped ??= normalizeMapped(s));
  const views: ScanView[] = [
    text === s
      ? { text, raw: true, normalized: true }
      : {
          text,
          raw: true,
          normalized: true,
          get starts() {
            return map().starts;
          },
          get ends() {
            return map().ends;
          },
        },
  ];
  if (withRaw && text !== s) views.push({ text: s, raw: true, normalized: false });
  if (lim.maxDepth <= 0) return views;
  const blobs: string[] = [];
  const spans: [number, number, string][] = [];
  const budget = { chars: lim.maxDecodedChars, blobs: lim.maxBlobs, exhausted: false };
  collectBlobs(text, 1, lim, budget, blobs, spans);
  if (report && budget.exhausted) report.exhausted = true;
  for (const b of blobs) views.push({ text: b, raw: false, normalized: true });
  for (const c of inContext(text, spans)) views.push({ text: c, raw: false, normalized: true, context: true });
  return views;
}

/** Text kept on each side of short decoded blobs in their context view. */
const CONTEXT_CHARS = 256;
/** Decoded blobs up to this long are read in context too (a longer one is a text of its own). */
const CONTEXT_BLOB_MAX = 1024;

/**
 * Short blobs decoded where they stand: each run of them (blobs closer than twice CONTEXT_CHARS
 * share one view) with the text between them and CONTEXT_CHARS on each side, every blob replaced
 * by its decoding. A decoded blob read on its own has lost what surrounds it: an instruction
 * base64-encoded into one line of an e-mail reads, alone, as a bare sentence, and the injection
 * model weighs the line among its neighbours (line shape, words foreign to the text). The views
 * hold no character of `text` twice, so they add at most the text and its short decodings.
 */
function inContext(text: string, spans: readonly [number, number, string][]): string[] {
  // Base64 runs first, then hex (collectBlobs' order): a hex run inside a base64 one is left out.
  const short = spans.filter((x) => x[2].length <= CONTEXT_BLOB_MAX).sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let view = '';
  let at = -1; // where the current view's text continues; -1: no view open
  for (const [start, end, decoded] of short) {
    if (at >= 0 && start < at) continue; // overlaps a blob already in the view
    if (at >= 0 && start - at > 2 * CONTEXT_CHARS) {
      out.push(view + text.slice(at, edge(text, at + CONTEXT_CHARS)));
      at = -1;
    }
    view = at < 0 ? text.slice(edge(text, start - CONTEXT_CHARS), start) + decoded : view + text.slice(at, start) + decoded;
    at = end;
  }
  if (at >= 0) out.push(view + text.slice(at, edge(text, at + CONTEXT_CHARS)));
  return out;
}

/** `i` clamped to the text and moved off the middle of a surrogate pair (a view never starts or ends inside one). */
function edge(text: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= text.length) return text.length;
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800 ? i + 1 : i;
}

// Base64/base64url alphabet and hex digits, as lookup tables (the blob scan is a hand-written
// single pass: a `[...]{16,}` regex retries at every position inside each shorter word).
const B64 = new Uint8Array(128);
const HEX = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') B64[c.charCodeAt(0)] = 1;
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const isB64 = (c: number) => c < 128 && B64[c] === 1;
const isHex = (c: number) => c < 128 && HEX[c] === 1;

/** Decoded bytes read as UTF-8 text, or undefined if they do not look like text (under 90% printable). */
export function asText(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const s = bytes.toString('utf8');
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || (c >= 0xa0 && c !== 0xfffd)) printable++;
  }
  return printable / s.length >= 0.9 ? s : undefined;
}

/** Shortest printable run read from decoded bytes that are not text: random bytes almost never make one. */
const MIN_RUN = 16;

/**
 * What decoded bytes say: their text, or, when they are not text, their printable runs of at
 * least `MIN_RUN` bytes (a token behind padding bytes is still read), or undefined.
 */
function readable(bytes: Buffer): string | undefined {
  return asText(bytes) ?? (printableRuns(bytes, MIN_RUN) || undefined);
}

/** Printable ASCII runs (tab included) of at least `min` bytes, one per line (like strings(1)). */
export function printableRuns(bytes: Buffer, min: number): string {
  const runs: string[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? bytes[i]! : 0;
    if ((b >= 0x20 && b < 0x7f) || b === 0x09) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) runs.push(bytes.toString('latin1', start, i));
      start = -1;
    }
  }
  return runs.join('\n');
}

function decodeBase64(run: string): string | undefined {
  // Pure hex or pure digits/letters without mixed case rarely is base64 text; hex is tried separately.
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run)) return undefined;
  // Node's decoder skips the line breaks of MIME-wrapped runs (see blobRuns).
  const std = run.replace(/-/g, '+').replace(/_/g, '/');
  return readable(Buffer.from(std, 'base64'));
}

function decodeHex(run: string): string | undefined {
  const h = run.startsWith('0x') ? run.slice(2) : run;
  return readable(Buffer.from(h.length % 2 ? h.slice(0, -1) : h, 'hex'));
}

/** Line length from which a base64 line followed by another is read as one MIME-wrapped blob (RFC 2045 uses 76). */
const MIME_LINE = 40;

/**
 * The texts detectors should scan for `s`: `[s, normalizeText(s) if different, ...decoded
 * blobs (normalised)]`. Blobs are base64/base64url or hex runs that decode to text; each decoded
 * text is searched again up to `maxDepth`, within `maxBlobs` and `maxDecodedChars` in total.
 * Index 0 is always the raw text, so only its findings carry offsets usable for redaction.
 */
export function expandForScan(s: string, limits: Partial<ExpandLimits> = {}): string[] {
  const lim = { ...DEFAULT_EXPAND_LIMITS, ...limits };
  const views = [s];
  const norm = normalizeText(s);
  if (norm !== s) views.push(norm);
  if (lim.maxDepth <= 0) return views;
  const budget = { chars: lim.maxDecodedChars, blobs: lim.maxBlobs };
  collectBlobs(norm, 1, lim, budget, views);
  return views;
}

/**
 * Blob runs of `s` in one pass: maximal base64-alphabet runs (plus up to two `=`) of at least
 * `minBase64Length`, and inside them hex runs (optionally `0x`-prefixed) of at least
 * `minHexLength` digits. Base64 candidates come first, then hex, as [start, end) pairs.
 */
function blobRuns(s: string, lim: ExpandLimits): { b64: number[]; hex: number[] } {
  const b64: number[] = [];
  const hex: number[] = [];
  const len = s.length;
  let i = 0;
  // Where the current blob began (it may span MIME lines) and where its current line began.
  let blobStart = -1;
  let lineStart = 0;
  while (i < len) {
    if (!isB64(s.charCodeAt(i))) {
      i++;
      continue;
    }
    if (blobStart < 0) blobStart = lineStart = i;
    let j = i;
    while (j < len && isB64(s.charCodeAt(j))) j++;
    // Hex runs inside [i, j): leftmost-longest like /(?:0x)?[0-9a-f]{16,}/.
    if (j - i >= lim.minHexLength) {
      let k = i;
      while (k < j) {
        const c = s.charCodeAt(k);
        if (c === 48 && s.charCodeAt(k + 1) === 120 && k + 2 < j && isHex(s.charCodeAt(k + 2))) {
          let q = k + 2;
          while (q < j && isHex(s.charCodeAt(q))) q++;
          if (q - k - 2 >= 16 && q - k >= lim.minHexLength) hex.push(k, q);
          k = q;
          continue;
        }
        if (!isHex(c)) {
          k++;
          continue;
        }
        let q = k;
        while (q < j && isHex(s.charCodeAt(q))) q++;
        if (q - k >= 16) {
          if (q - k >= lim.minHexLength) hex.push(k, q);
          k = q;
          continue;
        }
        // A short run may end in the "0" of a "0x" prefix.
        const next = s.charCodeAt(q) === 120 && s.charCodeAt(q - 1) === 48 ? q - 1 : q;
        k = next > k ? next : k + 1;
      }
    }
    // A MIME-wrapped blob: a line of a multiple of four base64 characters, then a line break and
    // more base64, continues the blob (decoded whole, it reads as the text it encodes).
    let nl = j;
    if (s.charCodeAt(nl) === 13) nl++;
    if (j - i >= MIME_LINE && (j - lineStart) % 4 === 0 && s.charCodeAt(nl) === 10 && isB64(s.charCodeAt(nl + 1))) {
      lineStart = nl + 1;
      i = nl + 1;
      continue;
    }
    let e = j;
    if (s.charCodeAt(e) === 61) e++;
    if (s.charCodeAt(e) === 61) e++;
    if (j - blobStart >= 16 && e - blobStart >= lim.minBase64Length) b64.push(blobStart, e);
    i = j;
    blobStart = -1;
  }
  return { b64, hex };
}

function collectBlobs(
  s: string,
  depth: number,
  lim: ExpandLimits,
  budget: { chars: number; blobs: number; exhausted?: boolean },
  out: string[],
  spans?: [start: number, end: number, decoded: string][],
): void {
  const found: string[] = [];
  const runs = blobRuns(s, lim);
  for (const isHexRun of [false, true]) {
    const list = isHexRun ? runs.hex : runs.b64;
    for (let r = 0; r < list.length; r += 2) {
      const run = s.slice(list[r]!, list[r + 1]!);
      if (budget.blobs <= 0 || budget.chars <= 0 || depth > lim.maxDepth) {
        // Past a bound: what is left goes unread. Reported if any of it decodes to something
        // readable (then the caller fails closed); binary runs such as hashes cost nothing.
        if ((isHexRun ? decodeHex(run) : decodeBase64(run)) !== undefined) {
          budget.exhausted = true;
          return;
        }
        continue;
      }
      // Decode at most what the budget allows (base64: 4 chars → 3 bytes; hex: 2 → 1).
      const maxIn = isHexRun ? budget.chars * 2 : Math.ceil((budget.chars * 4) / 3 / 4) * 4;
      if (run.length > maxIn) budget.exhausted = true;
      const text = isHexRun ? decodeHex(run.slice(0, maxIn)) : decodeBase64(run.slice(0, maxIn));
      if (text === undefined) continue;
      budget.blobs--;
      budget.chars -= text.length;
      const view = normalizeText(text);
      out.push(view);
      found.push(view);
      spans?.push([list[r]!, list[r + 1]!, view]);
    }
  }
  // One level past the depth bound is searched only to report what it would have decoded.
  if (depth <= lim.maxDepth) for (const f of found) collectBlobs(f, depth + 1, lim, budget, depth < lim.maxDepth ? out : []);
}
