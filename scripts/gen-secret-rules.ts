/**
 * Converts gitleaks' public rule set (../shared/evals/gitleaks/gitleaks.toml, MIT) into
 * src/guardrails/output/secret-rules.json, the ruleset the secrets detector loads.
 *
 *   node bin/run-ts.js scripts/gen-secret-rules.ts [path/to/gitleaks.toml]
 *
 * Gitleaks uses Go's RE2 (linear time, inline flag groups); JavaScript's engine backtracks and
 * Node 20 has no inline modifiers. So each regex is rewritten: `(?i)`/`(?i:…)`/`(?-i:…)` become
 * explicit case classes, `(?s:…)` dots become `[\s\S]`, `\z`/`\A` anchors, POSIX classes,
 * `(?P<n>` groups. Then each compiled rule is timed on adversarial inputs at two sizes and
 * rejected if its cost grows faster than linearly (catastrophic backtracking shapes). Rules of
 * a known shape also get a precheck (`pre`) that lets the detector skip failing starts cheaply.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AltJson, LitJson, SemiJson, SplitJson } from '../src/guardrails/output/secret-prechecks.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ?? resolve(root, '../shared/evals/gitleaks/gitleaks.toml');
const out = resolve(root, 'src/guardrails/output/secret-rules.json');

// --- a minimal TOML reader for gitleaks.toml's subset: tables, arrays of tables, strings, numbers, arrays.
type Val = string | number | boolean | Val[];
type Table = Record<string, Val>;
interface Doc { allowlist: Table; rules: (Table & { allowlists?: Table[] })[] }

function parseToml(text: string): Doc {
  const doc: Doc = { allowlist: {}, rules: [] };
  let cur: Table = {};
  let i = 0;
  const ws = () => { while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++; };
  const skipComments = () => { for (;;) { ws(); if (text[i] === '#') { while (i < text.length && text[i] !== '\n') i++; } else break; } };
  const value = (): Val => {
    skipComments();
    if (text.startsWith("'''", i)) { const e = text.indexOf("'''", i + 3); const v = text.slice(i + 3, e); i = e + 3; return v.replace(/^\n/, ''); }
    if (text[i] === "'") { const e = text.indexOf("'", i + 1); const v = text.slice(i + 1, e); i = e + 1; return v; }
    if (text[i] === '"') {
      let v = ''; i++;
      while (text[i] !== '"') { if (text[i] === '\\') { const n = text[i + 1]!; v += n === 'n' ? '\n' : n === 't' ? '\t' : n; i += 2; } else v += text[i++]; }
      i++; return v;
    }
    if (text[i] === '[') {
      i++; const arr: Val[] = [];
      for (;;) { skipComments(); if (text[i] === ']') { i++; return arr; } arr.push(value()); skipComments(); if (text[i] === ',') i++; }
    }
    const m = /^[^\s,\]]+/.exec(text.slice(i, i + 64))!; i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]);
  };
  for (;;) {
    skipComments();
    if (i >= text.length) break;
    if (text.startsWith('[[rules.allowlists]]', i)) { i += 20; const t: Table = {}; const r = doc.rules.at(-1)!; (r.allowlists ??= []).push(t); cur = t; continue; }
    if (text.startsWith('[[rules]]', i)) { i += 9; const t: Table = {}; doc.rules.push(t); cur = t; continue; }
    if (text.startsWith('[allowlist]', i)) { i += 11; cur = doc.allowlist; continue; }
    const k = /^[A-Za-z_]+/.exec(text.slice(i, i + 64));
    if (!k) throw new Error(`TOML: unexpected at ${text.slice(i, i + 40)}`);
    i += k[0].length; ws(); if (text[i] !== '=') throw new Error('TOML: expected ='); i++;
    cur[k[0]] = value();
  }
  return doc;
}

// --- Go RE2 syntax to a JavaScript source without inline flags.
function bothCases(c: string): string {
  const l = c.toLowerCase(); const u = c.toUpperCase();
  return l === u ? c : `${l}${u}`;
}
const POSIX: Record<string, string> = { alnum: 'a-zA-Z0-9', alpha: 'a-zA-Z', digit: '0-9', lower: 'a-z', upper: 'A-Z', space: '\\s', xdigit: '0-9a-fA-F', punct: '!-\\/:-@\\[-`{-~', word: '\\w' };

export function goToJs(re: string): string {
  let o = '';
  const stack: { i: boolean; s: boolean }[] = [];
  let st = { i: false, s: false };
  for (let p = 0; p < re.length; ) {
    const c = re[p]!;
    if (c === '\\') {
      const n = re[p + 1]!;
      if (n === 'z') o += '$';
      else if (n === 'A') o += '^';
      else if (n === 'x' && re[p + 2] === '{') { const e = re.indexOf('}', p); o += `\\u${re.slice(p + 3, e).padStart(4, '0')}`; p = e + 1; continue; }
      else o += c + n;
      p += 2; continue;
    }
    if (c === '[') {
      let q = p + 1; let body = '';
      if (re[q] === '^') { body += '^'; q++; }
      if (re[q] === ']') { body += '\\]'; q++; }
      while (re[q] !== ']') {
        if (re.startsWith('[:', q)) { const e = re.indexOf(':]', q); body += POSIX[re.slice(q + 2, e)] ?? ''; q = e + 2; continue; }
        if (re[q] === '\\') { body += re[q]! + re[q + 1]!; q += 2; continue; }
        if (re[q] === '[') { body += '\\['; q++; continue; }
        const a = re[q]!;
        if (re[q + 1] === '-' && re[q + 2] !== ']' && re[q + 2] !== undefined) {
          const b = re[q + 2]!; body += `${a}-${b}`;
          if (st.i && /[a-zA-Z]/.test(a) && /[a-zA-Z]/.test(b)) body += a === a.toLowerCase() ? `${a.toUpperCase()}-${b.toUpperCase()}` : `${a.toLowerCase()}-${b.toLowerCase()}`;
          q += 3; continue;
        }
        body += st.i ? bothCases(a) : a; q++;
      }
      o += `[${body}]`; p = q + 1; continue;
    }
    if (c === '(') {
      if (re[p + 1] === '?') {
        if (re[p + 2] === 'P' && re[p + 3] === '<') { stack.push(st); st = { ...st }; o += '(?<'; p += 4; continue; }
        if (re[p + 2] === ':') { stack.push(st); st = { ...st }; o += '(?:'; p += 3; continue; }
        const m = /^\(\?([a-z]*)(?:-([a-z]*))?([:)])/.exec(re.slice(p))!;
        const next = { ...st };
        for (const f of m[1]!) if (f === 'i' || f === 's') next[f] = true;
        for (const f of m[2] ?? '') if (f === 'i' || f === 's') next[f] = false;
        if (m[3] === ')') st = next; // flags for the rest of the enclosing group
        else { stack.push(st); st = next; o += '(?:'; }
        p += m[0].length; continue;
      }
      stack.push(st); st = { ...st }; o += '('; p++; continue;
    }
    if (c === ')') { st = stack.pop() ?? { i: false, s: false }; o += ')'; p++; continue; }
    if (c === '.') { o += st.s ? '[\\s\\S]' : '.'; p++; continue; }
    if (st.i && /[a-zA-Z]/.test(c)) {
      // Do not expand letters that are part of a quantifier or group syntax (none reach here).
      o += `[${bothCases(c)}]`; p++; continue;
    }
    o += c; p++;
  }
  return o;
}

// --- linear-time check: cost on adversarial text must grow roughly linearly with its size.
function adversarial(rule: { keywords: string[] }, n: number): string[] {
  const kw = rule.keywords[0] ?? 'key';
  const unit = `${kw}_${'a1B2'.repeat(4)}=`;
  return [
    (kw + ' ').repeat(Math.ceil(n / (kw.length + 1))).slice(0, n),
    unit.repeat(Math.ceil(n / unit.length)).slice(0, n),
    kw + 'a'.repeat(n),
    kw + '-'.repeat(n / 2) + 'A'.repeat(n / 2),
    `${kw} = "` + 'Ab1+/'.repeat(n / 5),
  ];
}
function cost(re: RegExp, inputs: string[]): number {
  const t0 = performance.now();
  for (const s of inputs) { re.lastIndex = 0; let k = 0; while (re.exec(s) !== null && ++k < 100000) { if (re.lastIndex === 0) break; } }
  return performance.now() - t0;
}

const doc = parseToml(readFileSync(src, 'utf8'));
const rules: unknown[] = [];
const rejected: { id: string; reason: string }[] = [];
const conv = (s: string) => goToJs(s);
/**
 * Rewrites of shapes that backtrack in JavaScript but not in RE2, keeping what they detect:
 * the generic rules' leading `[\w.-]{0,50}?` only widens the match to the left (the secret is a
 * later group), so it is dropped; unbounded dots and `{n,}` runs get an upper bound, so a
 * failing start position costs a bounded amount of work.
 */
