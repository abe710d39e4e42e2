/**
 * Where a rule's secret stands in its match, without match indices when the rule's shape tells.
 * A finding spans the secret (its capture group), which the `d` flag reports; but V8 builds the
 * indices on every match, about doubling its cost, on texts with a match every few characters.
 * Most rules (gitleaks' semi-generic ones, and some with a literal prefix) end with their only
 * group and then gitleaks' terminator, so the secret ends where the match ends less the
 * terminator, and the terminator is what the match ends with. This module decides which rule
 * regexes get indices (`ruleFlags`), finds those rules (`secretBeforeTerminator`) and that length
 * (`terminatorLength`); when the match's end could be read two ways, the detector asks a copy of
 * the regex with indices.
 */
import { isNonAsciiSpace } from './secret-prechecks.ts';

/**
 * The flags a rule regex `re` is compiled with: `base`, plus `d` (match indices) only when `re`
 * has a capture group whose span a finding cannot read otherwise. V8 builds the indices array on
 * every match, which about doubles the cost of a match; a rule without groups spans its whole
 * match, and one whose only group comes right before gitleaks' terminator ends where the match
 * ends less the terminator (below).
 */
export function ruleFlags(re: string, base: string): string {
  return hasGroup(re) && secretBeforeTerminator(re) === undefined ? `${base}d` : base;
}

/** Whether the regex source `re` has a capture group. */
export function hasGroup(re: string): boolean {
  return groupCount(re) > 0;
}

/** How many capture groups the regex source `re` has. */
function groupCount(re: string): number {
  return new RegExp(`${re}|`).exec('')!.length - 1;
}

/** gitleaks' terminator after a secret: a quote, blank or `;`, an escaped line break, or the end. */
export const TERMINATOR = String.raw`(?:[\x60'"\s;]|\\[nNrR]|$)`;
/** The older rules' form of it, with escaped line breaks in lower case only. */
export const TERMINATOR_LOWER = String.raw`(?:[\x60'"\s;]|\\[nr]|$)`;

/** Which terminator a rule ends with: escaped line breaks in either case, or lower case only. */
export type Terminator = 'nNrR' | 'nr';

/**
 * The terminator the rule regex `re` ends with, when it has exactly one capture group and that
 * group closes right before it (nothing after the secret but the terminator); else undefined.
 */
export function secretBeforeTerminator(re: string): Terminator | undefined {
  const form: Terminator | undefined = re.endsWith(TERMINATOR) ? 'nNrR' : re.endsWith(TERMINATOR_LOWER) ? 'nr' : undefined;
  if (form === undefined) return undefined;
  const head = re.slice(0, -(form === 'nNrR' ? TERMINATOR : TERMINATOR_LOWER).length);
  if (!head.endsWith(')') || groupCount(re) !== 1) return undefined;
  // Walk the source to the closing parenthesis before the terminator and see what it closes:
  // escapes and character classes hold no groups.
  const open: boolean[] = []; // per open group: whether it captures
  let inClass = false;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') open.push(head[i + 1] !== '?' || head.startsWith('(?<', i) && head[i + 3] !== '=' && head[i + 3] !== '!');
    else if (c === ')') {
      const capturing = open.pop();
      if (i === head.length - 1) return capturing === true && open.length === 0 ? form : undefined;
    }
  }
  return undefined;
}

/** `[\x60'"\s;]`: the terminator's one-character forms. */
function endsClause(c: number): boolean {
  return c < 128 ? c === 0x60 || c === 0x27 || c === 0x22 || c === 0x3b || c === 0x20 || (c >= 0x09 && c <= 0x0d) : isNonAsciiSpace(c);
}

/**
 * The length of the terminator (of the form `form`) a match of such a rule ends with (`match`
 * ending at the end of its input when `atEnd`): 0, 1 or 2, or -1 when more than one form fits.
 * The form the regex took always fits, so when only one does, it is that one. Two fit only at
 * the end of the input (the end, or a quote or escaped line break that could be the secret's
 * last character).
 */
export function terminatorLength(match: string, atEnd: boolean, form: Terminator): number {
  const n = match.length;
  const last = match.charCodeAt(n - 1);
  const escape = last === 0x6e || last === 0x72 || (form === 'nNrR' && (last === 0x4e || last === 0x52));
  const t = endsClause(last) ? 1 : n >= 2 && match.charCodeAt(n - 2) === 0x5c && escape ? 2 : 0;
  // Not at the end, no form fitting cannot happen; the caller then asks the regex all the same.
  if (atEnd) return t === 0 ? 0 : -1;
  return t === 0 ? -1 : t;
}
