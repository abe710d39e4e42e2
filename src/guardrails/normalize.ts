/**
 * Evasion handling before detection. Attackers hide instructions and secrets from pattern
 * matchers with invisible characters, Unicode tag characters (U+E0000 block, "ASCII smuggling"),
 * look-alike letters and encodings. Detectors scan the *views* returned by {@link expandForScan}:
 * the raw text (offsets valid for redaction), its normalised form, and decoded base64/hex blobs.
 *
 * Every function here is linear in the input: single regex passes over character classes with
 * no nested quantifiers, a fixed lookup table, and hard bounds on decoding depth and size.
 */

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
  maxDecodedChars: 64 * 1024,
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
const NON_ASCII = /[^\x00-\x7F]/;

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
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'g');

function decodeTag(m: string): string {
  const c = m.charCodeAt(1) - 0xdc00;
  // U+E0020..U+E007E mirror printable ASCII; the rest (language tag, cancel tag) are dropped.
  return c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '';
}

/**
 * The canonical form detectors match against: tag characters decoded to the ASCII they hide,
 * invisible and bidi control characters removed, NFKC (fullwidth, mathematical and ligature
 * forms to ASCII), then look-alike letters folded to Latin. Pure ASCII returns unchanged.
 */
export function normalizeText(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  let t = s.replace(TAGS, decodeTag).replace(INVISIBLE, '');
  t = t.normalize('NFKC');
  // NFKC can produce new invisibles (rare compatibility mappings); one more strip is cheap.
  return t.replace(INVISIBLE, '').replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c);
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

// Runs of base64/base64url (optionally padded) and of hex digit pairs. Single character-class
// runs: linear, no backtracking beyond the run.
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?:0x)?[0-9a-fA-F]{16,}/g;

/** Decoded bytes read as UTF-8 text, or undefined if they do not look like text. */
function asText(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const s = bytes.toString('utf8');
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || (c >= 0xa0 && c !== 0xfffd)) printable++;
  }
  return printable / s.length >= 0.9 ? s : undefined;
}

function decodeBase64(run: string): string | undefined {
  // Pure hex or pure digits/letters without mixed case rarely is base64 text; hex is tried separately.
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run)) return undefined;
  const std = run.replace(/-/g, '+').replace(/_/g, '/');
  return asText(Buffer.from(std, 'base64'));
}

function decodeHex(run: string): string | undefined {
  const h = run.startsWith('0x') ? run.slice(2) : run;
  return asText(Buffer.from(h.length % 2 ? h.slice(0, -1) : h, 'hex'));
}

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

function collectBlobs(
  s: string,
  depth: number,
  lim: ExpandLimits,
  budget: { chars: number; blobs: number },
  out: string[],
): void {
  const found: string[] = [];
  for (const re of [BASE64_RUN, HEX_RUN]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
      if (budget.blobs <= 0 || budget.chars <= 0) break;
      const run = m[0];
      const isHex = re === HEX_RUN;
      if (run.length < (isHex ? lim.minHexLength : lim.minBase64Length)) continue;
      // Decode at most what the budget allows (base64: 4 chars → 3 bytes; hex: 2 → 1).
      const maxIn = isHex ? budget.chars * 2 : Math.ceil((budget.chars * 4) / 3 / 4) * 4;
      const text = isHex ? decodeHex(run.slice(0, maxIn)) : decodeBase64(run.slice(0, maxIn));
      if (text === undefined) continue;
      budget.blobs--;
      budget.chars -= text.length;
      const view = normalizeText(text);
      out.push(view);
      found.push(view);
    }
  }
  if (depth < lim.maxDepth) for (const f of found) collectBlobs(f, depth + 1, lim, budget, out);
}