function linearize(js: string): string {
  return js
    .replaceAll('[\\w.-]{0,50}?', '')
    .replaceAll('.*?', '.{0,256}?')
    .replace(/\.\*(?![?])/g, '.{0,256}')
    .replace(/\{(\d+),\}/g, (_m, n: string) => `{${n},${Math.max(Number(n) * 4, 4096)}}`);
}
// --- shapes the detector scans with a precheck (`pre`; runSemi in secret-precheck-semi.ts,
// runLit and runAlt in secret-precheck-literal.ts, runSplit in secret-precheck-curl.ts), so a
// start that cannot match costs O(1) amortised instead of a bounded but long regex attempt. The
// regex itself is unchanged and still decides every match (run sticky where the precheck lets a
// start through); the precheck only skips starts where it provably fails.
// secrets.test.ts and a differential run against `prechecks: false` check that they agree.

/** Index of the `)` closing the group opened at `src[i]`. */
function groupEnd(src: string, i: number): number {
  let depth = 0;
  for (let p = i; p < src.length; p++) {
    const c = src[p]!;
    if (c === '\\') { p++; continue; }
    if (c === '[') { p++; while (src[p] !== ']') { if (src[p] === '\\') p++; p++; } continue; }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return p;
  }
  return -1;
}
/**
 * `src` with its plain capturing groups read through (`x(yz)w` → `xyzw`), which keeps the strings
 * it matches: a group holding no alternation or group of its own, with no quantifier after it. A
 * parenthesis escaped or inside a character class is text. Other groups stay as they are.
 */
