/**
 * Personal data in tool results (and arguments): e-mail addresses, phone numbers, payment card
 * numbers (Luhn), IBANs (ISO 13616 mod-97), US SSNs (valid ranges), UK National Insurance
 * numbers, IPv4/IPv6 addresses. Every pattern is a flat run of bounded character classes (linear
 * time) and is followed by a checksum or range check where the format has one, which is what
 * keeps table-like tool output (order ids, amounts) from being reported as cards or SSNs.
 */
import { isIPv6 } from 'node:net';
import type { Detector, Finding, Severity } from '../types.ts';

export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'nino' | 'ipv4' | 'ipv6';

export const PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'card', 'iban', 'ssn', 'nino', 'ipv4', 'ipv6'];

export interface PiiOptions {
  /** Kinds to report; default all. */
  readonly kinds?: readonly PiiKind[];
}

interface PiiRule {
  readonly kind: PiiKind;
  readonly re: RegExp;
  readonly severity: Severity;
  readonly message: string;
  /** Cheap precondition on the whole text, so most rules cost one indexOf on most results. */
  readonly pre?: (s: string) => boolean;
  readonly valid?: (m: string) => boolean;
}

/** Luhn checksum over the digits of `s`. */
export function luhn(s: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/**
 * A card-pattern match (digits, spaces, dashes) is a card number: 13-19 digits, a Luhn checksum,
 * an issuer prefix (Visa 4, Mastercard 51-55/2221-2720, Amex 34/37, Discover 6011/65/644-649,
 * Diners 36/38/300-305, JCB 35, UnionPay 62, Maestro 50/56-69; rejects Luhn-valid ids starting
 * 0/1/7/8/9), and not one digit repeated. One pass without allocating: dense digit text yields a
 * candidate every ~20 characters, so the per-candidate cost is what bounds the scan.
 */
function validCardMatch(m: string): boolean {
  let n = 0;
  let first = -1;
  let second = -1;
  let same = true;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    if (n === 0) first = c;
    else {
      if (n === 1) second = c;
      if (c !== first) same = false;
    }
    n++;
  }
  if (n < 13 || n > 19 || same) return false;
  const issuer = first === 4 || first === 6 || first === 5 || (first === 2 && second >= 2 && second <= 7) || (first === 3 && second >= 4 && second <= 8);
  return issuer && luhn(m);
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanValid(m: string): boolean {
  const s = m.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** One character of the ISO 13616 mod-97 (letters as two digits, A = 10), or -1 for any other. */
function ibanStep(rem: number, c: number): number {
  if (c >= 48 && c <= 57) return (rem * 10 + (c - 48)) % 97;
  if (c >= 65 && c <= 90) return (rem * 100 + (c - 55)) % 97;
  return -1;
}

/** {@link ibanValid} for a match of the IBAN pattern (A-Z, 0-9, spaces), without allocating. */
function ibanValidMatch(m: string): boolean {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m.charCodeAt(i) !== 32) n++;
  if (n < 15 || n > 34) return false;
  // mod 97 over characters 5..end, then the first four.
  let rem = 0;
  let k = 0;
  let head = -1;
  for (let i = 0; i < m.length && rem >= 0; i++) {
    const c = m.charCodeAt(i);
    if (c === 32) continue;
    if (k++ < 4) {
      if (head < 0) head = i;
      continue;
    }
    rem = ibanStep(rem, c);
  }
  for (let i = head, taken = 0; taken < 4 && rem >= 0; i++) {
    const c = m.charCodeAt(i);
    if (c === 32) continue;
    rem = ibanStep(rem, c);
    taken++;
  }
  return rem === 1;
}

function validSsn(m: string): boolean {
  const [a, g, s] = m.split(/[- ]/);
  if (!a || !g || !s) return false;
  const area = Number(a);
  // SSA: area 000, 666 and 900-999 are never issued; group 00 and serial 0000 neither.
  return area !== 0 && area !== 666 && area < 900 && g !== '00' && s !== '0000';
}

function validPhone(m: string): boolean {
  const n = m.replace(/\D/g, '').length;
  return n >= 8 && n <= 15;
}

const RULES: readonly PiiRule[] = [
  {
    kind: 'card',
    re: /\b\d(?:[ -]?\d){12,18}\b/g,
    severity: 'high',
    message: 'payment card number (Luhn-valid)',
    valid: validCardMatch,
  },
  {
    kind: 'iban',
    re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    severity: 'high',
    message: 'IBAN (checksum-valid)',
    valid: ibanValidMatch,
  },
  {
    kind: 'ssn',
    re: /\b\d{3}-\d{2}-\d{4}\b/g,
    severity: 'high',
    message: 'US social security number',
    valid: validSsn,
  },
  {
    kind: 'nino',
    // HMRC: first letter not D F I Q U V, second not D F I O Q U V; prefixes BG GB KN NK NT TN ZZ unused.
    re: /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    severity: 'high',
    message: 'UK National Insurance number',
  },
  {
    kind: 'phone',
    // International (+CC …) or North-American (NXX) NXX-XXXX shapes; bare digit runs are not phones.
    re: /(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,5}){1,4}|(?<!\d)\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4})(?![\d-])/g,
    severity: 'medium',
    message: 'phone number',
    valid: validPhone,
  },
  {
    kind: 'ipv4',
    re: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g,
    severity: 'low',
    message: 'IPv4 address',
    pre: (s) => s.includes('.'),
  },

];

const DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/y;
// Character tables (one lookup per character instead of a regex call): the local part's
// characters, the domain's label characters, and letters.
const LOCAL_CH = new Uint8Array(128);
const LABEL_CH = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-') LABEL_CH[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-') LOCAL_CH[c.charCodeAt(0)] = 1;
const isLocal = (c: number) => c < 128 && LOCAL_CH[c] === 1;
const isLabel = (c: number) => c < 128 && LABEL_CH[c] === 1;
const isAlpha = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;

/**
 * Necessary condition for DOMAIN at `from`: a label character first, then within the run of
 * label characters and dots a dot followed by two letters. Scans to the end of that run only,
 * which stops at the next '@', so the forward scans of all '@'s together stay linear.
 */
function mayBeDomain(text: string, from: number): boolean {
  if (!isLabel(text.charCodeAt(from))) return false;
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (isAlpha(text.charCodeAt(i + 1)) && isAlpha(text.charCodeAt(i + 2))) return true;
    } else if (!isLabel(c)) return false;
  }
  return false;
}

/**
 * E-mail addresses, anchored at each '@' (found with indexOf) rather than tried at every
 * position: the local part is walked back at most 64 characters, the domain matched sticky.
 */
function scanEmails(text: string, out: Finding[]): void {
  let at = text.indexOf('@');
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocal(text.charCodeAt(s - 1))) s--;
    DOMAIN.lastIndex = at + 1;
    const m = s < at && mayBeDomain(text, at + 1) ? DOMAIN.exec(text) : null;
    if (m) {
      const end = at + 1 + m[0].length;
      out.push({ detector: 'pii', rule: 'pii.email', severity: 'medium', message: 'e-mail address', start: s, end, kind: 'email' });
      at = text.indexOf('@', end);
    } else at = text.indexOf('@', at + 1);
  }
}

const HEXCOLON = (c: number) => c === 58 || (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/**
 * Necessary conditions for a run of hex digits and colons to be an IPv6 address, checked before
 * the platform parser (and before slicing): two or more colons, at most 8 groups of at most 4
 * digits, at most one "::" and no ":::". Runs of colons or of "1:" then cost one pass each.
 */
function ipv6Shape(text: string, s: number, e: number): boolean {
  if (e - s > 39) return false;
  let colons = 0;
  let doubles = 0;
  let digits = 0;
  for (let i = s; i < e; i++) {
    if (text.charCodeAt(i) === 58) {
      colons++;
      if (digits === 0 && i > s && text.charCodeAt(i - 1) === 58) {
        if (i - 1 > s && text.charCodeAt(i - 2) === 58) return false;
        doubles++;
      }
      digits = 0;
    } else if (++digits > 4) return false;
  }
  return colons >= 2 && colons <= 8 && doubles <= 1;
}

/**
 * IPv6 addresses, anchored at colons (rare in prose): the run of hex digits and colons around
 * each is validated by the platform parser, so times such as 21:49:18 are not addresses.
 */
function scanIpv6(text: string, out: Finding[]): void {
  let p = text.indexOf(':');
  while (p >= 0) {
    let s = p;
    while (s > 0 && p - s < 40 && HEXCOLON(text.charCodeAt(s - 1))) s--;
    let e = p + 1;
    while (e < text.length && e - s < 45 && HEXCOLON(text.charCodeAt(e))) e++;
    if (ipv6Shape(text, s, e) && isIPv6(text.slice(s, e)) && !HEXCOLON(text.charCodeAt(s - 1)) && !HEXCOLON(text.charCodeAt(e))) {
      out.push({ detector: 'pii', rule: 'pii.ipv6', severity: 'low', message: 'IPv6 address', start: s, end: e, kind: 'ipv6' });
    }
    // A run longer than the bounds holds no address at any of its colons (each would see the run
    // continue past its window): resume after the whole run, not 45 characters on.
    while (e < text.length && HEXCOLON(text.charCodeAt(e))) e++;
    p = text.indexOf(':', Math.max(e, p + 1));
  }
}

/** Builds the PII detector once; `scan` is linear and never throws. */
export function createPiiDetector(opts: PiiOptions = {}): Detector {
  const kinds = new Set(opts.kinds ?? PII_KINDS);
  const emails = kinds.has('email');
  const ipv6 = kinds.has('ipv6');
  const rules = RULES.filter((r) => kinds.has(r.kind)).map((r) => ({ ...r, re: new RegExp(r.re.source, r.re.flags) }));
  return {
    name: 'pii',
    direction: 'both',
    exactSpans: true,
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      if (emails) scanEmails(text, out);
      if (ipv6) scanIpv6(text, out);
      for (const r of rules) {
        if (r.pre && !r.pre(text)) continue;
        r.re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = r.re.exec(text)) !== null) {
          if (r.valid && !r.valid(m[0])) continue;
          out.push({
            detector: 'pii',
            rule: `pii.${r.kind}`,
            severity: r.severity,
            message: r.message,
            start: m.index,
            end: m.index + m[0].length,
            kind: r.kind,
          });
        }
      }
      return out;
    },
  };
}
