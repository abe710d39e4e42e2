/**
 * Runs the mcp-defense-bench fixtures that concern tool integrity (tool-poisoning, rug-pull,
 * mid-session tool injection, config drift, tool shadowing, split poisoning) through the real
 * guard, scanner and drift check. Used by the correctness test and by `npm run eval`.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolLike } from './canonical.ts';
import { detectConfigDrift } from './drift.ts';
import { createIntegrityGuard } from './guard.ts';

export const INTEGRITY_VECTORS = [
  'tool-poisoning',
  'rug-pull',
  'mid-session-tool-injection',
  'config-drift',
  'tool-shadowing',
  'multi-tool-split-poisoning',
] as const;

export interface BenchOutcome {
  readonly id: string;
  readonly vector: string;
  /** Whether the attack was detected / enforced (hidden), and what the fixture expected. */
  readonly attack: { detected: boolean; enforced: boolean; expectDetect: boolean; expectEnforce: boolean };
  /** The benign control: must be neither detected nor enforced. */
  readonly control: { detected: boolean; enforced: boolean };
}

interface Side {
  type?: string;
  tool?: ToolLike;
  before?: ToolLike;
  after?: ToolLike;
  baseline?: unknown;
  current?: unknown;
  servers?: Array<{ server: string; tools: ToolLike[] }>;
}

function judge(side: Side): { detected: boolean; enforced: boolean } {
  const guard = createIntegrityGuard({ db: new Database(':memory:'), now: () => 0 });
  let events = 0;
  switch (side.type) {
    case 'malicious-tool-definition':
    case 'benign-tool-definition': {
      const r = guard.review('bench', [side.tool!]);
      return { detected: r.quarantined.length > 0, enforced: r.quarantined.length > 0 };
    }
    case 'definition-change': {
      guard.review('bench', [side.before!]);
      const r = guard.review('bench', [side.after!]);
      return { detected: r.quarantined.length > 0, enforced: r.allowed.length === 0 };
    }
    case 'config-snapshot-diff': {
      const d = detectConfigDrift(side.baseline, side.current).filter((f) => f.kind === 'weakened');
      return { detected: d.length > 0, enforced: false };
    }
    case 'multi-server-registry': {
      const g = createIntegrityGuard({ db: new Database(':memory:'), now: () => 0, onEvent: (e) => { if (e.findings?.length) events++; } });
      let hidden = 0;
      for (const s of side.servers ?? []) hidden += g.review(s.server, s.tools).quarantined.length;
      // Detected: a finding of any severity was reported (warnings included); enforced: a tool hidden.
      return { detected: events > 0 || hidden > 0, enforced: hidden > 0 };
    }
    default:
      throw new Error(`unhandled fixture type ${String(side.type)}`);
  }
}

/** Outcomes for every fixture of the integrity vectors under `dir` (the bench's root folder). */
export function runDefenseBench(dir: string): BenchOutcome[] {
  const out: BenchOutcome[] = [];
  for (const vector of INTEGRITY_VECTORS) {
    for (const f of readdirSync(join(dir, vector)).filter((x) => x.endsWith('.json')).sort()) {
      const fx = JSON.parse(readFileSync(join(dir, vector, f), 'utf8')) as {
        id: string; fixture: Side; expected: { detect: boolean; enforce: boolean }; benignControl: Side;
      };
      out.push({
        id: fx.id,
        vector,
        attack: { ...judge(fx.fixture), expectDetect: fx.expected.detect, expectEnforce: fx.expected.enforce },
        control: judge(fx.benignControl),
      });
    }
  }
  return out;
}
