/**
 * `explain`: the checks `decideCall` makes, spelled out for an operator (`warden explain`).
 * Unlike the decision itself, this DOES say whether a tool is hidden or nonexistent: it is for
 * the people who write the policy, never sent to agents.
 */
import type { AgentIdentity } from '../pipeline/types.ts';
import type { ConditionInput } from './conditions.ts';
import type { CompiledRules } from './policy.ts';
import { gateFor, type CompiledRule } from './rules.ts';
import type { Catalog, CatalogTool, Decision, ExplainStep } from './types.ts';

export interface ExplainInput {
  readonly agent: AgentIdentity;
  readonly vs: string;
  readonly exposed: string;
  readonly args: unknown;
  readonly rules: CompiledRules;
  readonly catalog: Catalog;
  readonly allowsEndpoint: boolean;
  readonly knownRoles: readonly string[];
  readonly decision: Decision;
  readonly input: (t: CatalogTool) => ConditionInput;
}

export function explainCall(x: ExplainInput): ExplainStep[] {
  const steps: ExplainStep[] = [];
  const unknown = x.agent.roles.filter((r) => !x.rules.roles.has(r));
  steps.push({
    check: 'identity',
    outcome: x.knownRoles.length ? 'pass' : 'fail',
    detail: `agent '${x.agent.id}' via ${x.agent.via}; roles [${x.knownRoles.join(', ')}]${unknown.length ? `; undefined roles ignored [${unknown.join(', ')}]` : ''}`,
  });
  const vs = x.rules.virtualServers.get(x.vs);
  steps.push({
    check: 'endpoint',
    outcome: x.allowsEndpoint ? 'pass' : 'fail',
    detail: !vs ? `virtual server '${x.vs}' is not defined` : x.allowsEndpoint ? `virtual server '${x.vs}' is open to this agent` : `agent is bound to [${x.rules.config.agents[x.agent.id]?.virtualServers?.join(', ')}]`,
  });
  const tool = x.catalog.tools.find((t) => t.exposed === x.exposed);
  steps.push({
    check: 'catalog',
    outcome: tool ? 'match' : 'no-match',
    detail: tool ? `'${x.exposed}' is tool '${tool.name}' on server '${tool.server}'` : `no upstream lists a tool exposed as '${x.exposed}'`,
  });
  if (tool && vs) {
    const inVs = vs.tool(tool.server, tool.name, tool.exposed);
    steps.push({ check: 'virtual server', outcome: inVs ? 'pass' : 'fail', detail: inVs ? `'${x.vs}' exposes it` : `'${x.vs}' does not expose it` });
    const roleList = x.knownRoles.map((r) => x.rules.roles.get(r)!);
    const gate = gateFor(roleList, 'tool', tool.server, tool.name);
    const all = [...gate.denyAlways, ...gate.denyIf, ...gate.allowAlways, ...gate.allowIf];
    if (all.length === 0) {
      steps.push({ check: 'grants', outcome: 'no-match', detail: `no rule of roles [${x.knownRoles.join(', ')}] names this tool${x.rules.config.defaultDeny ? ' (default deny)' : ' (default allow)'}` });
    }
    const input = x.input(tool);
    const describe = (r: CompiledRule): string => `${r.effect} ${r.path}: server '${r.server.globs[0]}' tools [${r.names.tool.globs.join(', ')}]${r.when ? ` when ${r.when.source}` : ''}`;
    for (const r of all) {
      steps.push({ check: `${r.effect} rule`, outcome: 'match', rule: r.id, detail: describe(r) });
      if (r.when) {
        const res = r.when.evaluate(input);
        steps.push({
          check: 'condition',
          outcome: 'error' in res ? 'error' : res.value ? 'pass' : 'fail',
          rule: r.id,
          detail: 'error' in res ? `cannot evaluate: ${res.error} (fails closed)` : `evaluated to ${res.value}`,
        });
      }
    }
  }
  const d = x.decision;
  steps.push(
    d.allow
      ? { check: 'decision', outcome: 'allow', detail: `allowed by [${d.rules.join(', ')}]` }
      : { check: 'decision', outcome: 'deny', ...(d.rule ? { rule: d.rule } : {}), detail: `${d.code}: ${d.reason}` },
  );
  return steps;
}
