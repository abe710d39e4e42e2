/**
 * `warden agents [--tools FILE.json] [--json]`: each agent in config, its roles, and the tools it
 * can see on each virtual server it may use (the same precomputed views `tools/list` serves).
 */
import { parseArgs } from 'node:util';
import type { CatalogTool } from '../../policy/index.ts';
import { policyForCli } from '../../policy/sections.ts';
import type { CliIo } from './token.ts';

const USAGE = 'usage: warden agents [--tools FILE.json] [--json]\n';

export async function run(argv: string[], io: CliIo): Promise<number> {
  return agentsCommand(argv, io);
}

/** `catalog`: the live catalog when the caller has one; else `--tools FILE.json` is required. */
export async function agentsCommand(argv: string[], io: CliIo, catalog?: readonly CatalogTool[]): Promise<number> {
  let v: { tools?: string; json?: boolean; help?: boolean };
  try {
    v = parseArgs({ args: argv, options: { tools: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const policy = policyForCli(io.configPath, catalog, v.tools);
    const out = policy.agentIds.map((id) => {
      const agent = { id, roles: policy.rolesFor(id) ?? [], via: 'local' as const, scopes: [] };
      const endpoints = policy.virtualServers.filter((vs) => policy.allowsEndpoint(agent, vs)).map((vs) => ({ virtualServer: vs, tools: policy.view(agent, vs).tools }));
      return { agent: id, roles: agent.roles, endpoints };
    });
    if (v.json) io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    else {
      for (const a of out) {
        io.stdout(`${a.agent}  roles: [${a.roles.join(', ')}]\n`);
        for (const e of a.endpoints) io.stdout(`  ${e.virtualServer === 'default' ? '/mcp' : `/mcp/${e.virtualServer}`}: ${e.tools.length ? e.tools.join(', ') : '(no tools)'}\n`);
      }
      for (const w of policy.warnings) io.stderr(`warning: ${w}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 2;
  }
}
