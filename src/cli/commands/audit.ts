/**
 * `warden audit verify | tail [--follow] | query | export | session ID | checkpoint`: reads the
 * audit trail from the database (default `warden.db` in the gateway's `storage.dataDir`, or `--db PATH`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import {
  auditConfigSchema, createAuditLog, csvHeader, csvRow, iterateAudit, publicKeyPath, queryAudit, sessionStory, storyLine,
  tailAudit, verifyAuditChain,
} from '../../audit/index.ts';
import type { AuditConfig, AuditEntry, AuditQuery } from '../../audit/index.ts';
import { dbPathForConfig } from '../../store/sqlite.ts';

export interface AuditIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
  /** Stops `tail --follow` (default: SIGINT). */
  signal?: AbortSignal;
  /** Poll interval for `--follow`. */
  pollMs?: number;
}

const USAGE = `usage: warden audit <command> [--db PATH] [options]
  verify [--checkpoints FILE] [--public-key FILE] [--json]   check the hash chain, signatures and checkpoints
  tail [-n N] [--follow] [--json]                             the latest records (and new ones as they come)
  query [--agent A] [--tool T] [--session S] [--since WHEN] [--until WHEN] [--decision D] [--limit N] [--json]
  export --format jsonl|csv [query filters]                   every matching record on stdout
  session ID [--json]                                         a session's story, in order
  checkpoint                                                  sign and export the chain head now
WHEN: an ISO date/time, or an age such as 30m, 12h, 7d.`;

const common = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
const filters = {
  agent: { type: 'string' }, tool: { type: 'string' }, session: { type: 'string' }, since: { type: 'string' },
  until: { type: 'string' }, decision: { type: 'string' }, limit: { type: 'string' },
} as const;

class UsageError extends Error {}

export async function run(argv: string[], io: AuditIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'verify': return verifyCmd(rest, io);
      case 'tail': return await tailCmd(rest, io);
      case 'query': return queryCmd(rest, io, false);
      case 'export': return queryCmd(rest, io, true);
      case 'session': return sessionCmd(rest, io);
      case 'checkpoint': return await checkpointCmd(rest, io);
      case undefined: case '-h': case '--help': case 'help':
        io.stdout(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command: audit ${cmd}`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`warden audit: ${(err as Error).message}\n`);
    return 1;
  }
}

interface Ctx {
  dbPath: string;
  dataDir: string;
  config: AuditConfig;
}

/** The audit config from the config file's `audit` section (defaults when absent). */
function context(dbOpt: string | undefined, io: AuditIo): Ctx {
  let config = auditConfigSchema.parse({});
  const configPath = io.configPath ? resolve(io.configPath) : undefined;
  if (configPath && existsSync(configPath)) {
    const raw = parseYaml(readFileSync(configPath, 'utf8')) as { audit?: unknown } | null;
    const parsed = auditConfigSchema.safeParse(raw?.audit ?? {});
    if (!parsed.success) throw new UsageError(`${configPath}: audit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    config = parsed.data;
  }
  // The signing key and checkpoints sit beside the database (in the data directory, or beside `--db`).
  const dbPath = dbPathForConfig(configPath, dbOpt);
  return { dbPath, dataDir: dirname(dbPath), config };
}

function openDb(c: Ctx, readonly = true): Database.Database {
  if (!existsSync(c.dbPath)) throw new Error(`no database at ${c.dbPath} (use --db PATH)`);
  return new Database(c.dbPath, { readonly, fileMustExist: true });
}

