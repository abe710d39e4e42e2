/**
 * `warden servers list | approve SERVER [TOOL] | pin SERVER --tools FILE | diff SERVER TOOL`:
 * tool pins and quarantine (issue 8), read from and written to the shared database
 * (`--db PATH`, default `warden.db` in the gateway's `storage.dataDir`). A running gateway picks approvals up
 * on its next tool-list review.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createIntegrityGuard, lineDiff, prettyCanonical, type ToolLike } from '../../integrity/index.ts';
import { dbPathForConfig } from '../../store/sqlite.ts';
import { recordAdminAction } from '../../audit/admin-record.ts';

export interface ServersIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
}

const USAGE = `usage: warden servers <command> [--db PATH]
  list [SERVER] [--json]                 pinned tools and their status (pinned | quarantined)
  approve SERVER [TOOL] [--by NAME]      accept the quarantined definition(s); they are served again
  pin SERVER --tools FILE [--by NAME]    pin these definitions (a tools/list result or an array of tools)
  diff SERVER TOOL                       what changed in a quarantined tool`;

class UsageError extends Error {}

/** Reads tools from a tools/list result, `{ tools: [...] }`, or a bare array. */
export function readToolsFile(file: string): ToolLike[] {
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { tools?: unknown }).tools) ? (v as { tools: unknown[] }).tools : undefined;
  if (!list || !list.every((t) => t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string')) {
    throw new UsageError(`${file}: expected an array of tools or { "tools": [...] }`);
  }
  return list as ToolLike[];
}

export async function run(argv: string[], io: ServersIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { db: { type: 'string' }, json: { type: 'boolean', default: false }, by: { type: 'string' }, tools: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    const [cmd, server, tool] = positionals;
    if (values.help || !cmd) {
      io.stdout(USAGE);
      return values.help ? 0 : 2;
    }
    const dbPath = dbPathForConfig(io.configPath, values.db);
    const writes = cmd === 'approve' || cmd === 'pin';
    if (!writes && !existsSync(dbPath)) throw new Error(`no database at ${dbPath} (use --db PATH)`);
    if (writes) mkdirSync(dirname(dbPath), { recursive: true });
    const db = new Database(dbPath);
    try {
      const guard = createIntegrityGuard({ db });
      const by = values.by ?? `cli:${safeUser()}`;
      switch (cmd) {
        case 'list': {
          const rows = guard.list(server);
          if (values.json) io.stdout(JSON.stringify(rows.map(({ definition: _d, pendingDefinition: _p, ...r }) => r), null, 2));
          else if (!rows.length) io.stdout('no pinned tools');
          else {
            for (const r of rows) {
              const who = r.approvedBy ? `approved by ${r.approvedBy} ${new Date(r.approvedAt ?? 0).toISOString()}` : 'never approved';
              io.stdout(`${r.status === 'quarantined' ? 'QUARANTINED' : 'pinned     '}  ${r.server}/${r.tool}  ${r.hash.slice(0, 19)}  ${who}`);
              for (const reason of r.reasons) io.stdout(`             - ${reason}`);
            }
          }
          return 0;
        }
        case 'approve': {
          if (!server) throw new UsageError('approve needs SERVER');
          const done = guard.approve(server, tool, by);
          if (!done.length) {
            io.stderr(`nothing quarantined for ${server}${tool ? `/${tool}` : ''}`);
            return 1;
          }
          for (const r of done) io.stdout(`approved ${r.server}/${r.tool} (${r.hash.slice(0, 19)}) by ${by}`);
          await recordAdminAction(db, 'pin.approve', { server, tools: done.map((r) => r.tool), hashes: done.map((r) => r.hash) }, by);
          return 0;
        }
        case 'pin': {
          if (!server || !values.tools) throw new UsageError('pin needs SERVER and --tools FILE');
          const done = guard.pin(server, readToolsFile(values.tools), by);
          for (const r of done) io.stdout(`pinned ${r.server}/${r.tool} (${r.hash.slice(0, 19)})`);
          await recordAdminAction(db, 'pin.set', { server, tools: done.map((r) => r.tool) }, by);
          return 0;
        }
        case 'diff': {
          if (!server || !tool) throw new UsageError('diff needs SERVER and TOOL');
          const r = guard.list(server).find((p) => p.tool === tool);
          if (!r) throw new Error(`no pin for ${server}/${tool}`);
          if (!r.pendingDefinition) {
            io.stdout(r.status === 'quarantined' ? `quarantined at first sight:\n${prettyCanonical(JSON.parse(r.definition))}` : 'no pending change');
            return 0;
          }
          io.stdout(lineDiff(prettyCanonical(JSON.parse(r.definition)), prettyCanonical(JSON.parse(r.pendingDefinition))));
          return 0;
        }
        default:
          throw new UsageError(`unknown command: servers ${cmd}`);
      }
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`warden servers: ${(err as Error).message}`);
    return 1;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
