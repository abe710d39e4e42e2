/**
 * The secrets detector's rule prechecks: cheap tests, derived by scripts/gen-secret-rules.ts
 * from a rule's shape, that decide where the rule's regex may match, so only starts that can
 * match run it (each failing start of a bounded regex would otherwise re-scan up to its bound:
 * 150 to 1500 characters per keyword on keyword-dense text). This module holds their JSON form
 * (secret-rules.json `pre`), their compiled form and the ASCII class tables they test with; the
 * scans are in secret-precheck-semi.ts (operator and secret-length checks), secret-precheck-
 * literal.ts (literal prefix runs, alternatives) and secret-precheck-curl.ts (the curl split).
 * Each scan calls back with exactly the matches the rule's global regex would find.
 */

import { escapeRegExp } from '../../shared/escape-regexp.ts';

/** A precheck as secret-rules.json holds it. */
export type PrecheckJson = SemiJson | SplitJson | LitJson | AltJson;
export interface LitJson { kind: 'lit'; lit: string; ci: boolean; wb: boolean; at: number; cls: string; min: number; max: number | null; after?: string; then?: { lit: string; ci: boolean; within: number; re?: string } }
export interface AltJson { kind: 'alt'; parts: (SemiJson | LitJson)[] }
export interface SemiJson {
  kind: 'semi';
  head: string;
  headFirst: string | null;
  maxHead: number;
  secretFirst: string | null;
  alts: [cls: string, min: number, max: number | null, eq: boolean][] | null;
}
export interface SplitJson { kind: 'split'; head: string; line: number; lines: number; tail: string; hint: string }

/** A compiled precheck. */
export type Precheck = Semi | Split | Lit | Alt;
/** Called with each match of the rule's regex, in order. */
export type OnMatch = (m: RegExpExecArray) => void;

/** A rule whose top-level alternatives each have a precheck. */
export interface Alt {
  readonly kind: 'alt';
  readonly sticky: RegExp;
  readonly parts: readonly (Semi | Lit)[];
}

/**
 * A rule starting with a literal then a run of class tokens: the regex sticky, the literal,
 * the run's classes and its length bounds (max -1: unbounded).
 */
export interface Lit {
  readonly kind: 'lit';
  readonly sticky: RegExp;
  readonly lit: string;
  /** For a literal of ASCII case pairs (`[aA]`): a case-insensitive search for it. */
  readonly ci: RegExp | undefined;
  /**
   * With `wb` at offset 0: a search for the literal after a word boundary, so that occurrences
   * inside words (`ey` in `key=key=…`) are skipped by the regex engine rather than one by one.
   */
  readonly boundary: RegExp | undefined;
  /** The regex starts with `\b` and the literal with a word character. */
  readonly wb: boolean;
  /** The literal's offset in every match (fixed-length tokens before it). */
  readonly at: number;
  readonly table: Uint8Array;
  /** The class repeated, sticky: a long run's end is found by the regex engine's own loop. */
  readonly run: RegExp;
  readonly min: number;
  readonly max: number;
  /** For a bounded run followed by a required token: the characters that token may start with. */
  readonly after: Uint8Array | undefined;
  /** What every match has starting within `within` characters after the prefix literal's end (a search for it). */
  readonly then: { readonly find: RegExp; readonly within: number } | undefined;
}

/**
 * A semi-generic rule (gitleaks' keyword, gap, operator, secret, terminator shape): its regex
 * sticky, the keyword part's maximum length, and the secret's class runs (null: not checked).
 */
export interface Semi {
  readonly kind: 'semi';
  readonly sticky: RegExp;
  readonly maxHead: number;
  /** The keyword part alone (global): every match starts where it matches. */
  readonly head: RegExp;
  /** The ASCII characters the keyword part can start with (null: any). */
  readonly headFirst: Uint8Array | null;
  /** The ASCII characters the secret can start with (null: any). */
  readonly secretFirst: Uint8Array | null;
  readonly alts: readonly SemiAlt[] | null;
}
export interface SemiAlt {
  readonly table: Uint8Array;
  readonly min: number;
  /**
   * -1: unbounded (the class shares characters with the terminator); else the run is the whole
   * secret, so the terminator follows it (after up to three `=` where `eq`).
   */
  readonly max: number;
  readonly eq: boolean;
  /** The class repeated, sticky: a long run's end is found by the regex engine's own loop. */
  readonly run: RegExp;
}
/** A curl rule: the regex sticky, its head, the line bounds of its gap, and its tail. */
export interface Split {
  readonly kind: 'split';
  readonly sticky: RegExp;
  readonly head: RegExp;
  readonly line: number;
  readonly lines: number;
  readonly tail: RegExp;
  readonly hint: RegExp;
}

