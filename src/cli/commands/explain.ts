/**
 * `warden explain --agent ID --tool SERVER__TOOL [--args JSON] [--virtual-server NAME]
 * [--roles a,b] [--tools FILE.json]`: prints the decision and every rule that led to it.
 *
 * The catalog comes from `--tools FILE.json` or, once the lead wires it, from the live upstreams
 * through the `catalog` argument of {@link explainCommand}.
 */
import { parseArgs } from 'node:util';
import type { CatalogTool } from '../../policy/index.ts';
import type { AgentIdentity } from '../../pipeline/types.ts';
import { policyForCli } from '../../policy/sections.ts';
import type { CliIo } from './token.ts';

const USAGE = 'usage: warden explain --agent ID --tool SERVER__TOOL [--args JSON] [--virtual-server NAME] [--roles a,b] [--tools FILE.json] [--json]\n';

export async function run(argv: string[], io: CliIo): Promise<number> {
  return explainCommand(argv, io);
}

/** `catalog`: the live catalog when the caller has one; else `--tools FILE.json` is required. */
export async function explainCommand(argv: string[], io: CliIo, catalog?: readonly CatalogTool[]): Promise<number> {
  let v: { agent?: string; tool?: string; args?: string; 'virtual-server'?: string; roles?: string; tools?: string; json?: boolean; help?: boolean };
  try {
    v = parseArgs({
      args: argv,
      options: {
        agent: { type: 'string' }, tool: { type: 'string' }, args: { type: 'string' }, 'virtual-server': { type: 'string', default: 'default' },
        roles: { type: 'string' }, tools: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!v.agent || !v.tool) {
    io.stderr(USAGE);
    return 2;
  }
  let args: unknown = {};
  if (v.args !== undefined) {
    try {
      args = JSON.parse(v.args);
    } catch {
      io.stderr('--args: not valid JSON\n');
      return 2;
    }
  }
  try {
    const policy = policyForCli(io.configPath, catalog, v.tools);
    const roles = v.roles !== undefined ? v.roles.split(',').map((r) => r.trim()).filter(Boolean) : [...(policy.rolesFor(v.agent) ?? [])];
    const agent: AgentIdentity = { id: v.agent, roles, via: 'local', scopes: [] };
    const vs = v['virtual-server']!;
    const steps = policy.explain(agent, vs, v.tool, args);
    const decision = policy.decideCall(agent, vs, v.tool, args);
    if (v.json) io.stdout(`${JSON.stringify({ decision, steps }, null, 2)}\n`);
    else {
      for (const st of steps) io.stdout(`${st.outcome.toUpperCase().padEnd(8)} ${st.check.padEnd(14)} ${st.detail}${st.rule && !st.detail.includes(st.rule) ? `  [${st.rule}]` : ''}\n`);
    }
    return decision.allow ? 0 : 1;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 2;
  }
}
