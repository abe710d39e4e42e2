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
  /** Secret and match allowlist verdicts by allowlist and target (repeated candidates test once). */
  readonly verdicts: Map<object, Map<string, boolean>>;
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

/** Whether a candidate secret is allowed, by the global allowlist or one of its rule's (`allow`). */
export type AllowedCheck = (allow: readonly Allowlist[], secret: string, match: string, text: string, at: number, lines: LineMemo) => boolean;

/** The allowlist check, with the global allowlist (secret-rules.json `global`) compiled once. */
export function createAllowedCheck(global: { readonly regexes: readonly string[]; readonly stopwords: readonly string[] }): AllowedCheck {
  const globalRegexes = anyOf(global.regexes);
  const globalStop = global.stopwords;
  // The last secret checked, lower-cased, and the global allowlist's verdict on it (a pure
  // function of the secret): a run of one secret repeated is lower-cased and tested once.
  let lastSecret: string | undefined;
  let lastLower = '';
  let lastGlobal = false;
  return function allowed(allow, secret, match, text, at, lines) {
    if (secret !== lastSecret) {
      lastSecret = secret;
      lastLower = secret.toLowerCase();
      lastGlobal = (globalRegexes?.test(secret) ?? false) || globalStop.some((w) => lastLower.includes(w));
    }
    const lower = lastLower;
    if (lastGlobal) return true;
    for (const a of allow) {
      // One automaton pass over the (lower-cased) secret instead of an includes() per stopword
      // (generic-api-key has ~1500): same answer, since stopwords are lower-case already.
      if (a.stop?.some(lower)) return true;
      const regexes = a.regexes;
      if (!regexes) continue;
      let target = secret;
      if (a.target === 'match') {
        // The generator dropped gitleaks' leading `[\w.-]{0,50}?` (a backtracking shape); put
        // that context back so allowlists written against the full match still see it.
        let p = at;
        for (let c: number; p > 0 && at - p < 50 && (c = text.charCodeAt(p - 1)) < 128 && WORDISH[c] === 1; ) p--;
        target = text.slice(p, at) + match;
      }
      else if (a.target === 'line') {
        // Once per line and allowlist per scan: many candidates on one long line would otherwise
        // each re-test the whole line (quadratic in the line's length).
        const [ls, le] = lineAround(lines, text, at);
        let memo = lines.results.get(a);
        if (!memo) lines.results.set(a, (memo = new Map()));
        const key = le * (text.length + 1) + ls; // (an offset on a newline has an empty "line")
        let hit = memo.get(key);
        if (hit === undefined) {
          const line = text.slice(ls, le);
          hit = regexes.test(line);
          memo.set(key, hit);
        }
        if (hit) return true;
        continue;
      }
      let memo = lines.verdicts.get(a);
      if (!memo) lines.verdicts.set(a, (memo = new Map()));
      let hit = memo.get(target);
      if (hit === undefined) {
        hit = regexes.test(target);
        memo.set(target, hit);
      }
      if (hit) return true;
    }
    return false;
  };
}
