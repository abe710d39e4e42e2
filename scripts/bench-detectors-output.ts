/**
 * Output detector micro-benchmark: µs per KB per detector on realistic tool results, the whole
 * output chain (expand + every detector) on a 2 KB result, and 1 MB adversarial inputs.
 *
 *   node bin/run-ts.js scripts/bench-detectors-output.ts
 *
 * Speed is measured here and never asserted in tests.
 */
import { scanViews } from '../src/guardrails/normalize.ts';
import { createOutputDetectors } from '../src/guardrails/output/index.ts';
import { createGuardrailStage } from '../src/guardrails/stage.ts';
import { guardrailsConfigSchema } from '../src/guardrails/config.ts';
import type { CallContext, Verdict } from '../src/pipeline/types.ts';

const detectors = createOutputDetectors();
const email = `SUBJECT: Your card has been charged $373.52|EMAIL_FROM: Mercury <hello@mercury.com>|RECEIVED DATE: Tue, 22 Feb 2022 21:49:18 +0000|CONTENT:
Hi David, your Mercury debit card ending 4605 was preauthorized for $373.52. The settled amount may be different.
If you have questions, reply to this e-mail or call +1 415 555 2671. Thanks for banking with us!
| id | item | qty | price |
| 1  | widget | 3 | 9.99 |
| 2  | gadget | 1 | 24.50 |
`;
// Flat, as JSON.parse makes it (a repeat/slice rope would slow every charCodeAt loop).
const result2k: string = JSON.parse(JSON.stringify(email.repeat(Math.ceil(2048 / email.length)).slice(0, 2048)));

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

console.log('detector            µs/call(2KB)   µs/KB');
for (const d of detectors) {
  const us = bench(() => d.scan(result2k));
  console.log(`${d.name.padEnd(18)} ${us.toFixed(1).padStart(12)} ${(us / 2).toFixed(1).padStart(8)}`);
}
// What the guardrail stage does per result leaf: one normalised view (+ decoded blobs), every detector.
const scanAll = (s: string) => {
  for (const v of scanViews(s)) for (const d of detectors) d.scan(v.text, { normalized: v.normalized });
};
const chain = () => scanAll(result2k);
console.log(`full output chain on a 2 KB result: ${bench(chain).toFixed(1)} µs (target < 100 µs)`);

// Adversarial shapes at the default per-leaf bound (guardrails.limits.maxLeafChars, 256 KiB; a
// longer leaf fails closed with WARDEN_INSPECTION_LIMIT), and at 1 MiB through the detectors
// directly (what an operator raising the bound would pay).
const KB256 = 256 * 1024;
const MB = 1024 * 1024;
const shapes: [string, (n: number) => string][] = [
  ['repeated keywords', (n) => 'key=token secret '.repeat(n / 17)],
  ['one long base64 run', (n) => 'QUJD'.repeat(n / 4)],
  ['nested quantifier bait', (n) => 'ignore '.repeat(n / 7)],
  ['@ and digits', (n) => '@1-'.repeat(n / 3)],
  ['zero-width + homoglyphs', (n) => '\u0456\u200Bg'.repeat(n / 3)],
  ['curl -H bait', (n) => 'curl -H "Authorization: '.repeat(n / 24)],
];
for (const size of [KB256, MB]) {
  for (const [name, make] of shapes) {
    const s: string = JSON.parse(JSON.stringify(make(size)));
    const t0 = performance.now();
    scanAll(s);
    console.log(`${size === MB ? '1 MiB' : '256 KiB'} adversarial (${name}): ${(performance.now() - t0).toFixed(1)} ms`);
  }
}

// Through the stage with default limits: a 1 MiB leaf is refused before any detector runs.
const stage = createGuardrailStage(guardrailsConfigSchema.parse({ output: [{ detector: 'prompt_injection', action: 'block' }, { detector: 'secrets', action: 'redact' }, { detector: 'pii', action: 'redact' }] }), { detectors });
for (const [name, make] of shapes.slice(0, 2)) {
  const result = { content: [{ type: 'text', text: make(MB) }] };
  const ctx = { method: 'tools/call', params: { name: 't' }, result, state: new Map(), hits: [] } as unknown as CallContext;
  const t0 = performance.now();
  const v = (await stage.response!(ctx)) as Verdict;
  console.log(`stage, 1 MiB leaf (${name}): ${v.kind} ${v.kind === 'deny' ? v.error.code : ''} in ${(performance.now() - t0).toFixed(1)} ms`);
}
