/**
 * Output detector micro-benchmark: µs per KB per detector on realistic tool results, the whole
 * output chain (expand + every detector) on a 2 KB result, and 1 MB adversarial inputs.
 *
 *   node bin/run-ts.js scripts/bench-detectors-output.ts
 *
 * Speed is measured here and never asserted in tests.
 */
import { expandForScan } from '../src/guardrails/normalize.ts';
import { createOutputDetectors } from '../src/guardrails/output/index.ts';

const detectors = createOutputDetectors();
const email = `SUBJECT: Your card has been charged $373.52|EMAIL_FROM: Mercury <hello@mercury.com>|RECEIVED DATE: Tue, 22 Feb 2022 21:49:18 +0000|CONTENT:
Hi David, your Mercury debit card ending 4605 was preauthorized for $373.52. The settled amount may be different.
If you have questions, reply to this e-mail or call +1 415 555 2671. Thanks for banking with us!
| id | item | qty | price |
| 1  | widget | 3 | 9.99 |
| 2  | gadget | 1 | 24.50 |
`;
const result2k = email.repeat(Math.ceil(2048 / email.length)).slice(0, 2048);

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
const chain = () => {
  for (const v of expandForScan(result2k)) for (const d of detectors) d.scan(v);
};
console.log(`full output chain on a 2 KB result: ${bench(chain).toFixed(1)} µs (target < 100 µs)`);

const MB = 1024 * 1024;
const adversarial: [string, string][] = [
  ['repeated keywords', 'key=token secret '.repeat(MB / 17)],
  ['one long base64 run', 'QUJD'.repeat(MB / 4)],
  ['nested quantifier bait', 'ignore '.repeat(MB / 7)],
  ['@ and digits', '@1-'.repeat(MB / 3)],
  ['zero-width + homoglyphs', '\u0456\u200Bg'.repeat(MB / 3)],
  ['curl -H bait', 'curl -H "Authorization: '.repeat(MB / 24)],
];
for (const [name, s] of adversarial) {
  const t0 = performance.now();
  const views = expandForScan(s);
  for (const v of views) for (const d of detectors) d.scan(v);
  console.log(`1 MB adversarial (${name}): ${(performance.now() - t0).toFixed(1)} ms`);
}
