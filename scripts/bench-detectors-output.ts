/**
 * Output detector micro-benchmark: µs per KB per detector on realistic tool results, the whole
 * output chain (normalise + decode + every detector) on a 2 KB result, and 1 MiB adversarial
 * inputs scanned directly by each detector and by the normaliser (scanViews): generic shapes
 * (scripts/adversarial-shapes.ts) for all, plus shapes built against each secrets rule's and each
 * prompt-injection rule's own prefix. Every detector must stay well under 50 ms per 1 MiB scan.
 *
 *   node bin/run-ts.js scripts/bench-detectors-output.ts [--cases] [--quick] [--stage]
 *
 * --cases prints every (shape, detector) time; otherwise only shapes over 10 ms and the worst per
 * detector. --quick skips the per-rule shapes. --stage runs only the stage row on a structured
 * result, 15 runs of 300 ms, for comparing two versions of the code in alternating runs. Speed is
 * measured here and never asserted in tests.
 */
import { readFileSync } from 'node:fs';
import { scanViews } from '../src/guardrails/normalize.ts';
import { createOutputDetectors, createSecretsDetector, INJECTION_RULES } from '../src/guardrails/output/index.ts';
import { createGuardrailStage } from '../src/guardrails/stage.ts';
import { guardrailsConfigSchema } from '../src/guardrails/config.ts';
import type { CallContext, Verdict } from '../src/pipeline/types.ts';
import type { Detector } from '../src/guardrails/types.ts';
import { MB, fill, genericShapes, literalPrefix, prefixShapes, scanCostMs } from './adversarial-shapes.ts';

const perCase = process.argv.includes('--cases');
const quick = process.argv.includes('--quick');
const stageOnly = process.argv.includes('--stage');
const BUDGET_MS = 25; // flag threshold: half the issue's 50 ms, since the machine is shared and noisy
const detectors = createOutputDetectors();
const email = `SUBJECT: Your card has been charged $373.52|EMAIL_FROM: Mercury <hello@mercury.com>|RECEIVED DATE: Tue, 22 Feb 2022 21:49:18 +0000|CONTENT:
Hi David, your Mercury debit card ending 4605 was preauthorized for $373.52. The settled amount may be different.
If you have questions, reply to this e-mail or call +1 415 555 2671. Thanks for banking with us!
| id | item | qty | price |
| 1  | widget | 3 | 9.99 |
| 2  | gadget | 1 | 24.50 |
`;
// Accented prose: the normaliser folds its letters to ASCII, so the text changes (English does not).
const french = `Bonjour Amélie, le café où nous étions était très agréable ; à côté, une boulangerie vendait des crêpes.
Ça m’a rappelé l’été dernier à Genève. Réponds-moi quand tu peux, et n’oublie pas la réunion de jeudi.
`;
// Flat, as JSON.parse makes it (a repeat/slice rope would slow every charCodeAt loop).
const flat2k = (s: string): string => JSON.parse(JSON.stringify(s.repeat(Math.ceil(2048 / s.length)).slice(0, 2048)));
const result2k = flat2k(email);
const french2k = flat2k(french);

function bench(fn: () => void, minMs = 300): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n; // µs per call
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// Through the guardrail stage: a tool's structured answer and its JSON text copy, as tools with an
// output schema return it (14 rows, about 2 KB of text and 100 short leaves): the stage reads every
// leaf, so what a detector costs per call, not per KB, shows here.
function stageRow(runCount: number, runMs: number): void {
  const stage = createGuardrailStage(guardrailsConfigSchema.parse({ output: [{ detector: 'prompt_injection', action: 'label', label: 'suspected_injection' }, { detector: 'secrets', action: 'redact' }, { detector: 'pii', action: 'redact' }] }), { detectors });
  const items = Array.from({ length: 14 }, (_, i) => ({ id: i, title: `Issue ${i}: login fails on Safari`, state: i % 2 ? 'open' : 'closed', assignee: { login: `user${i}`, url: `https://api.example.com/users/user${i}` }, labels: ['bug', 'p2'] }));
  const result = { content: [{ type: 'text', text: JSON.stringify({ items }) }], structuredContent: { items } };
  const call = () => stage.response!({ method: 'tools/call', params: { name: 't' }, result, state: new Map(), hits: [] } as unknown as CallContext);
  const runs = Array.from({ length: runCount }, () => bench(call, runMs));
  console.log(`stage on a structured result (${result.content[0]!.text.length} B of JSON text and its structured copy): median ${median(runs).toFixed(1)} µs of ${runCount} runs (min ${Math.min(...runs).toFixed(1)}, max ${Math.max(...runs).toFixed(1)})`);
}
// --stage: that row alone, longer, to compare two versions of the code in alternating runs.
if (stageOnly) {
  stageRow(15, 300);
  process.exit(0);
}

