/**
 * Helpers shared by the input (tool-argument) detectors: input bounds, finding construction and the
 * bounded decoders attackers use to hide `..`, `/` and `;` from naive filters.
 *
 * Every function here is linear in its input and never throws: hostile input is data, not an error.
 */
import { nfkc } from '../../shared/unicode.ts';
import type { Finding, Severity } from '../types.ts';

/** Default number of UTF-16 units of one field a detector looks at (16 KiB). */
export const DEFAULT_MAX_SCAN = 16 * 1024;

/** Builds a finding. Messages are fixed strings chosen by the rule, never the scanned text. */
export function finding(
  detector: string,
  rule: string,
  severity: Severity,
  message: string,
  start?: number,
  end?: number,
): Finding {
  const f: { -readonly [K in keyof Finding]: Finding[K] } = { detector, rule, severity, message };
  if (start !== undefined) f.start = start;
  if (end !== undefined) f.end = end;
  return f;
}

/**
 * Cuts `text` to `max` units. A cut input yields a low-severity `<detector>.truncated` finding so the
 * policy can decide what an oversized argument means (it is not silently treated as clean).
 */
export function bound(detector: string, text: string, max: number, out: Finding[]): string {
  if (text.length <= max) return text;
  out.push(finding(detector, `${detector}.truncated`, 'low', `argument longer than ${max} characters; only the first ${max} were inspected`));
  return text.slice(0, max);
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * One finding per rule, so a payload repeated 1,000 times is one finding: the most severe of the
 * rule's findings (a rule can report different severities, e.g. an internal host name), at the
 * position of the rule's first finding.
 */
export function dedupe(findings: Finding[]): Finding[] {
  const at = new Map<string, number>();
  const out: Finding[] = [];
  for (const f of findings) {
    const i = at.get(f.rule);
    if (i === undefined) {
      at.set(f.rule, out.length);
      out.push(f);
    } else if (RANK[f.severity] > RANK[out[i]!.severity]) out[i] = f;
  }
  return out;
}

/** Runs `fn`, turning any exception into a finding (`<detector>.internal-error`) instead of a throw. */
export function guarded(detector: string, fn: () => Finding[]): Finding[] {
  try {
    return dedupe(fn());
  } catch {
    return [finding(detector, `${detector}.internal-error`, 'medium', 'detector failed on this input; treated as suspicious (fail closed)')];
  }
}

const HEX = '0123456789abcdefABCDEF';
const isHex = (c: string | undefined): boolean => c !== undefined && c !== '' && HEX.includes(c);

/**
 * One round of percent-decoding that never throws: `%XX` becomes the byte, `%uXXXX` (IIS) the
 * code unit; bytes are then read as UTF-8 with overlong forms (`%c0%ae` → `.`) decoded the way
 * old servers did, which is exactly why attackers use them. Invalid sequences stay as they are.
 */
export function percentDecodeOnce(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length === 0) return;
    out += utf8Lenient(bytes);
    bytes.length = 0;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%' && isHex(s[i + 1]) && isHex(s[i + 2])) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (c === '%' && (s[i + 1] === 'u' || s[i + 1] === 'U') && isHex(s[i + 2]) && isHex(s[i + 3]) && isHex(s[i + 4]) && isHex(s[i + 5])) {
      flush();
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
      i += 5;
      continue;
    }
    flush();
    out += c;
  }
  flush();
  return out;
}

