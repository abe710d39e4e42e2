/**
 * `npm run eval`: runs every evaluation module in scripts/evals/ over ../shared/evals and prints
 * one row per detector and data set (recall, false-positive rate, recall at 1% FPR), then writes
 * the rows to eval-report.json. Modules export `default async function (): Promise<EvalRow[]>`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EvalRow } from '../src/guardrails/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(join(here, 'evals'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows: EvalRow[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, 'evals', f)).href)) as { default: () => Promise<EvalRow[]> };
  const t0 = performance.now();
  const got = await mod.default();
  rows.push(...got);
  console.error(`# ${f}: ${got.length} rows in ${Math.round(performance.now() - t0)} ms`);
}

const pct = (x: number | null) => (x === null ? '   n/a' : `${(x * 100).toFixed(1).padStart(5)}%`);
console.log('detector             dataset                          split   pos    neg   recall    FPR  R@1%FPR');
for (const r of rows) {
  console.log(
    `${r.detector.padEnd(20)} ${r.dataset.padEnd(32)} ${r.split.padEnd(6)} ${String(r.positives).padStart(5)} ${String(r.negatives).padStart(6)}  ${pct(r.recall)} ${pct(r.falsePositiveRate)}  ${pct(r.recallAt1pctFpr)}${r.note ? `  ${r.note}` : ''}`,
  );
}
writeFileSync('eval-report.json', JSON.stringify({ generatedAt: new Date().toISOString(), rows }, null, 2));
console.log('\nwrote eval-report.json');
