/**
 * `warden approvals list|show|approve|deny`: talks to a running gateway's admin API
 * (`--url`, default http://127.0.0.1:8788; token from `--token` or `WARDEN_ADMIN_TOKEN`).
 * `list --watch` polls and prints requests as they appear and change.
 */
import { parseArgs } from 'node:util';

export interface ApprovalsIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Stops `list --watch` (default: SIGINT). */
  signal?: AbortSignal;
  /** Poll interval for `--watch` (default 2000 ms). */
  pollMs?: number;
}

const USAGE = `usage: warden approvals <command> [--url URL] [--token TOKEN] [options]
  list [--all | --status S] [--watch] [--json]     pending requests (or all, or by status)
  show ID [--json]                                 one request: the call, the rule, why, the arguments, what armed it
  approve ID [--reason R] [--scope call|session]   release the held call (session: same tool + arguments, this session)
  deny ID [--reason R]                             deny the held call
--url defaults to http://127.0.0.1:8788; the token to $WARDEN_ADMIN_TOKEN.`;

const options = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  status: { type: 'string' },
  watch: { type: 'boolean', default: false },
  reason: { type: 'string' },
  scope: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

class UsageError extends Error {}

/** An answer from the admin API that is an error, with its code. */
class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

interface Approval {
  id: string; status: string; agent: string; session: string; server: string; tool: string; rule: string; reason: string;
  args: unknown; armedBy: unknown; createdAt: string; expiresAt: string; decidedBy: string | null; decidedAt: string | null;
  decisionReason: string | null; scope: string | null; uses: number;
}

export async function run(argv: string[], io: ApprovalsIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '-h' || cmd === '--help') {
      io.stdout(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    }
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    if (values.help) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    const env = io.env ?? process.env;
    const client = makeClient(values.url ?? env.WARDEN_URL ?? 'http://127.0.0.1:8788', values.token ?? env.WARDEN_ADMIN_TOKEN, io.fetch ?? fetch);
    switch (cmd) {
      case 'list': {
        if (positionals.length) throw new UsageError('list takes no arguments');
        const status = values.all ? undefined : values.status ?? 'pending';
        if (values.watch) return await watch(client, status, io, values.json);
        const list = await client.list(status);
        io.stdout(values.json ? JSON.stringify(list, null, 2) + '\n' : table(list));
        return 0;
      }
      case 'show': {
        const a = await client.get(oneId(positionals));
        io.stdout(values.json ? JSON.stringify(a, null, 2) + '\n' : details(a));
        return 0;
      }
      case 'approve':
      case 'deny': {
        const id = oneId(positionals);
        if (values.scope !== undefined && (cmd === 'deny' || !['call', 'session'].includes(values.scope))) {
          throw new UsageError(cmd === 'deny' ? '--scope applies to approve only' : '--scope must be call or session');
        }
        const out = await client.decide(id, cmd, { ...(values.reason !== undefined ? { reason: values.reason } : {}), ...(values.scope ? { scope: values.scope } : {}) });
        if (values.json) io.stdout(JSON.stringify(out, null, 2) + '\n');
        else {
          const what = cmd === 'deny' ? 'denied' : out.released ? 'approved; the held call is running' : 'approved; the original call is gone, nothing ran (the agent may call again)';
          io.stdout(`${id}: ${what}\n`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command: approvals ${cmd}`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      io.stderr(`warden approvals: ${err.code}: ${err.message}\n`);
      return 1;
    }
    io.stderr(`warden approvals: ${(err as Error).message}\n`);
    return 1;
  }
}

function oneId(p: string[]): string {
  if (p.length !== 1 || !/^[A-Za-z0-9_-]{1,64}$/.test(p[0]!)) throw new UsageError('expected one approval ID');
  return p[0]!;
}

function makeClient(base: string, token: string | undefined, f: typeof fetch) {
  if (!token) throw new UsageError('an approver token is needed: --token or WARDEN_ADMIN_TOKEN');
  let root: URL;
  try {
    root = new URL(base);
  } catch {
    throw new UsageError(`--url is not a URL: ${base}`);
  }
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    let res: Response;
    try {
      res = await f(new URL(path, root), {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new Error(`cannot reach ${root.origin}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`);
    }
    const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    if (!res.ok) throw new ApiError(body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? res.statusText, res.status);
    return body as T;
  };
  return {
    list: async (status?: string) =>
      (await call<{ approvals: Approval[] }>(`/admin/approvals?limit=200${status ? `&status=${encodeURIComponent(status)}` : ''}`)).approvals,
    get: async (id: string) => (await call<{ approval: Approval }>(`/admin/approvals/${id}`)).approval,
    decide: (id: string, action: 'approve' | 'deny', body: Record<string, string>) =>
      call<{ approval: Approval; released: boolean }>(`/admin/approvals/${id}/${action}`, { method: 'POST', body: JSON.stringify(body) }),
  };
}

const pad = (s: string, n: number): string => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));

function line(a: Approval): string {
  return `${pad(a.id, 26)} ${pad(a.status, 9)} ${pad(a.createdAt.slice(0, 19), 19)} ${pad(a.agent, 16)} ${pad(`${a.server}/${a.tool}`, 28)} ${a.rule}`;
}

function table(list: Approval[]): string {
  if (!list.length) return 'no approval requests\n';
  const head = `${pad('ID', 26)} ${pad('STATUS', 9)} ${pad('CREATED', 19)} ${pad('AGENT', 16)} ${pad('CALL', 28)} RULE`;
  return [head, ...list.map(line)].join('\n') + '\n';
}

function details(a: Approval): string {
  const rows: [string, string][] = [
    ['id', a.id], ['status', a.status], ['agent', a.agent], ['session', a.session], ['call', `${a.server}/${a.tool}`],
    ['rule', a.rule], ['why', a.reason], ['created', a.createdAt], ['expires', a.expiresAt],
  ];
  if (a.decidedBy) rows.push(['decided by', `${a.decidedBy} at ${a.decidedAt ?? '?'} (scope ${a.scope ?? 'call'})`]);
  if (a.decisionReason) rows.push(['decision reason', a.decisionReason]);
  const out = rows.map(([k, v]) => `${pad(k, 16)} ${v}`);
  out.push('arguments (redacted):', JSON.stringify(a.args, null, 2));
  out.push('armed by:', JSON.stringify(a.armedBy ?? [], null, 2));
  return out.join('\n') + '\n';
}

/** Polls the list and prints each request when it appears or its status changes. */
async function watch(client: ReturnType<typeof makeClient>, status: string | undefined, io: ApprovalsIo, json: boolean): Promise<number> {
  const signal = io.signal ?? sigint();
  const seen = new Map<string, string>();
  if (!json) io.stdout(`watching ${status ?? 'all'} approval requests (Ctrl-C to stop)\n`);
  while (!signal.aborted) {
    // With a status filter a request leaves the list when decided: ask for everything, filter here.
    const list = await client.list(undefined);
    for (const a of [...list].reverse()) {
      const prev = seen.get(a.id);
      if (prev === a.status) continue;
      seen.set(a.id, a.status);
      const relevant = status === undefined || a.status === status || prev !== undefined;
      if (!relevant) continue;
      io.stdout(json ? JSON.stringify(a) + '\n' : line(a) + '\n');
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, io.pollMs ?? 2000);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
  return 0;
}

function sigint(): AbortSignal {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  return ac.signal;
}