function readThroughGroups(src: string): string {
  let out = '';
  for (let p = 0; p < src.length; p++) {
    const c = src[p]!;
    if (c === '\\') { out += src.slice(p, p + 2); p++; continue; }
    if (c === '[') { const e = classEnd(src, p); out += src.slice(p, e + 1); p = e; continue; }
    if (c === '(' && src[p + 1] !== '?') {
      const e = groupEnd(src, p);
      const body = src.slice(p + 1, e);
      if (e > p && plainSequence(body) && !/^[?*+{]/.test(src.slice(e + 1))) { out += body; p = e; continue; }
    }
    out += c;
  }
  return out;
}
/** Index of the `]` closing the character class opened at `src[i]`. */
function classEnd(src: string, i: number): number {
  let p = i + 1;
  while (p < src.length && src[p] !== ']') { if (src[p] === '\\') p++; p++; }
  return p;
}
/** Whether `src` has no group and no alternation (escapes and classes are read past). */
function plainSequence(src: string): boolean {
  for (let p = 0; p < src.length; p++) {
    const c = src[p]!;
    if (c === '\\') p++;
    else if (c === '[') p = classEnd(src, p);
    else if (c === '(' || c === ')' || c === '|') return false;
  }
  return true;
}
/** Splits `src` at its top-level `|`. */
function splitTop(src: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let p = 0; p < src.length; p++) {
    const c = src[p]!;
    if (c === '\\') { p++; continue; }
    if (c === '[') { p++; while (src[p] !== ']') { if (src[p] === '\\') p++; p++; } continue; }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) { parts.push(src.slice(from, p)); from = p + 1; }
  }
  parts.push(src.slice(from));
  return parts;
}
const memberCache = new Map<string, number[]>();
/** Every UTF-16 code unit a character class source matches. */
function members(cls: string): number[] {
  let m = memberCache.get(cls);
  if (!m) {
    const re = new RegExp(`^${cls}$`);
    m = [];
    for (let c = 0; c < 65536; c++) if (re.test(String.fromCharCode(c))) m.push(c);
    memberCache.set(cls, m);
  }
  return m;
}
const subsetOf = (a: string, b: string) => { const mb = new Set(members(b)); return members(a).every((c) => mb.has(c)); };

/**
 * The characters a match of `src` can start with, as a class source of ASCII characters, or
 * undefined when that is not simply read off its first tokens (or could be empty or non-ASCII).
 */