/** ASCII membership table of a character class (the generator checked it has no other members). */
export function asciiTable(cls: string): Uint8Array {
  const re = new RegExp(`^${cls}$`);
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  return t;
}
/** JavaScript's `\s` beyond ASCII. */
export function isNonAsciiSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
/** `[\w.\s'"-]`: what a semi-generic keyword and gap consist of (its operator is never one). */
export const GAP = asciiTable(String.raw`[\w.\s'"-]`);
/** First characters of the operator `=|>|:{1,3}=|\|\||:|=>|\?=|,`. */
export const OP = asciiTable('[=>:|?,]');
export const WORD = asciiTable(String.raw`\w`);
/** First characters of the semi-generic terminator `(?:[\x60'"\s;]|\\[nNrR]|$)`. */
export const TERM = asciiTable(String.raw`[\x60'"\s;\\]`);
/** What may lie between the operator's first character and the secret: the rest of the operator, `[\x60'"\s=]`. */
export const SEP = asciiTable(String.raw`[=>:|\x60'"\s]`);

/** How much of a run is read in JavaScript before the regex engine takes over. */
const RUN_BY_HAND = 32;

/**
 * The end of the run of a class (`table`, and `run`: the class repeated, sticky) that reaches
 * `e` in `text`: read by hand a little, then by the regex engine's own loop. Where it reaches
 * `knownFrom`, the start of a run already read to its end `knownTo`, it ends there too.
 */
export function classRunEnd(table: Uint8Array, run: RegExp, text: string, e: number, knownFrom = -1, knownTo = -1): number {
  const lim = Math.min(text.length, e + RUN_BY_HAND);
  for (let d: number; e < lim && (d = text.charCodeAt(e)) < 128 && table[d] === 1; e++) if (e === knownFrom) return knownTo;
  if (e < lim || lim === text.length) return e;
  run.lastIndex = e;
  run.test(text);
  return run.lastIndex;
}

/**
 * Compiles the precheck `p` of the rule regex `re` (each part gets its own sticky copy of `re`,
 * with `flags`: `y`, and `d` where the rule's spans need match indices; see secret-spans.ts).
 */
export function compilePrecheck(re: string, p: PrecheckJson, flags: string): Precheck {
  if (p.kind === 'alt') return { kind: 'alt', sticky: new RegExp(re, flags), parts: p.parts.map((q) => compilePrecheck(re, q, flags) as Semi | Lit) };
  if (p.kind === 'lit') {
    const ci = p.ci ? new RegExp(escapeRegExp(p.lit), 'gi') : undefined;
    // The literal with the fixed tokens after it when the generator found some, else the literal.
    const then = p.then && {
      find: p.then.re ? new RegExp(p.then.re, 'g') : new RegExp(escapeRegExp(p.then.lit), p.then.ci ? 'gi' : 'g'),
      within: p.then.within,
    };
    const boundary = p.wb && p.at === 0 ? new RegExp(`\\b${escapeRegExp(p.lit)}`, p.ci ? 'gi' : 'g') : undefined;
    return { kind: 'lit', sticky: new RegExp(re, flags), lit: p.lit, ci, boundary, wb: p.wb, at: p.at, table: asciiTable(p.cls), run: new RegExp(`${p.cls}*`, 'y'), min: p.min, max: p.max ?? -1, after: p.after ? asciiTable(p.after) : undefined, then };
  }
  if (p.kind === 'semi') {
    return {
      kind: 'semi',
      sticky: new RegExp(re, flags),
      maxHead: p.maxHead,
      head: new RegExp(p.head, 'g'),
      headFirst: p.headFirst === null ? null : asciiTable(p.headFirst),
      secretFirst: p.secretFirst === null ? null : asciiTable(p.secretFirst),
      alts: p.alts && p.alts.map(([cls, min, max, eq]) => ({ table: asciiTable(cls), min, max: max ?? -1, eq, run: new RegExp(`${cls}*`, 'y') })),
    };
  }
  return { kind: 'split', sticky: new RegExp(re, flags), head: new RegExp(p.head, 'g'), line: p.line, lines: p.lines, tail: new RegExp(p.tail, 'y'), hint: new RegExp(p.hint, 'g') };
}
