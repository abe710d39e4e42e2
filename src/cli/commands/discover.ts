/**
 * `warden discover [--json] [--fix] [--home DIR] [--cwd DIR] [--gateway URL]...`: finds MCP
 * servers configured in this machine's clients that do not go through Warden (issue 8).
 * Warden's gateway URL and upstreams come from the config (`server.host/port`, `servers:`).
 * `--fix` routes the shadow servers Warden already serves through `warden stdio --config <file>`
 * (see src/discovery/fix.ts for the choice), after a `.bak-<epoch ms>` backup of each file.
 * Exit 0 when nothing bypasses Warden, 1 when shadow servers are found, 2 on usage errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { applyFix, discover, planFix, upstreamSnippet, type KnownServers, type Platform } from '../../discovery/index.ts';

export interface DiscoverIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
  /** Injected for tests. */
  now?: () => number;
}

const USAGE = 'usage: warden discover [--config FILE] [--json] [--fix] [--home DIR] [--cwd DIR] [--platform linux|darwin|win32] [--gateway URL]...';

/** Gateway URLs and upstreams from a Warden config file (read as YAML; secrets are not resolved). */
export function knownFromConfig(configPath: string | undefined, extraGateways: readonly string[]): KnownServers {
  const gatewayUrls = [...extraGateways];
  const upstreams: Record<string, { command?: string[]; url?: string }> = {};
  if (configPath && existsSync(configPath)) {
    const raw = parseYaml(readFileSync(configPath, 'utf8')) as { server?: { host?: unknown; port?: unknown }; servers?: Record<string, { command?: unknown; url?: unknown }> } | null;
    const host = typeof raw?.server?.host === 'string' ? raw.server.host : '127.0.0.1';
    const port = typeof raw?.server?.port === 'number' ? raw.server.port : 8788;
    const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    gatewayUrls.push(`http://${h}:${port}/mcp`);
    for (const [name, s] of Object.entries(raw?.servers ?? {})) {
      if (Array.isArray(s?.command) && s.command.every((x) => typeof x === 'string')) upstreams[name] = { command: s.command as string[] };
      else if (typeof s?.url === 'string') upstreams[name] = { url: s.url };
    }
  }
  return { gatewayUrls, upstreams };
}

export async function run(argv: string[], io: DiscoverIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true,
      options: {
        config: { type: 'string', short: 'c' }, json: { type: 'boolean', default: false }, fix: { type: 'boolean', default: false },
        home: { type: 'string' }, cwd: { type: 'string' }, platform: { type: 'string' }, gateway: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) return (io.stdout(USAGE), 0);
  const platform = (values.platform ?? process.platform) as Platform;
  if (!['linux', 'darwin', 'win32'].includes(platform)) {
    io.stderr(`--platform must be linux, darwin or win32\n${USAGE}`);
    return 2;
  }
  const configPath = values.config ?? io.configPath;
  if (values.fix && !configPath) {
    io.stderr('--fix needs --config FILE: the rewritten entries run `warden stdio --config FILE`');
    return 2;
  }
  try {
    const knownServers = knownFromConfig(configPath, values.gateway ?? []);
    const res = discover({ home: values.home ?? homedir(), platform, cwd: values.cwd ?? process.cwd(), env: process.env, knownServers });
    const plan = values.fix
      ? planFix(res.shadow, { wardenCommand: ['warden', 'stdio', '--config', resolve(configPath!)], now: io.now ?? Date.now })
      : undefined;
    if (plan) applyFix(plan);
    if (values.json) {
      io.stdout(JSON.stringify({ ...res, ...(plan ? { fixed: plan.fixes.map(({ content: _c, ...f }) => f), skipped: plan.skipped } : {}) }, null, 2));
    } else {
      if (!res.shadow.length) io.stdout('No MCP servers bypass Warden.');
      for (const s of res.shadow) {
        const target = s.command !== undefined ? [s.command, ...(s.args ?? [])].join(' ') : s.url;
        io.stdout(`SHADOW  ${s.client}  ${s.name}${s.project ? ` (project ${s.project})` : ''}${s.disabled ? ' [disabled]' : ''}\n        ${s.transport}: ${target}\n        ${s.file}\n        ${s.knownUpstream ? `Warden serves this as "${s.knownUpstream}"` : 'unknown to Warden'}`);
      }
      if (res.routed.length) io.stdout(`\n${res.routed.length} server(s) already go through Warden: ${res.routed.map((s) => `${s.client}/${s.name}`).join(', ')}`);
      for (const p of res.problems) io.stdout(`PROBLEM ${p.client}  ${p.file}: ${p.message}`);
      if (plan) {
        for (const f of plan.fixes) io.stdout(`FIXED   ${f.file}: removed ${f.removed.join(', ')}; ${f.added ? `added "${f.added}"` : 'kept existing warden entry'}; backup ${f.backup}`);
        for (const s of plan.skipped) io.stdout(`SKIPPED ${s.file}: ${s.reason} (${s.servers.join(', ')})`);
        if (plan.unregistered.length) io.stdout(`\nRegister these in ${configPath} and run --fix again:\n${upstreamSnippet(plan.unregistered)}`);
      } else if (res.shadow.length) {
        io.stdout(`\n${res.shadow.length} shadow server(s). Register unknown ones in Warden's config, then \`warden discover --fix --config FILE\`.`);
      }
    }
    const remaining = res.shadow.length - (plan?.fixes.reduce((n, f) => n + f.removed.length, 0) ?? 0);
    return remaining > 0 ? 1 : 0;
  } catch (err) {
    io.stderr(`warden discover: ${(err as Error).message}`);
    return 2;
  }
}