function firstClass(src: string): string | undefined {
  const out = new Set<number>();
  for (const alt of splitTop(src)) {
    let set: number[] | undefined;
    let end: number;
    if (alt.startsWith('[')) {
      end = 1;
      while (end < alt.length && alt[end] !== ']') end += alt[end] === '\\' ? 2 : 1;
      end++;
      set = members(alt.slice(0, end));
    }
    else if (alt.startsWith('(')) {
      end = groupEnd(alt, 0) + 1;
      if (end <= 0) return undefined;
      const inner = alt.slice(alt.startsWith('(?:') ? 3 : 1, end - 1);
      if (alt.startsWith('(?') && !alt.startsWith('(?:')) return undefined;
      const f = firstClass(inner);
      if (!f) return undefined;
      set = members(f);
    }
    else if (/^\\[dw]/.test(alt)) { end = 2; set = members(alt.slice(0, 2)); }
    else if (/^\\[.\-_/+=:@]/.test(alt)) { end = 2; set = [alt.charCodeAt(1)]; }
    else if (/^[\w\-:@=,"']/.test(alt)) { end = 1; set = [alt.charCodeAt(0)]; }
    else return undefined;
    if (/^(?:[?*]|\{0[,}])/.test(alt.slice(end))) return undefined; // the first token may be skipped
    for (const c of set) out.add(c);
  }
  if (out.size === 0 || [...out].some((c) => c >= 128)) return undefined;
  const esc = (c: number) => `\\x${c.toString(16).padStart(2, '0')}`;
  const cs = [...out].sort((a, b) => a - b);
  let cls = '';
  for (let i = 0; i < cs.length; ) {
    let j = i;
    while (j + 1 < cs.length && cs[j + 1] === cs[j]! + 1) j++;
    cls += j > i ? `${esc(cs[i]!)}-${esc(cs[j]!)}` : esc(cs[i]!);
    i = j + 1;
  }
  return `[${cls}]`;
}

/** gitleaks' generateSemiGenericRegex, as converted: keyword, gap, operator, separators, secret, terminator. */
const SEMI_GAP = String.raw`(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}`;
const SEMI_TERM = String.raw`(?:[\x60'"\s;]|\\[nNrR]|$)`;
/** The form of older gitleaks rules: keyword and gap in one group, a terminator without `\N`/`\R`. */
const SEMI_GAP_OLD = String.raw`(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}`;
const SEMI_TERM_OLD = String.raw`(?:[\x60'"\s;]|\\[nr]|$)`;
/** Characters that can start the terminator: a secret run of a class without them must end exactly there. */
const TERM_FIRST = String.raw`[\x60'"\s;\\]`;
/** A secret alternative: its class run's class and length bounds, and whether `={0,3}` may follow it. */
type SemiAlt = NonNullable<SemiJson['alts']>[number];
/**
 * For a semi-generic rule whose keyword part matches only `[\w.-]` characters: its maximum length
 * (so the operator is the first character after keyword and gap outside `[\w.\s'"-]`, at most
 * maxHead + 23 characters after the start), and, when the secret group is an alternation of
 * ASCII class runs, each run's class and length bounds (a run of a class disjoint from the
 * terminator's first characters must be maximal, so its length bounds the maximal run's).
 */
function semiShape(js: string): SemiJson | undefined {
  if (splitTop(js).length !== 1) return undefined;
  let head: string;
  let secret: string;
  const i = js.indexOf(SEMI_GAP);
  const j = js.indexOf(SEMI_GAP_OLD);
  if (i > 0 && js.endsWith(SEMI_TERM)) {
    head = js.slice(0, i);
    secret = js.slice(i + SEMI_GAP.length, js.length - SEMI_TERM.length);
  }
  else if (j > 3 && js.startsWith('(?:') && groupEnd(js, 0) === j + SEMI_GAP_OLD.indexOf(')(?:=') && js.endsWith(SEMI_TERM_OLD)) {
    head = js.slice(3, j);
    secret = js.slice(j + SEMI_GAP_OLD.length, js.length - SEMI_TERM_OLD.length);
  }
  else return undefined;
  if (!(secret.startsWith('(') && !secret.startsWith('(?') && groupEnd(secret, 0) === secret.length - 1)) return undefined;
  const tok = /\(\?:|\(|\)|\||\?|\[[^\]\\]*(?:\\.[^\]\\]*)*\]|[\w-]|\\\./y;
  let maxHead = 0;
  for (let p = 0; p < head.length; ) {
    tok.lastIndex = p;
    const m = tok.exec(head);
    if (!m) return undefined;
    const t = m[0];
    if (t.startsWith('[') && !subsetOf(t, '[\\w.-]')) return undefined;
    if (!/^(?:\(\?:|\(|\)|\||\?)$/.test(t)) maxHead++;
    p += t.length;
  }
  const headFirst = firstClass(head) ?? null;
  const secretFirst = firstClass(secret) ?? null;
  const semi = (alts: SemiAlt[] | null) => ({ kind: 'semi' as const, head, headFirst, maxHead, secretFirst, alts });
  const alts: SemiAlt[] = [];
  for (const whole of splitTop(secret.slice(1, -1))) {
    // A group inside a sequence (dropbox's `[a-zA-Z0-9]{11}(A{10})…`) adds nothing to its run.
    const part = readThroughGroups(whole);
    let cls: string; let min: number; let max: number; let suffixEq = false;
    const a = /^(\[[^\]]*\])\{(\d+)(?:,(\d+))?\}$/.exec(part);
    const b = /^(\[[^\]]*\])(\[[^\]]*\])\{(\d+),(\d+)\}=\{0,3\}$/.exec(part);
    const seq = /^(?:(?:\[[^\]\\]*(?:\\.[^\]\\]*)*\]|[A-Za-z0-9_:-]|\\[.\-_])(?:\{\d+(?:,\d+)?\})?)+$/.test(part);
    if (a) { cls = a[1]!; min = Number(a[2]); max = Number(a[3] ?? a[2]); }
    else if (b && subsetOf(b[1]!, b[2]!)) { cls = b[2]!; min = 1 + Number(b[3]); max = 1 + Number(b[4]); suffixEq = true; }
    else if (seq) {
      // A sequence of class and literal tokens: its run is of their union.
      const units = new Set<number>();
      min = 0;
      max = 0;
      for (const t of part.matchAll(/(\[[^\]\\]*(?:\\.[^\]\\]*)*\]|[A-Za-z0-9_:-]|\\[.\-_])(?:\{(\d+)(?:,(\d+))?\})?/g)) {
        for (const c of members(t[1]!.length === 1 ? t[1]!.replace('-', '\\-') : t[1]!)) units.add(c);
        const lo = t[2] === undefined ? 1 : Number(t[2]);
        min += lo;
        max += t[2] === undefined ? 1 : t[3] === undefined ? lo : Number(t[3]);
      }
      const cs = [...units].sort((x, y) => x - y);
      cls = `[${cs.map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}]`;
    }
    else return semi(null);
    const ms = members(cls);
    if (ms.some((c) => c >= 128)) return semi(null);
    const stop = new Set(members(TERM_FIRST));
    if (suffixEq) stop.add(61); // '=' then the terminator
    alts.push([cls, min, ms.some((c) => stop.has(c)) ? null : max, suffixEq]);
  }
  return semi(alts);
}

