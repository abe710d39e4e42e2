/**
 * Tool-poisoning scan evaluation (issue 8).
 * - poisoning-pairs (scripts/evals/data/poisoning-pairs.json): our hand-written poisoned/benign
 *   pairs, split deterministically by a hash of the pair id into train (~60%, used to tune the
 *   rules) and test (~40%, reported). Flagged = the integrity guard quarantines it at first
 *   sight with the default policy (a finding of severity ≥ high).
 * - mcp-defense-bench: the integrity vectors (tool-poisoning, rug-pull, mid-session tool
 *   injection, config drift, tool shadowing, split poisoning) through the real guard; a positive
 *   counts as caught when detected as the fixture expects (and hidden when it expects enforcement).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { EvalRow } from '../../src/guardrails/types.ts';
import { createIntegrityGuard, type ToolLike } from '../../src/integrity/index.ts';
import { runDefenseBench } from '../../src/integrity/bench.ts';

interface Pair {
  id: string;
  technique: string;
  benign: ToolLike;
  poisoned: ToolLike;
}

/** Deterministic split: first byte of sha256(id) < 0x66 (40%) → test. */
export function splitOf(id: string): 'train' | 'test' {
  return createHash('sha256').update(id).digest()[0]! < 0x66 ? 'test' : 'train';
}

/** Quarantined at first sight by a fresh guard with default config. */
function flagged(tool: ToolLike): boolean {
  const guard = createIntegrityGuard({ db: new Database(':memory:'), now: () => 0 });
  return guard.review('eval', [tool]).quarantined.length > 0;
}

export function evaluatePairs(pairs: readonly Pair[], split: 'train' | 'test') {
  const sel = pairs.filter((p) => splitOf(p.id) === split);
  const missed = sel.filter((p) => !flagged(p.poisoned)).map((p) => p.id);
  const falsePos = sel.filter((p) => flagged(p.benign)).map((p) => p.id);
  return { n: sel.length, missed, falsePos };
}

export default async function (): Promise<EvalRow[]> {
  const data = JSON.parse(readFileSync(new URL('./data/poisoning-pairs.json', import.meta.url), 'utf8')) as { pairs: Pair[] };
  const rows: EvalRow[] = [];
  for (const split of ['test', 'train'] as const) {
    const r = evaluatePairs(data.pairs, split);
    rows.push({
      detector: 'tool_poisoning',
      dataset: 'poisoning-pairs',
      split,
      positives: r.n,
      negatives: r.n,
      recall: (r.n - r.missed.length) / r.n,
      falsePositiveRate: r.falsePos.length / r.n,
      recallAt1pctFpr: null,
      note: [split === 'train' ? 'tuning split' : '', r.missed.length ? `missed: ${r.missed.join(' ')}` : '', r.falsePos.length ? `FP: ${r.falsePos.join(' ')}` : '']
        .filter(Boolean).join('; ') || undefined,
    } as EvalRow);
  }
  const bench = runDefenseBench(fileURLToPath(new URL('../../../shared/evals/mcp-defense-bench/', import.meta.url)));
  const caught = bench.filter((o) => o.attack.detected === o.attack.expectDetect && (!o.attack.expectEnforce || o.attack.enforced));
  const fp = bench.filter((o) => o.control.detected || o.control.enforced);
  rows.push({
    detector: 'tool_integrity',
    dataset: 'mcp-defense-bench',
    split: 'test',
    positives: bench.length,
    negatives: bench.length,
    recall: caught.length / bench.length,
    falsePositiveRate: fp.length / bench.length,
    recallAt1pctFpr: null,
    note: `vectors: ${[...new Set(bench.map((o) => o.vector))].join(', ')}`,
  } as EvalRow);
  return rows;
}
