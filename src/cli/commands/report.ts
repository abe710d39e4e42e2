/**
 * `warden report grants [--days 30] [--grants FILE.json] [--rare N] [--json]`: permission creep
 * (issue 8). Grants (agent → exposed tool names) come from `--grants` or from the gateway's
 * policy when the lead wires `createReportCommand({ grants })`; call counts come from the audit
 * table `audit_records` in the shared database (allowed/approved `tools/call` records).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { buildGrantsReport, formatGrantsReport, type CallCount } from '../../integrity/index.ts';
import { dbPathForConfig } from '../../store/sqlite.ts';

export interface ReportIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
}

export interface ReportDeps {
  /** Agent → exposed tool names it is granted (the policy's view); used when no --grants file is given. */
  readonly grants?: () => Promise<ReadonlyMap<string, readonly string[]>>;
  /** Call counts since a time; default: a query on audit_records. */
  readonly countCalls?: (sinceMs: number) => readonly CallCount[];
  readonly now?: () => number;
}

const USAGE = 'usage: warden report grants [--days 30] [--grants FILE.json] [--rare N] [--db PATH] [--json]';

/** Counts allowed tool calls per agent and exposed tool from the audit table. */
export function countCallsFromAudit(db: Database.Database): (sinceMs: number) => CallCount[] {
  const stmt = db.prepare<[number], CallCount>(
    `SELECT agent, tool, COUNT(*) AS calls FROM audit_records
     WHERE ts >= ? AND method = 'tools/call' AND outcome IN ('allowed', 'approved') AND agent IS NOT NULL AND tool IS NOT NULL
     GROUP BY agent, tool`,
  );
  return (since) => stmt.all(since);
}

function readGrants(file: string): Map<string, string[]> {
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => Array.isArray(x) && x.every((t) => typeof t === 'string'))) {
    throw new Error(`${file}: expected { "<agent>": ["<exposed tool>", ...] }`);
  }
  return new Map(Object.entries(v as Record<string, string[]>));
}

/** The command with the gateway's policy and audit plugged in. */
export function createReportCommand(deps: ReportDeps = {}) {
  return async function run(argv: string[], io: ReportIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv, allowPositionals: true, strict: true,
        options: { days: { type: 'string', default: '30' }, grants: { type: 'string' }, rare: { type: 'string', default: '2' }, db: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      });
    } catch (err) {
      io.stderr(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) return (io.stdout(USAGE), 0);
    const days = Number(values.days);
    const rare = Number(values.rare);
    if (positionals[0] !== 'grants' || !(days > 0) || !(Number.isInteger(rare) && rare >= 0)) {
      io.stderr(USAGE);
      return 2;
    }
    let db: Database.Database | undefined;
    try {
      const grants = values.grants ? readGrants(values.grants) : deps.grants ? await deps.grants() : undefined;
      if (!grants) throw new Error('no grants: pass --grants FILE.json (agent → exposed tool names)');
      let countCalls = deps.countCalls;
      if (!countCalls) {
        const dbPath = dbPathForConfig(io.configPath, values.db);
        if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath} (use --db PATH)`);
        db = new Database(dbPath, { readonly: true, fileMustExist: true });
        countCalls = countCallsFromAudit(db);
      }
      const report = buildGrantsReport({ grants, countCalls, days, rareAtMost: rare, now: (deps.now ?? Date.now)() });
      io.stdout(values.json ? JSON.stringify(report, null, 2) : formatGrantsReport(report));
      return 0;
    } catch (err) {
      io.stderr(`warden report: ${(err as Error).message}`);
      return 1;
    } finally {
      db?.close();
    }
  };
}

export const run = createReportCommand();
