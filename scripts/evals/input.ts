/**
 * Evaluation of the input (tool-argument) detectors on ../shared/evals:
 * - payloads/ (PayloadsAllTheThings): attack lines per category, each placed as the value of a
 *   plausible argument (command injection → `arguments.host` of a ping-like tool, traversal and
 *   file inclusion → `arguments.path` of a file tool with roots [/srv/app], SQL/NoSQL →
 *   `arguments.username`, SSRF → `arguments.url`);
 * - nl2bash/: 12,607 benign commands (`arguments.command`, the shell false-positive set) and their
 *   12,607 English descriptions (a benign free-text set for every detector).
 * The data has no split: a line goes to `test` when the first byte of sha256(category + line) is
 * odd, else `train`. Rules were tuned on train only; test is what we report (train is shown too).
 * Only high/critical findings count as a detection (attack family); `shell.destructive` (medium)
 * is reported separately on the nl2bash commands it fires on.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPathDetector, createShellDetector, createSqlDetector, createSsrfDetector } from '../../src/guardrails/input/index.ts';
import type { Detector, EvalRow, Finding, ScanContext } from '../../src/guardrails/types.ts';

const evals = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/evals');
const isAttack = (f: Finding): boolean => f.severity === 'high' || f.severity === 'critical';
/**
 * Context-free fragment: a payload line with no run of two ASCII letters once percent-escapes are
 * decoded (`;`, `'`, `"*"`, `|| `, `%0a%0d`, `\\r\\n`, `[1]`, `-2`). Such a line is a separator or quote
 * that is only malicious next to a command or query the list leaves to context. The rule was chosen
 * by reading the TRAIN misses only; both figures are reported (all lines, and without fragments).
 */
export const isFragment = (line: string): boolean => !/[A-Za-z]{2}/.test(line.replace(/%[0-9a-fA-F]{2}/g, ' ').replace(/\\[rnt]/g, ' '));
/**
 * Reference link: a line of the SSRF lists that is a page the README cites for reading, not a payload:
 * documentation (`docs.`/`developer(s).` hosts, `/docs/` or `/documentation/` paths), a `/blog/` post or
 * an archived article. Labelled by where the link points, never by what the detector says; the SSRF
 * rows are reported with and without them (a public documentation URL must not be flagged).
 */