/**
 * A rule that starts with a literal (after an optional `\b` and group opener), then a run of
 * class tokens: every match starts at an occurrence of the literal, and the maximal run of the
 * tokens' classes after it is at least their minimum length, and at most their maximum when what
 * follows can only start with characters outside those classes (so the run must end there).
 */
function litShape(js: string): LitJson | undefined {
  if (splitTop(js).length !== 1) return undefined;
  // Or a literal after a fixed number of single-character tokens (`at`), the literal's offset
  // in every match (then a group around the literal must be a plain `(?:literal)`).
  const fixed = /^((?:\[[^\]\\]*(?:\\.[^\]\\]*)*\](?:\{\d+\})?)+)((?:\\\.|\(\?:[A-Za-z0-9_-]+\)(?![?*+{])|[A-Za-z0-9_-])+)/.exec(js);
  let at = 0;
  let ci = false;
  let m = /^(?:\\b)?\(?(?!\?)((?:[A-Za-z0-9_-]|\\[.\-_])+)/.exec(js);
  // Or a literal of ASCII case pairs (`[aA][tT]…`), found case-insensitively.
  const pairs = /^(?:\\b)?\(?(?!\?)((?:\[([a-z])([A-Z])\]|[0-9_-])+)/.exec(js);
  if (pairs && [...pairs[1]!.matchAll(/\[([a-z])([A-Z])\]/g)].every((q) => q[1] === q[2]!.toLowerCase()) && (!m || pairs[0].length > m[0].length)) {
    m = [pairs[0], pairs[1]!.replace(/\[([a-z])[A-Z]\]/g, '$1')] as unknown as RegExpExecArray;
    ci = true;
  }
  if (!m && fixed) {
    for (const t of fixed[1]!.matchAll(/\[[^\]\\]*(?:\\.[^\]\\]*)*\](?:\{(\d+)\})?/g)) at += t[1] === undefined ? 1 : Number(t[1]);
    m = [fixed[0], fixed[2]!.replace(/\(\?:|\)/g, '')] as unknown as RegExpExecArray;
  }
  if (!m) return undefined;
  let lit = m[1]!.replace(/\\(.)/g, '$1');
  let p = m[0].length;
  // A quantifier on the literal's last character makes it part of the run.
  if (/^[?*+{]/.test(js.slice(p)) && ci) return undefined;
  if (/^[?*+{]/.test(js.slice(p))) { lit = lit.slice(0, -1); p -= m[1]!.endsWith(js[p - 1]!) && js[p - 2] === '\\' ? 2 : 1; }
  if (lit.length < 2) return undefined;
  const then = thenShape(js.slice(p));
  const units = new Set<number>();
  let min = 0;
  let max = 0;
  let next: number[] | undefined;
  let nextRequired = false;
  const tok = /(\[[^\]\\]*(?:\\.[^\]\\]*)*\]|\\[dw]|\\[.\-_/+=:@]|[A-Za-z0-9_ :=@-])(?:\{(\d+)(?:,(\d+))?\})?(?![?*+{])/y;
  for (;;) {
    tok.lastIndex = p;
    const t = tok.exec(js);
    if (!t) break;
    const ms = members(t[1]!.length === 1 ? t[1]!.replace(/[-]/, '\\-') : t[1]!);
    if (ms.some((c) => c >= 128)) break;
    const a = t[2] === undefined ? 1 : Number(t[2]);
    if (units.size > 0 && ms.every((c) => !units.has(c))) {
      // A required token of other characters: the run ends where it starts.
      if (a >= 1) (next = ms), (nextRequired = true);
      break;
    }
    for (const c of ms) units.add(c);
    min += a;
    max += t[2] === undefined ? 1 : t[3] === undefined ? a : Number(t[3]);
    p = tok.lastIndex;
  }
  if (min === 0 || units.size === 0) return undefined;
  let rest = js.slice(p);
  while (rest.startsWith(')')) rest = rest.slice(1);
  if (next) { /* found above */ }
  else if (rest === SEMI_TERM || rest === SEMI_TERM_OLD) next = members(TERM_FIRST);
  else if (rest.length > 0) { const f = firstClass(rest.startsWith('(') ? rest.slice(0, groupEnd(rest, 0) + 1) + (/^[?*]|^\{0/.test(rest.slice(groupEnd(rest, 0) + 1)) ? '?' : '') : rest); if (f) next = members(f); }
  const bounded = next !== undefined && next.every((c) => !units.has(c));
  const cs = [...units].sort((a, b) => a - b);
  const cls = `[${cs.map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}]`;
  // `\b` before a literal starting with a word character: the character before is not one.
  const wb = at === 0 && js.startsWith('\\b') && /^\w/.test(lit);
  // A bounded run followed by a required token: the character after the run must be one of its.
  const after = bounded && nextRequired ? `[${[...next!].sort((a, b) => a - b).map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}]` : undefined;
  return { kind: 'lit', lit, ci, wb, at, cls, min, max: bounded ? max : null, ...(after ? { after } : {}), ...(then ? { then } : {}) };
}

/**
 * After a rule's literal prefix: a class run of at most N characters, then a literal of four or
 * more (plain, or ASCII case pairs): every match has that literal starting within N characters
 * of the prefix's end. Checked before the regex runs, so a text dense in the prefix alone does
 * not run it from every occurrence (private-key: "-----BEGIN", up to 100 characters, "PRIVATE KEY").
 * `re` extends the literal with the fixed tokens after it (single characters, optional groups of
 * them), so the search finds only occurrences the regex can go on from ("PRIVATE KEY-----").
 */
function thenShape(rest: string): LitJson['then'] {
  const m = /^\[[^\]\\]*(?:\\.[^\]\\]*)*\]\{0,(\d+)\}((?:\[[a-z][A-Z]\]|[A-Za-z0-9 ])+)/.exec(rest);
  if (!m) return undefined;
  let body = m[2]!;
  let after = rest.slice(m[0].length);
  // A quantifier on the last token makes it optional: leave that token out (and stop there).
  const quantified = /^[?*+{]/.test(after);
  if (quantified) body = body.replace(/(?:\[[a-z][A-Z]\]|[A-Za-z0-9 ])$/, '');
  const pairs = [...body.matchAll(/\[([a-z])([A-Z])\]/g)];
  if (!pairs.every((q) => q[1] === q[2]!.toLowerCase())) return undefined;
  const lit = body.replace(/\[([a-z])[A-Z]\]/g, '$1');
  if (lit.length < 4) return undefined;
  let ext = '';
  const single = /^(?:\[[^\]\\]*\]|\\.|[A-Za-z0-9 _-])/;
  while (!quantified && after.length > 0) {
    if (after.startsWith('(?:')) {
      const end = groupEnd(after, 0);
      const inner = after.slice(3, end);
      // A group of single characters only (no quantifier, alternation or nested group).
      if (end < 0 || /[?*+{|()]/.test(inner)) break;
      const tail = after.slice(end + 1).startsWith('?') ? '?' : '';
      if (/^[*+{]/.test(after.slice(end + 1 + tail.length)) || /^[*+{]/.test(after.slice(end + 1))) break;
      ext += after.slice(0, end + 1) + tail;
      after = after.slice(end + 1 + tail.length);
      continue;
    }
    const t = single.exec(after);
    if (!t || /^[?*+{]/.test(after.slice(t[0].length))) break;
    ext += t[0];
    after = after.slice(t[0].length);
  }
  return { lit, ci: pairs.length > 0, within: Number(m[1]), ...(ext ? { re: body + ext } : {}) };
}

/** A rule of top-level alternatives that each have one of the shapes above. */
function altShape(js: string): AltJson | undefined {
  const parts = splitTop(js);
  if (parts.length < 2) return undefined;
  const shapes = parts.map((p) => semiShape(p) ?? litShape(p));
  return shapes.every((x): x is SemiJson | LitJson => x !== undefined) ? { kind: 'alt', parts: shapes } : undefined;
}

/**
 * A rule whose literal prefix holds groups of literal alternatives (`\b((?:EAAA|sq0atp-)[\w-]{22,60})`,
 * `shippo_(?:live|test)_…`): every match starts with one of the prefixes the groups spell out, so
 * each spelled-out regex gets a literal precheck, together an `alt` precheck (the rule's own regex
 * still runs at every start they let through). At most 16 prefixes.
 */
function prefixAltShape(js: string): AltJson | undefined {
  const group = /^((?:\\b)?\(?(?:[A-Za-z0-9_-]|\\[.\-_])*)\(\?:((?:[A-Za-z0-9_-]|\\[.\-_])+(?:\|(?:[A-Za-z0-9_-]|\\[.\-_])+)+)\)(?![?*+{])/;
  let variants = [js];
  for (let round = 0; round < 3; round++) {
    let expanded = false;
    variants = variants.flatMap((v) => {
      const m = group.exec(v);
      if (!m) return [v];
      expanded = true;
      return m[2]!.split('|').map((alt) => m[1]! + alt + v.slice(m[0].length));
    });
    if (!expanded) break;
  }
  if (variants.length < 2 || variants.length > 16) return undefined;
  const shapes = variants.map(litShape);
  return shapes.every((x): x is LitJson => x !== undefined) ? { kind: 'alt', parts: shapes } : undefined;
}

/**
 * A semi-generic rule whose keyword part is a group of alternatives, one of which has other
 * characters than `[\w.-]` (nytimes' `(?:nytimes|new-york-times,|newyorktimes)`, a comma
 * gitleaks' rule carries): spelled out as one regex per alternative, each gets a semi-generic
 * precheck, or where that cannot be (the comma could be read as the operator) a literal one that
 * lets every occurrence of its keyword through; together an `alt` precheck (the rule's own
 * regex still runs at every start they let through, and every match starts with one of them).
 */
function headAltShape(js: string): AltJson | undefined {
  if (!js.startsWith('(?:')) return undefined;
  const end = groupEnd(js, 0);
  const rest = js.slice(end + 1);
  if (end < 0 || !rest.startsWith(SEMI_GAP) || !rest.endsWith(SEMI_TERM)) return undefined;
  const keywords = splitTop(js.slice(3, end));
  if (keywords.length < 2 || keywords.length > 16) return undefined;
  const parts = keywords.map((k) => semiShape(`(?:${k})${rest}`) ?? keywordOnly(k));
  return parts.every((x): x is SemiJson | LitJson => x !== undefined) ? { kind: 'alt', parts } : undefined;
}

/**
 * A literal precheck for a keyword of plain characters and ASCII case pairs: no run after it
 * (minimum 0, an empty class), so every occurrence of the keyword is a start.
 */
function keywordOnly(k: string): LitJson | undefined {
  const m = /^(?:\[([a-z])([A-Z])\]|[A-Za-z0-9_,-])+$/.exec(k);
  if (!m) return undefined;
  const pairs = [...k.matchAll(/\[([a-z])([A-Z])\]/g)];
  if (!pairs.every((q) => q[1] === q[2]!.toLowerCase())) return undefined;
  const lit = k.replace(/\[([a-z])[A-Z]\]/g, '$1');
  if (lit.length < 2) return undefined;
  return { kind: 'lit', lit, ci: pairs.length > 0, wb: false, at: 0, cls: '[]', min: 0, max: null };
}

/**
 * The curl rules: `\bcurl\b`, then up to `lines` more lines of up to `line` characters each, then
 * the option and its value (the tail). A tail is matched once per position, and a `curl` runs the
 * regex only when a matching tail lies within its reach.
 */
function splitShape(js: string): SplitJson | undefined {
  const m = /^(\\bcurl\\b)\(\?:\.\{0,(\d+)\}(\??)\|\.\{0,\2\}\3\(\?:\[\\r\\n\]\{1,2\}\.\{0,\2\}\3\)\{1,(\d+)\}\)(.*)$/s.exec(js);
  if (!m) return undefined;
  const tail = m[5]!;
  const hint = String.raw`[ \t\n\r]-`;
  if (!tail.startsWith(String.raw`[ \t\n\r](?:-`)) return undefined;
  return { kind: 'split', head: m[1]!, line: Number(m[2]), lines: Number(m[4]), tail, hint };
}

for (const r of doc.rules) {
  const id = String(r.id);
  if (typeof r.regex !== 'string') { rejected.push({ id, reason: 'path-only rule (no content regex)' }); continue; }
  let js: string;
  try { js = linearize(conv(r.regex)); new RegExp(js, 'gd'); } catch (e) { rejected.push({ id, reason: `does not compile: ${(e as Error).message}` }); continue; }
  const keywords = ((r.keywords as string[] | undefined) ?? []).map((k) => k.toLowerCase());
  const pre = splitShape(js) ?? semiShape(js) ?? litShape(js) ?? altShape(js) ?? prefixAltShape(js) ?? headAltShape(js);
  // The curl rules' raw regexes sit near the limit below, so on a loaded machine the timing
  // rejected them in some runs and not others; the detector never runs them raw (runSplit finds
  // their starts), so they are not timed and the output does not depend on the machine's load.
  if (pre?.kind !== 'split') {
    const re = new RegExp(js, 'g');
    cost(re, adversarial({ keywords }, 2000));
    // Best of three: on a shared, loaded machine one slow run must not reject a rule.
    const best = (n: number) => { const xs = adversarial({ keywords }, n); return Math.min(cost(re, xs), cost(re, xs), cost(re, xs)); };
    const small = Math.max(best(8000), 0.05);
    const big = best(64000);
    if (big > 40 || (small > 0.5 && big / small > 16)) { rejected.push({ id, reason: `superlinear on adversarial input (${small.toFixed(2)} ms @8k, ${big.toFixed(2)} ms @64k)` }); continue; }
  }
  const allowlists = (r.allowlists ?? [])
    .filter((a) => !(a.condition === 'AND' && a.paths)) // path-conditioned: never applies to tool text
    .map((a) => ({
      target: (a.regexTarget as string | undefined) ?? 'secret',
      regexes: ((a.regexes as string[] | undefined) ?? []).map(conv),
      stopwords: ((a.stopwords as string[] | undefined) ?? []).map((w) => w.toLowerCase()),
    }))
    .filter((a) => a.regexes.length || a.stopwords.length);
  rules.push({
    id,
    re: js,
    keywords,
    ...(typeof r.entropy === 'number' ? { entropy: r.entropy } : {}),
    ...(typeof r.secretGroup === 'number' ? { secretGroup: r.secretGroup } : {}),
    ...(allowlists.length ? { allowlists } : {}),
    ...(pre ? { pre } : {}),
  });
}
const g = doc.allowlist;
writeFileSync(
  out,
  JSON.stringify(
    {
      source: 'gitleaks/gitleaks config/gitleaks.toml @ b58d3f10 (MIT, Copyright (c) 2019 Zachary Rice); converted by scripts/gen-secret-rules.ts',
      global: { regexes: ((g.regexes as string[] | undefined) ?? []).map(conv), stopwords: ((g.stopwords as string[] | undefined) ?? []).map((w) => w.toLowerCase()) },
      rules,
      rejected,
    },
    null,
    0,
  ) + '\n',
);
console.log(`${rules.length} rules written to ${out}; ${rejected.length} rejected`);
for (const r of rejected) console.log(`  rejected ${r.id}: ${r.reason}`);