function verifyCmd(argv: string[], io: AuditIo): number {
  const { values } = parseArgs({ args: argv, options: { ...common, checkpoints: { type: 'string' }, 'public-key': { type: 'string' } }, strict: true });
  if (values.help) return (io.stdout(USAGE + '\n'), 0);
  const c = context(values.db, io);
  const keyFile = resolve(c.dataDir, c.config.checkpoint.keyFile ?? 'audit-signing-key.pem');
  const pubFile = values['public-key'] ? resolve(values['public-key']) : [publicKeyPath(keyFile), keyFile].find((f) => existsSync(f));
  const cpFile = values.checkpoints ? resolve(values.checkpoints) : c.config.checkpoint.file ? resolve(c.dataDir, c.config.checkpoint.file) : undefined;
  const db = openDb(c);
  try {
    const r = verifyAuditChain(db, {
      ...(pubFile && { publicKey: readFileSync(pubFile, 'utf8') }),
      ...(cpFile && { checkpointsFile: cpFile }),
    });
    if (values.json) io.stdout(JSON.stringify(r, null, 2) + '\n');
    else {
      const range = r.records ? ` (seq ${r.firstSeq}..${r.lastSeq})` : '';
      io.stdout(`audit chain: ${r.records} records${range}${r.anchorSeq !== undefined ? `, pruned up to ${r.anchorSeq} (signed anchor)` : ''}, ${r.checkpointsChecked} checkpoints checked\n`);
      for (const w of r.warnings) io.stdout(`warning: ${w}\n`);
      for (const p of r.problems) io.stdout(`${p.seq !== undefined ? `seq ${p.seq}` : 'chain'}\t${p.check}\t${p.message}\n`);
      if (r.problemsOmitted) io.stdout(`… and ${r.problemsOmitted} more problems\n`);
      io.stdout(r.ok ? 'OK: the chain is intact\n' : `FAILED: ${r.problems.length + r.problemsOmitted} problems\n`);
    }
    return r.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

function toQuery(v: Partial<Record<keyof typeof filters, string | undefined>>, now = Date.now()): AuditQuery {
  const q: { -readonly [K in keyof AuditQuery]: AuditQuery[K] } = {};
  if (v.agent) q.agent = v.agent;
  if (v.tool) q.tool = v.tool;
  if (v.session) q.session = v.session;
  if (v.decision) q.decision = v.decision;
  if (v.since) q.since = parseWhen(v.since, now);
  if (v.until) q.until = parseWhen(v.until, now);
  if (v.limit) {
    const n = Number(v.limit);
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--limit must be a positive integer`);
    q.limit = n;
  }
  return q;
}

/** An ISO date/time, or an age (`30s`, `15m`, `12h`, `7d`) before now. */
export function parseWhen(s: string, now: number): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s);
  if (m) return now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`cannot read time "${s}": use an ISO date or an age like 30m, 12h, 7d`);
  return t;
}

const print = (io: AuditIo, json: boolean) => (e: AuditEntry) => io.stdout((json ? JSON.stringify(e) : `${String(e.seq).padStart(6)} ${storyLine(e)}`) + '\n');

function queryCmd(argv: string[], io: AuditIo, exporting: boolean): number {
  const { values } = parseArgs({ args: argv, options: { ...common, ...filters, format: { type: 'string' } }, strict: true });
  if (values.help) return (io.stdout(USAGE + '\n'), 0);
  const format = values.format ?? (exporting ? undefined : values.json ? 'jsonl' : 'text');
  if (exporting && format !== 'jsonl' && format !== 'csv') throw new UsageError('export needs --format jsonl|csv');
  const q = toQuery(values);
  const db = openDb(context(values.db, io));
  try {
    if (format === 'csv') io.stdout(csvHeader() + '\n');
    for (const e of iterateAudit(db, q)) {
      io.stdout((format === 'csv' ? csvRow(e) : format === 'jsonl' ? JSON.stringify(e) : `${String(e.seq).padStart(6)} ${storyLine(e)}`) + '\n');
    }
    return 0;
  } finally {
    db.close();
  }
}

function sessionCmd(argv: string[], io: AuditIo): number {
  const { values, positionals } = parseArgs({ args: argv, options: common, strict: true, allowPositionals: true });
  if (values.help) return (io.stdout(USAGE + '\n'), 0);
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('audit session needs one session ID');
  const db = openDb(context(values.db, io));
  try {
    const story = sessionStory(db, id);
    if (!story.length) {
      io.stderr(`no records for session ${id}\n`);
      return 1;
    }
    if (!values.json) io.stdout(`session ${id} (${new Date(story[0]!.ts).toISOString().slice(0, 10)}, times UTC)\n`);
    story.forEach(print(io, values.json));
    return 0;
  } finally {
    db.close();
  }
}

async function tailCmd(argv: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...common, ...filters, n: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f', default: false } }, strict: true });
  if (values.help) return (io.stdout(USAGE + '\n'), 0);
  const n = Number(values.n ?? 20);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError('-n must be a non-negative integer');
  const q = toQuery(values);
  const db = openDb(context(values.db, io));
  const out = print(io, values.json);
  try {
    let last = 0;
    for (const e of tailAudit(db, n, q)) (out(e), (last = e.seq));
    if (!values.follow) return 0;
    if (last === 0) last = (db.prepare('SELECT max(seq) AS m FROM audit_records').get() as { m: number | null } | undefined)?.m ?? 0;
    const signal = io.signal ?? sigint();
    while (!signal.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, io.pollMs ?? 500);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      for (const e of queryAudit(db, { ...q, afterSeq: last, limit: 1000 })) (out(e), (last = e.seq));
    }
    return 0;
  } finally {
    db.close();
  }
}

function sigint(): AbortSignal {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  return ac.signal;
}

async function checkpointCmd(argv: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: common, strict: true });
  if (values.help) return (io.stdout(USAGE + '\n'), 0);
  const c = context(values.db, io);
  const db = openDb(c, false);
  try {
    const log = createAuditLog({ db, timers: false, dataDir: c.dataDir, onError: (err) => io.stderr(`warning: ${(err as Error).message}\n`) }, c.config);
    const r = await log.checkpoint('manual');
    await log.close();
    if (!r) io.stdout('nothing to sign: the chain is empty\n');
    else if (values.json) io.stdout(JSON.stringify(r) + '\n');
    else io.stdout(`signed checkpoint at seq ${r.checkpoint.seq} (${r.checkpoint.hash.slice(0, 16)}…)${r.exported.file ? `, file ${r.exported.file}` : ''}${r.exported.url ? `, url ${r.exported.url}` : ''}\n`);
    return r && r.exported.errors.length ? 1 : 0;
  } finally {
    db.close();
  }
}