console.log('detector            µs/call(2KB)   µs/KB');
for (const d of detectors) {
  const us = median([1, 2, 3, 4, 5].map(() => bench(() => d.scan(result2k), 200)));
  console.log(`${d.name.padEnd(18)} ${us.toFixed(1).padStart(12)} ${(us / 2).toFixed(1).padStart(8)}`);
}
// What the guardrail stage does per result leaf: one normalised view (+ decoded blobs), every detector.
const scanAll = (s: string) => {
  for (const v of scanViews(s)) for (const d of detectors) d.scan(v.text, { normalized: v.normalized });
};
for (const [what, text] of [['result', result2k], ['French result', french2k]] as const) {
  const runs = [1, 2, 3, 4, 5, 6, 7].map(() => bench(() => scanAll(text), 200));
  console.log(`full output chain on a 2 KB ${what}: median ${median(runs).toFixed(1)} µs of 7 runs (min ${Math.min(...runs).toFixed(1)}, max ${Math.max(...runs).toFixed(1)}; target < 100 µs)`);
}

stageRow(7, 200);

// --- 1 MiB adversarial inputs, scanned directly (not through the stage's 256 KiB leaf bound).
type Scanner = [string, (s: string) => void];
const scanners: Scanner[] = [
  ['scanViews', (s) => void scanViews(s)],
  ...detectors.map((d): Scanner => [d.name, (s) => void d.scan(s)]),
];
/**
 * Cost of one scan in ms (scanCostMs: the lesser of wall and process CPU time), best of three;
 * one run when it is clearly fast.
 */
function timeMs(fn: () => void): number {
  const a = scanCostMs(fn);
  if (a < 5) return a;
  return Math.min(a, scanCostMs(fn), scanCostMs(fn));
}
const worst = new Map<string, [number, string]>();
function record(name: string, shape: string, ms: number): void {
  const w = worst.get(name);
  if (!w || ms > w[0]) worst.set(name, [ms, shape]);
  if (perCase || ms >= 10) console.log(`  ${name.padEnd(17)} ${ms.toFixed(1).padStart(7)} ms  ${shape}${ms >= BUDGET_MS ? '  OVER' : ''}`);
}

console.log(`\n1 MiB adversarial, generic shapes (ms: least of wall and CPU time, best of 3; rows >= 10 ms${perCase ? ', all rows' : ''}):`);
for (const [shape, make] of genericShapes(MB)) {
  const s = make();
  for (const [name, fn] of scanners) record(name, shape, timeMs(() => fn(s)));
}