/** Lenient UTF-8: accepts overlong 2- and 3-byte forms (the classic `%c0%ae` traversal). */
function utf8Lenient(b: number[]): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as number;
    const y = b[i + 1];
    const z = b[i + 2];
    if (x >= 0xc0 && x < 0xe0 && y !== undefined && (y & 0xc0) === 0x80) {
      out += String.fromCharCode(((x & 0x1f) << 6) | (y & 0x3f));
      i += 1;
    } else if (x >= 0xc0 && x < 0xe0 && y !== undefined) {
      // Broken continuation byte (`%c0%5c`, `%c1%1c`): IIS-era decoders still mapped these to ASCII.
      out += y < 0x80 ? String.fromCharCode(y) : String.fromCharCode(((x & 0x1) << 6) | (y & 0x3f));
      i += 1;
    } else if (x >= 0xe0 && x < 0xf0 && y !== undefined && z !== undefined && (y & 0xc0) === 0x80 && (z & 0xc0) === 0x80) {
      out += String.fromCharCode(((x & 0x0f) << 12) | ((y & 0x3f) << 6) | (z & 0x3f));
      i += 2;
    } else if (x >= 0xf0 && i + 3 < b.length) {
      const cp = ((x & 0x07) << 18) | (((b[i + 1] as number) & 0x3f) << 12) | (((b[i + 2] as number) & 0x3f) << 6) | ((b[i + 3] as number) & 0x3f);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      i += 3;
    } else {
      out += String.fromCharCode(x);
    }
  }
  return out;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', sol: '/', bsol: '\\', period: '.', colon: ':', semi: ';', vert: '|', grave: '`', dollar: '$', lpar: '(', rpar: ')', newline: '\n' };

/** Decodes HTML character references (`&lt;`, `&#47;`, `&#x2f;`); unknown ones stay. */
export function htmlDecode(s: string): string {
  if (!s.includes('&')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '&') {
      out += c;
      continue;
    }
    const semi = s.indexOf(';', i + 1);
    if (semi < 0 || semi - i > 10) {
      out += c;
      continue;
    }
    const body = s.slice(i + 1, semi);
    let rep: string | undefined;
    if (body.startsWith('#x') || body.startsWith('#X')) {
      const n = parseInt(body.slice(2), 16);
      if (Number.isFinite(n) && n <= 0x10ffff) rep = String.fromCodePoint(n);
    } else if (body.startsWith('#')) {
      const n = parseInt(body.slice(1), 10);
      if (Number.isFinite(n) && n <= 0x10ffff) rep = String.fromCodePoint(n);
    } else {
      rep = ENTITIES[body.toLowerCase()];
    }
    if (rep === undefined) {
      out += c;
      continue;
    }
    out += rep;
    i = semi;
  }
  return out;
}

/**
 * The decoded views of a value worth inspecting: the raw text, then up to three rounds of
 * percent/HTML decoding (double and triple encoding), then NFKC (fullwidth `．` → `.`).
 * Distinct views only; each is at most as long as the input.
 */
export function decodedViews(s: string, rounds = 3): string[] {
  const views = [s];
  let cur = s;
  for (let r = 0; r < rounds; r++) {
    const next = htmlDecode(percentDecodeOnce(cur));
    if (next === cur) break;
    views.push(next);
    cur = next;
  }
  const folded = nfkc(cur);
  if (folded !== cur) views.push(folded);
  return views;
}

/** Lowercase ASCII only (locale-free, length-preserving so offsets stay valid). */
export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** True when `s` looks like standard base64 of at least `min` characters (used to unwrap encoded payloads). */
export function looksBase64(s: string, min = 12): boolean {
  if (s.length < min || s.length % 4 !== 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || (c === 61 && i >= s.length - 2);
    if (!ok) return false;
  }
  return true;
}

/** Decodes base64 to text when the result is mostly printable ASCII, else undefined. */
export function base64Text(s: string): string | undefined {
  const t = Buffer.from(s, 'base64').toString('latin1');
  let printable = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 32 && c < 127) printable++;
  }
  return t.length > 0 && printable / t.length > 0.9 ? t : undefined;
}

/**
 * Shortens every run of more than `max` identical punctuation characters to `max`. A thousand `{`
 * mean nothing a few dozen do not, but they drive a parser's error recovery into its worst case.
 */
export function collapseRuns(s: string, max = 32): string {
  let out = '';
  let runStart = 0;
  for (let i = 1; i <= s.length; i++) {
    if (i < s.length && s[i] === s[runStart]) continue;
    const ch = s[runStart] as string;
    const len = i - runStart;
    out += len > max && !/[A-Za-z0-9\s]/.test(ch) ? ch.repeat(max) : s.slice(runStart, i);
    runStart = i;
  }
  return out;
}
