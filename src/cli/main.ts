/**
 * The `warden` command: `start`, `check`, `stdio`, and the subcommands other folders add
 * under src/cli/commands/. Returns the exit code; never calls process.exit itself except on signals.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/index.ts';
import { loadWithOverrides, startWarden } from '../app.ts';
import { runStdio } from '../transport/stdio.ts';
import { createLogger } from '../telemetry/log.ts';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
}

const defaultIo: Io = { stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`), stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`) };

type Command = (argv: string[], io: Io) => Promise<number>;

/** Subcommands implemented in src/cli/commands/<name>.ts, loaded only when used. */
const EXTERNAL: Record<string, { module: string; help: string }> = {
  audit: { module: './commands/audit.ts', help: 'verify | tail [--follow] | query | export --format jsonl|csv | session ID | checkpoint' },
  servers: { module: './commands/servers.ts', help: 'list | pin | approve SERVER [TOOL]   tool pins and quarantine' },
  scan: { module: './commands/scan.ts', help: '[--json]   tool-poisoning scan of the servers’ tool definitions' },
  discover: { module: './commands/discover.ts', help: '[--json] [--fix]   find MCP servers configured on this machine outside Warden' },
  report: { module: './commands/report.ts', help: 'grants [--days 30]   tools granted and never (or rarely) used' },
  approvals: { module: './commands/approvals.ts', help: 'list [--watch] | show ID | approve ID | deny ID [--reason R] [--scope call|session]' },
  token: { module: './commands/token.ts', help: 'issue --agent ID [--ttl 1h]   a token signed with the local key' },
  keys: { module: './commands/keys.ts', help: 'create --agent ID | revoke ID | list   API keys (stored hashed, shown once)' },
  explain: { module: './commands/explain.ts', help: '--agent ID --tool SERVER__TOOL [--args JSON]   the decision and every rule behind it' },
  agents: { module: './commands/agents.ts', help: 'each agent’s visible tools' },
  'explain-session': { module: './commands/explain-session.ts', help: '--session KEY | SESSION.json   replay a session against the flow rules' },
};

const USAGE = `usage: warden <command> [options]

commands:
  start  --config FILE [--port N] [--host H]   run the gateway over HTTP
  stdio  --config FILE                         serve the same aggregate over stdio
  check  --config FILE                         validate config, print warnings (exit 1 on errors)
${Object.entries(EXTERNAL).map(([c, e]) => `  ${c.padEnd(6)} ${e.help}`).join('\n')}`;

const configOpt = { config: { type: 'string', short: 'c' } } as const;

const check: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, options: configOpt, strict: true });
  if (!values.config) return usage(io);
  try {
    const loaded = loadWithOverrides(values.config, {});
    for (const w of loaded.warnings) io.stdout(`warning: ${w}`);
    io.stdout(`ok: ${values.config} (${Object.keys(loaded.config.servers).length} servers)`);
    return 0;
  } catch (err) {
    io.stderr(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    return 1;
  }
};

const start: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, options: { ...configOpt, port: { type: 'string', short: 'p' }, host: { type: 'string' } }, strict: true });
  if (!values.config) return usage(io);
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    io.stderr(`error: --port must be an integer 0-65535`);
    return 2;
  }
  let running;
  try {
    running = await startWarden({ configPath: values.config, ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}) });
  } catch (err) {
    io.stderr(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    return 1;
  }
  io.stderr(`Warden listening on ${running.url}`);
  process.on('SIGHUP', () => void running.reload());
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void running.stop().finally(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
};

const stdio: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, options: configOpt, strict: true });
  if (!values.config) return usage(io);
  try {
    const loaded = loadWithOverrides(values.config, {});
    // stdout carries MCP; logs go to stderr.
    await runStdio(loaded, createLogger(loaded.config.logging.level, process.stderr));
    return 0;
  } catch (err) {
    io.stderr(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    return 1;
  }
};

const BUILTIN: Record<string, Command> = { start, check, stdio };

function usage(io: Io): number {
  io.stderr(USAGE);
  return 2;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd) return usage(io);
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const builtin = BUILTIN[cmd];
    if (builtin) return await builtin(rest, io);
    const ext = EXTERNAL[cmd];
    if (ext) {
      const { run } = (await import(ext.module)) as { run: Command };
      // `--config FILE` is common to every command: it is taken here and passed as io.configPath.
      const cfgIdx = rest.findIndex((a) => a === '--config' || a === '-c');
      const configPath = cfgIdx >= 0 ? rest[cfgIdx + 1] : undefined;
      const args = cfgIdx >= 0 ? [...rest.slice(0, cfgIdx), ...rest.slice(cfgIdx + 2)] : rest;
      return await run(args, { ...io, ...(configPath ? { configPath } : {}) });
    }
    io.stderr(`unknown command: ${cmd}`);
    return usage(io);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`error: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
}
