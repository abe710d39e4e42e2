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
 * rejected if its cost grows faster than linearly (catastrophic backtracking shapes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
for (const r of doc.rules) {
  const id = String(r.id);
  if (typeof r.regex !== 'string') { rejected.push({ id, reason: 'path-only rule (no content regex)' }); continue; }
  let js: string;
  try { js = linearize(conv(r.regex)); new RegExp(js, 'gd'); } catch (e) { rejected.push({ id, reason: `does not compile: ${(e as Error).message}` }); continue; }
  const keywords = ((r.keywords as string[] | undefined) ?? []).map((k) => k.toLowerCase());
  const re = new RegExp(js, 'g');
  cost(re, adversarial({ keywords }, 2000));
  const small = Math.max(cost(re, adversarial({ keywords }, 8000)), 0.05);
  const big = cost(re, adversarial({ keywords }, 64000));
  if (big > 40 || (small > 0.5 && big / small > 16)) { rejected.push({ id, reason: `superlinear on adversarial input (${small.toFixed(2)} ms @8k, ${big.toFixed(2)} ms @64k)` }); continue; }
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
