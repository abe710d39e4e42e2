/**
 * The secrets detector's allowlists, as gitleaks applies them: a candidate is dropped when the
 * global allowlist's regexes or stopwords hit its secret, or when one of its rule's allowlists
 * hits its target (the secret, the whole match, or the match's line). Regexes of one allowlist
 * run as one alternation, stopwords as one keyword automaton, and verdicts are remembered per
 * scan (LineMemo), so many candidates cost no repeated work.
 */
import { createKeywordMatcher, type KeywordMatcher } from './keywords.ts';
import { asciiTable } from './secret-prechecks.ts';

/** A rule's allowlist, compiled: what it tests, its regexes as one, its stopwords' matcher. */
export interface Allowlist {
  readonly target: string;
  readonly regexes: RegExp | undefined;
  readonly stop: KeywordMatcher | undefined;
}

/** Compiles one of a rule's allowlists from secret-rules.json. */
export function compileAllowlist(a: { readonly target: string; readonly regexes: readonly string[]; readonly stopwords: readonly string[] }): Allowlist {
  return { target: a.target, regexes: anyOf(a.regexes), stop: stopMatcher(a.stopwords) };
}

/** `[\w.-]`: gitleaks' dropped leading context of generic matches. */
const WORDISH = asciiTable(String.raw`[\w.-]`);

/**
 * Per scan: the text's newline offsets (found once, when a line allowlist first needs them) and
 * line-target allowlist results by allowlist and line. Searching back and forth from each
 * candidate instead would be quadratic on one long line with many candidates.
 */
export interface LineMemo {
  nl: number[] | undefined;
  readonly results: Map<object, Map<number, boolean>>;
  /** Match allowlist verdicts by allowlist and target (repeated candidates test once). */
  readonly verdicts: Map<object, Map<string, boolean>>;
  /** Per match allowlist: where the last target it tested stands in the text, and its verdict. */
  readonly lastTarget: Map<object, { readonly at: number; readonly length: number; readonly hit: boolean }>;
}

/** [start, end) of the line holding offset `at` (end excludes the newline). */
function lineAround(memo: LineMemo, text: string, at: number): [number, number] {
  if (!memo.nl) {
    memo.nl = [];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) memo.nl.push(i);
  }
  const nl = memo.nl;
  let lo = 0;
  let hi = nl.length; // first newline at or after `at`
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nl[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  // lastIndexOf('\n', at) also finds a newline at `at` itself.
  const start = lo < nl.length && nl[lo] === at ? at + 1 : lo > 0 ? nl[lo - 1]! + 1 : 0;
  const end = lo < nl.length ? nl[lo]! : text.length;
  return [start, end];
}

/**
 * One regex testing whether any of `sources` matches (none when empty): one pass instead of a
 * call per allowlist regex on every candidate. Same answer, as none has a backreference that
 * the added groups would renumber (checked).
 */
function anyOf(sources: readonly string[]): RegExp | undefined {
  if (sources.length === 0) return undefined;
  if (sources.some((s) => /\\[1-9]/.test(s))) throw new Error('secret-rules.json: an allowlist regex has a numbered backreference');
  return new RegExp(sources.map((s) => `(?:${s})`).join('|'));
}

/** A matcher for an allowlist's stopwords (none when it has none). */
function stopMatcher(words: readonly string[]): KeywordMatcher | undefined {
  const ws = words.filter((w) => w.length > 0);
  return ws.length ? createKeywordMatcher(ws) : undefined;
}

/**
 * The allowlist checks, split by what they read. `bySecret`: the global allowlist, every
 * allowlist's stopwords and the regexes of those whose target is the secret, a pure function of
 * the secret (the detector keeps its verdict for the last secret a rule saw). `byContext`: the
 * regexes of those whose target is the whole match or its line, which depend on where it stands.
 * A candidate is allowed when either says so.
 */
export interface AllowedCheck {
  bySecret(allow: readonly Allowlist[], secret: string): boolean;
  byContext(allow: readonly Allowlist[], match: string, text: string, at: number, lines: LineMemo): boolean;
}

/** Whether an allowlist's regexes test the match or its line (any other target: the secret). */
const readsPlace = (a: Allowlist): boolean => a.target === 'match' || a.target === 'line';

/** Whether one of `allow` tests the match or its line (so `byContext` has something to do). */
export function readsContext(allow: readonly Allowlist[]): boolean {
  return allow.some((a) => a.regexes !== undefined && readsPlace(a));
}

/** The allowlist checks, with the global allowlist (secret-rules.json `global`) compiled once. */
export function createAllowedCheck(global: { readonly regexes: readonly string[]; readonly stopwords: readonly string[] }): AllowedCheck {
  const globalRegexes = anyOf(global.regexes);
  const globalStop = global.stopwords;
  return {
    bySecret(allow, secret) {
      if (globalRegexes?.test(secret)) return true;
      const lower = secret.toLowerCase();
      if (globalStop.some((w) => lower.includes(w))) return true;
      for (const a of allow) {
        // One automaton pass over the (lower-cased) secret instead of an includes() per stopword
        // (generic-api-key has ~1500): same answer, since stopwords are lower-case already.
        if (a.stop?.some(lower)) return true;
        if (!readsPlace(a) && a.regexes?.test(secret)) return true;
      }
      return false;
    },
    byContext(allow, match, text, at, lines) {
      for (const a of allow) {
        const regexes = a.regexes;
        if (!regexes || !readsPlace(a)) continue;
        if (a.target === 'line') {
          // Once per line and allowlist per scan: many candidates on one long line would otherwise
          // each re-test the whole line (quadratic in the line's length).
          const [ls, le] = lineAround(lines, text, at);
          let memo = lines.results.get(a);
          if (!memo) lines.results.set(a, (memo = new Map()));
          const key = le * (text.length + 1) + ls; // (an offset on a newline has an empty "line")
          let hit = memo.get(key);
          if (hit === undefined) {
            hit = regexes.test(text.slice(ls, le));
            memo.set(key, hit);
          }
          if (hit) return true;
          continue;
        }
        // The match target. The generator dropped gitleaks' leading `[\w.-]{0,50}?` (a
        // backtracking shape); put that context back so allowlists written against the full
        // match still see it. `match` is text[at, at + match.length), so the target is one slice.
        let p = at;
        for (let c: number; p > 0 && at - p < 50 && (c = text.charCodeAt(p - 1)) < 128 && WORDISH[c] === 1; ) p--;
        const end = at + match.length;
        // The verdict on the scan's last target, compared in place (no slice, no hashing): a run
        // of one candidate repeated is tested and looked up once.
        const last = lines.lastTarget.get(a);
        if (last && last.length === end - p && sameRegion(text, last.at, p, end - p)) {
          if (last.hit) return true;
          continue;
        }
        const target = text.slice(p, end);
        let memo = lines.verdicts.get(a);
        if (!memo) lines.verdicts.set(a, (memo = new Map()));
        let hit = memo.get(target);
        if (hit === undefined) {
          hit = regexes.test(target);
          memo.set(target, hit);
        }
        lines.lastTarget.set(a, { at: p, length: end - p, hit });
        if (hit) return true;
      }
      return false;
    },
  };
}

/**
 * Whether `text` holds the same characters at [a, a + len) and [b, b + len): for a cache keyed
 * by a region of the scanned text, comparing in place reads what a string comparison would,
 * without the slice and its hashing.
 */
function sameRegion(text: string, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let i = 0; i < len; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}