export const isReferenceLink = (line: string): boolean => /^https?:\/\/(?:docs?\.|developers?\.|web\.archive\.org\/)|^https?:\/\/[^/?#]+(?:\/[^/?#]+)*\/(?:docs|documentation|blog)\//i.test(line);
const split = (category: string, line: string): 'train' | 'test' => ((createHash('sha256').update(`${category}\n${line}`).digest()[0] as number) & 1 ? 'test' : 'train');

function lines(rel: string): string[] {
  return readFileSync(join(evals, rel), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

function payloads(match: RegExp, sub = ''): string[] {
  const dir = join(evals, 'payloads', sub);
  const out = new Set<string>();
  for (const f of readdirSync(dir).sort()) if (match.test(f)) for (const l of lines(join('payloads', sub, f))) out.add(l.replaceAll('{FILE}', 'index.html'));
  return [...out];
}

interface Measure {
  hits: number;
  total: number;
  missed: string[];
  /** Items the detector fired on (false positives when the set is benign). */
  flagged: string[];
}

function measure(d: Detector, items: string[], ctx: ScanContext): Measure {
  const m: Measure = { hits: 0, total: items.length, missed: [], flagged: [] };
  for (const t of items) {
    if (d.scan(t, ctx).some(isAttack)) {
      m.hits++;
      m.flagged.push(t);
    } else m.missed.push(t);
  }
  return m;
}

function row(detector: string, dataset: string, splitName: string, pos: Measure, neg: Measure | undefined, note: string): EvalRow {
  return {
    detector,
    dataset,
    split: splitName,
    positives: pos.total,
    negatives: neg?.total ?? 0,
    recall: pos.total ? pos.hits / pos.total : 0,
    falsePositiveRate: neg && neg.total ? neg.hits / neg.total : 0,
    recallAt1pctFpr: null,
    note,
  };
}

export default async function (): Promise<EvalRow[]> {
  const shell = await createShellDetector();
  const sql = createSqlDetector();
  const path = createPathDetector();
  const ssrf = createSsrfDetector();

  const commands = lines('nl2bash/all.cm');
  const english = lines('nl2bash/all.nl');
  const urlsInCommands = [...new Set(commands.flatMap((c) => c.match(/\b(?:https?|ftp):\/\/[^\s"'`)]+/g) ?? []))];

  const sets: Array<{ detector: Detector; name: string; data: string; pos: string[]; ctx: ScanContext; negs: Array<[string, string[], ScanContext]> }> = [
    { detector: shell, name: 'shell', data: 'payloads/command-injection', pos: payloads(/^Command_Injection/), ctx: { field: 'arguments.host' }, negs: [['nl2bash commands', commands, { field: 'arguments.command' }], ['nl2bash English', english, { field: 'arguments.description' }]] },
    { detector: path, name: 'path', data: 'payloads/traversal+inclusion', pos: payloads(/^(Directory_Traversal|File_Inclusion)/), ctx: { field: 'arguments.path', roots: ['/srv/app'] }, negs: [['nl2bash English', english, { field: 'arguments.description' }]] },
    { detector: path, name: 'path (no roots)', data: 'payloads/traversal+inclusion', pos: payloads(/^(Directory_Traversal|File_Inclusion)/), ctx: { field: 'arguments.path' }, negs: [] },
    { detector: sql, name: 'sql', data: 'payloads/sqli+nosql', pos: [...payloads(/./, 'sqli'), ...payloads(/^NoSQL/)], ctx: { field: 'arguments.username' }, negs: [['nl2bash English', english, { field: 'arguments.description' }]] },
    { detector: ssrf, name: 'ssrf', data: 'payloads/ssrf', pos: payloads(/^SSRF/), ctx: { field: 'arguments.url' }, negs: [['URLs in nl2bash', urlsInCommands, { field: 'arguments.url' }], ['nl2bash commands', commands, { field: 'arguments.command' }], ['nl2bash English', english, { field: 'arguments.description' }]] },
  ];

  const rows: EvalRow[] = [];
  for (const s of sets) {
    for (const sp of ['test', 'train'] as const) {
      const pos = measure(s.detector, s.pos.filter((l) => split(s.data, l) === sp), s.ctx);
      const negs = s.negs.map(([n, items, ctx]) => [n, measure(s.detector, items.filter((l) => split(n, l) === sp), ctx)] as const);
      const [firstName, first] = negs[0] ?? ['', undefined];
      const extra = negs.slice(1).map(([n, m]) => `FPR on ${n} ${((100 * m.hits) / Math.max(1, m.total)).toFixed(2)}% (${m.hits}/${m.total})`).join('; ');
      rows.push(row(s.name, `${s.data} vs ${firstName || 'none'}`, sp, pos, first, `${sp === 'train' ? 'tuned on this half; ' : ''}${extra}`));
      const whole = s.pos.filter((l) => split(s.data, l) === sp && !isFragment(l));
      const fragments = pos.total - whole.length;
      const posWhole = measure(s.detector, whole, s.ctx);
      rows.push(row(`${s.name} (no fragments)`, `${s.data} minus ${fragments} fragment lines`, sp, posWhole, first, 'fragment = no two-letter run after decoding (rule chosen on train misses)'));
      if (s.name === 'ssrf') {
        const attacks = s.pos.filter((l) => split(s.data, l) === sp && !isReferenceLink(l));
        rows.push(row('ssrf (no ref. links)', `${s.data} minus ${pos.total - attacks.length} reference links`, sp, measure(s.detector, attacks, s.ctx), first, 'reference link = documentation, blog or archive page the README cites'));
      }
      // WARDEN_EVAL_SHOW=train prints every TRAIN miss and false positive instead (the half rules are tuned on).
      const showAll = process.env.WARDEN_EVAL_SHOW === 'train';
      if (sp === (showAll ? 'train' : 'test')) {
        console.error(`# ${s.name} ${sp} misses (${pos.missed.length}); ${showAll ? 'all' : 'first 12'}:`);
        for (const l of pos.missed.slice(0, showAll ? undefined : 12)) console.error(`#   ${JSON.stringify(l.slice(0, showAll ? 300 : 100))}`);
        for (const [n, m] of negs) if (m.hits) console.error(`# ${s.name} ${sp} false positives on ${n}: ${m.hits}`);
        if (showAll) for (const [n, m] of negs) for (const l of m.flagged) console.error(`#   FP ${n}: ${JSON.stringify(l.slice(0, 300))}`);
      }
    }
  }

  // Destructive-but-legitimate nl2bash commands: they should get shell.destructive and no attack finding.
  for (const sp of ['test', 'train'] as const) {
    let destructive = 0;
    let alsoAttack = 0;
    for (const c of commands.filter((l) => split('nl2bash commands', l) === sp)) {
      const f = shell.scan(c, { field: 'arguments.command' });
      if (!f.some((x) => x.rule === 'shell.destructive')) continue;
      destructive++;
      if (f.some(isAttack)) alsoAttack++;
    }
    rows.push({
      detector: 'shell.destructive',
      dataset: 'nl2bash commands hitting shell.destructive',
      split: sp,
      positives: destructive,
      negatives: 0,
      recall: destructive ? (destructive - alsoAttack) / destructive : 0,
      falsePositiveRate: 0,
      recallAt1pctFpr: null,
      note: `recall = share with ONLY the medium family (${alsoAttack} also got an attack finding)`,
    });
  }
  return rows;
}