if (!quick) {
  // Shapes against each secrets rule (its literal prefix, else its keyword) and each
  // prompt-injection rule key: the prefix without the rest of the rule.
  const file = JSON.parse(readFileSync(new URL('../src/guardrails/output/secret-rules.json', import.meta.url), 'utf8')) as { rules: { id: string; re: string; keywords: string[] }[] };
  const secrets = detectors.find((d) => d.name === 'secrets')!;
  const single = new Map<string, Detector>();
  const prefixes = new Map<string, string[]>(); // prefix -> rule ids it targets
  for (const r of file.rules) {
    for (const p of new Set([literalPrefix(r.re), ...r.keywords].filter((x) => x.length >= 2))) prefixes.set(p, [...(prefixes.get(p) ?? []), r.id]);
  }
  console.log(`\n1 MiB adversarial, secrets rule shapes (${prefixes.size} prefixes x ${prefixShapes('x').length} shapes; rows >= 10 ms):`);
  for (const [p, ids] of prefixes) {
    for (const [shape, make] of prefixShapes(p)) {
      const s = make();
      const ms = timeMs(() => secrets.scan(s));
      record('secrets', `${shape} [${ids.join(',')}]`, ms);
      if (ms >= BUDGET_MS) {
        // Attribute: which single rules cost the most on this shape.
        const lower = s.toLowerCase();
        const per = file.rules.filter((r) => r.keywords.some((k) => lower.includes(k))).map((r) => {
          let d = single.get(r.id);
          if (!d) single.set(r.id, (d = createSecretsDetector({ include: [r.id] })));
          const dd = d;
          return [r.id, timeMs(() => dd.scan(s))] as const;
        });
        per.sort((a, b) => b[1] - a[1]);
        console.log(`      slowest rules: ${per.slice(0, 3).map(([id, t]) => `${id} ${t.toFixed(1)} ms`).join(', ')}`);
      }
    }
  }
  const injection = detectors.find((d) => d.name === 'prompt_injection')!;
  const keys = [...new Set(INJECTION_RULES.flatMap((r) => r.keys))];
  console.log(`\n1 MiB adversarial, prompt-injection key shapes (${keys.length} keys; rows >= 10 ms):`);
  for (const k of keys) {
    for (const [shape, make] of prefixShapes(k).slice(0, 7)) {
      const s = make();
      record('prompt_injection', shape, timeMs(() => injection.scan(s)));
    }
  }
  // Chain rules (injection-chains.ts): every part's words, densely, yet no whole chain: a sentence
  // end before the last part, the last part missing, or (a tail) no address after it.
  const chains = INJECTION_RULES.filter((r) => r.chain);
  console.log(`\n1 MiB adversarial, chain rules with every part present (${chains.length} rules; rows >= 10 ms):`);
  for (const r of chains) {
    const words = r.chain!.map((p) => p.alts[0]!.replace(/\\w\{0,\d+\}$/, ''));
    const units = [`${words.slice(0, -1).join(' ')}. ${words.at(-1)} `, `${words.slice(0, -1).join(' ')} `, `${words.join(' ')} x `];
    for (const u of units) {
      const s = fill(u, MB);
      record('prompt_injection', `${JSON.stringify(u)} run [${r.id}]`, timeMs(() => injection.scan(s)));
    }
  }
}

console.log('\nworst 1 MiB direct scan per detector:');
for (const [name, [ms, shape]] of worst) console.log(`  ${name.padEnd(17)} ${ms.toFixed(1).padStart(7)} ms  ${shape}${ms >= BUDGET_MS ? '  OVER' : ''}`);

// What the mark-run bound (src/shared/unicode.ts) spares: ICU's NFKC alone on one letter and then
// marks alternating between two combining classes, unbounded (canonical ordering by insertion).
for (const marks of [16_000, 64_000]) {
  const s = fill('\u0301\u0316', marks + 1, 'a');
  console.log(`NFKC alone, unbounded, on ${marks.toLocaleString('en')} alternating marks: ${timeMs(() => void s.normalize('NFKC')).toFixed(0)} ms`);
}

// Through the stage with default limits: a 1 MiB leaf is refused before any detector runs.
const stage = createGuardrailStage(guardrailsConfigSchema.parse({ output: [{ detector: 'prompt_injection', action: 'block' }, { detector: 'secrets', action: 'redact' }, { detector: 'pii', action: 'redact' }] }), { detectors });
const leaf = genericShapes(MB)[0]!;
const result = { content: [{ type: 'text', text: leaf[1]() }] };
const ctx = { method: 'tools/call', params: { name: 't' }, result, state: new Map(), hits: [] } as unknown as CallContext;
const t0 = performance.now();
const v = (await stage.response!(ctx)) as Verdict;
console.log(`stage, 1 MiB leaf (${leaf[0]}): ${v.kind} ${v.kind === 'deny' ? v.error.code : ''} in ${(performance.now() - t0).toFixed(1)} ms`);
// Within the limits, a leaf full of findings: every one is redacted (the text is rebuilt once, not
// once per finding), in a JSON list of names and values and in plain `KEY=value` lines.
for (const [what, text] of [
  ['JSON {name, value} list', JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ name: `API_KEY_${i}`, value: `Zx9Qw3Er5Ty7Uu${i}` })))],
  ['KEY=value lines', Array.from({ length: 8000 }, (_, i) => `API_KEY_${i}=Zx9Qw3Er5Ty7Uu${i}`).join('\n').slice(0, 250 * 1024)],
] as const) {
  const c = { method: 'tools/call', params: { name: 't' }, result: { content: [{ type: 'text', text }] }, state: new Map(), hits: [] } as unknown as CallContext;
  const t1 = performance.now();
  const r = (await stage.response!(c)) as Verdict;
  const out = r.kind === 'modify' ? JSON.stringify(r.result) : '';
  console.log(`stage, ${(text.length / 1024).toFixed(0)} KiB leaf of secrets (${what}): ${r.kind}, ${out.split('[REDACTED:').length - 1} redactions in ${(performance.now() - t1).toFixed(1)} ms`);
}
