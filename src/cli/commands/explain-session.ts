/**
 * `warden explain-session [--config warden.yaml] [--approve-holds] [--json] SESSION.json`
 * `warden explain-session [--config warden.yaml] --session KEY [--db PATH]` (from the audit trail)
 *
 * Replays a session's calls against the flow rules and prints, call by call, the labels the
 * session had, the labels the call carried, and which rule fired where and why. SESSION.json is
 * a list of calls (or `{ "calls": [...] }`), each `{ server, tool, args?, result?, at?,
 * upstreamError?, labelsAdd? }` — the shape the audit store will export. With `--approve-holds`
 * a held call is treated as approved so the replay shows what would have happened next.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { flowsConfigSchema } from '../../flow/config.ts';
import type { LabelServerConfig } from '../../flow/labels.ts';
import { createFlowRuntime, replaySession, type ReplayCall } from '../../flow/replay.ts';
import { dbPathForConfig } from '../../store/sqlite.ts';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
}

const USAGE = 'usage: warden explain-session [--config FILE] [--approve-holds] [--json] (SESSION.json | --session KEY [--db PATH])';

/**
 * A session's calls as the audit trail recorded them (tool calls that reached the upstream, in
 * order): what `warden audit session KEY` prints, replayed against the rules. Arguments and
 * results are the recorded (redacted, size-capped) forms.
 */
async function callsFromAudit(dbPath: string, session: string): Promise<ReplayCall[]> {
  const { default: Database } = await import('better-sqlite3');
  const { queryAudit } = await import('../../audit/query.ts');
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const out: ReplayCall[] = [];
    for (const e of queryAudit(db, { session, kind: 'call' })) {
      const r = e as { method?: string; server?: string; name?: string; args?: unknown; result?: unknown; ts: number; outcome?: string };
      if (r.method !== 'tools/call' || !r.server || !r.name) continue;
      // Every call that was routed to a tool is replayed, refused ones too: the replay decides again
      // and shows which rule stops it (a refused call adds no labels there either).
      out.push({
        server: r.server,
        tool: r.name,
        at: r.ts,
        ...(r.args && typeof r.args === 'object' && !Array.isArray(r.args) ? { args: r.args as Record<string, unknown> } : {}),
        ...(r.result && typeof r.result === 'object' ? { result: r.result as Record<string, unknown> } : {}),
        ...(r.outcome === 'failed' ? { upstreamError: true } : {}),
      });
    }
    return out;
  } finally {
    db.close();
  }
}

function isCall(v: unknown): v is ReplayCall {
  return typeof v === 'object' && v !== null && typeof (v as ReplayCall).server === 'string' && typeof (v as ReplayCall).tool === 'string';
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, session: { type: 'string' }, db: { type: 'string' }, 'approve-holds': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    io.stderr(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file && !values.session) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }

  // Only the two sections flow control needs are read, so a session can be explained against any config.
  let flowsRaw: unknown = undefined;
  let servers: Record<string, LabelServerConfig> = {};
  const configPath = values.config ?? io.configPath;
  if (configPath) {
    try {
      const doc = parseYaml(readFileSync(configPath, 'utf8')) as { flows?: unknown; servers?: Record<string, LabelServerConfig> } | null;
      flowsRaw = doc?.flows;
      servers = doc?.servers ?? {};
    } catch (e) {
      io.stderr(`cannot read config ${configPath}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const flows = flowsConfigSchema.safeParse(flowsRaw);
  if (!flows.success) {
    for (const i of flows.error.issues) io.stderr(`config: flows.${i.path.join('.')}: ${i.message}\n`);
    return 2;
  }

  let calls: ReplayCall[];
  if (values.session) {
    try {
      calls = await callsFromAudit(dbPathForConfig(configPath, values.db), values.session);
    } catch (e) {
      io.stderr(`cannot read the audit trail: ${(e as Error).message}\n`);
      return 2;
    }
    if (calls.length === 0) {
      io.stderr(`no tool calls recorded for session ${values.session}\n`);
      return 1;
    }
  } else {
    try {
      const raw = JSON.parse(readFileSync(file!, 'utf8')) as unknown;
      const list = Array.isArray(raw) ? raw : (raw as { calls?: unknown })?.calls;
      if (!Array.isArray(list) || !list.every(isCall)) throw new Error('expected a list of { server, tool, ... } calls');
      calls = list;
    } catch (e) {
      io.stderr(`cannot read session ${file}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  let rt;
  try {
    rt = createFlowRuntime(flows.data, { servers });
  } catch (e) {
    io.stderr(`config: ${(e as Error).message}\n`);
    return 2;
  }
  const steps = await replaySession(rt, calls, { sessionKey: 'explain', approveHolds: values['approve-holds'] === true });

  if (values.json) {
    io.stdout(`${JSON.stringify(steps.map((s) => ({
      call: s.index + 1,
      server: s.call.server,
      tool: s.call.tool,
      outcome: s.outcome,
      callLabels: s.callLabels,
      labelsBefore: s.labelsBefore,
      labelsAfter: s.labelsAfter,
      firings: s.decision?.firings ?? [],
      dataflow: s.decision?.dataflow ?? [],
    })), null, 2)}\n`);
  } else {
    io.stdout(`replaying ${calls.length} calls against ${flows.data.rules.length} rules and ${flows.data.destinations.length} destination lists\n`);
    for (const s of steps) {
      const mark = s.outcome === 'allowed' ? 'allowed ' : s.outcome === 'approved' ? 'HELD→ok ' : s.outcome === 'held' ? 'HELD    ' : 'BLOCKED ';
      io.stdout(`#${String(s.index + 1).padEnd(3)} ${mark} ${s.call.server}/${s.call.tool}  call[${s.callLabels.join(',')}]  session[${s.labelsBefore.join(',')}]\n`);
      for (const f of s.decision?.firings ?? []) io.stdout(`       ${f.action.padEnd(16)} ${f.reason}\n`);
      const added = s.labelsAfter.filter((l) => !s.labelsBefore.includes(l));
      if (added.length) io.stdout(`       adds ${added.join(', ')}\n`);
    }
    const stopped = steps.filter((s) => s.outcome === 'blocked' || s.outcome === 'held').length;
    io.stdout(`${stopped} of ${steps.length} calls blocked or held\n`);
  }
  return 0;
}
