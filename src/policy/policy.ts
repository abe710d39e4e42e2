/**
 * compilePolicy: agents, roles and grants compiled once at load into decision tables.
 *
 * - Rules (globs, CEL conditions) are compiled once per config ({@link compileRoles}).
 * - A view — what a role set sees on a virtual server — is computed on first use and cached per
 *   (sorted known roles, virtual server); `tools/list` is then a cached array and `decideCall` a
 *   map lookup plus, only for conditional grants, the CEL programs.
 * - "May see" and "may call" read the same {@link Gate}: a hidden tool and a nonexistent one both
 *   give WARDEN_UNKNOWN_TOOL, with the same reason text, so not even logs shipped to the agent
 *   could tell them apart. `explain` is where the difference is shown, to operators.
 *
 * Hot reload: compile a new Policy from the new config and swap the reference the pipeline reads
 * (`let policy = compilePolicy(...)`; on reload `policy = compilePolicy(next, catalog)`). Calls
 * already past authorization keep the decision they got; new calls see the new grants; sessions
 * are untouched because nothing here is per-session. A catalog change uses `withCatalog`.
 */
import { ConfigError } from '../config/index.ts';
import type { AgentIdentity } from '../pipeline/types.ts';
import type { PolicyConfig } from './config.ts';
import { compileRoles, gateFor, isVisible, ruleMatches, type CompiledRole, type Gate } from './rules.ts';
import { compileVirtualServers, type CompiledVirtualServer } from './virtual.ts';
import type { ConditionInput } from './conditions.ts';
import type { AgentView, Catalog, CatalogTool, Decision, ExplainStep, Policy } from './types.ts';
import { explainCall } from './explain.ts';

export interface CompilePolicyOptions {
  /** Most cached views before the cache is cleared (role sets from token claims are unbounded). */
  readonly maxCachedViews?: number;
}

/** Shared, catalog-independent part of a compiled policy. */
export interface CompiledRules {
  readonly config: PolicyConfig;
  readonly roles: ReadonlyMap<string, CompiledRole>;
  readonly virtualServers: ReadonlyMap<string, CompiledVirtualServer>;
  readonly warnings: readonly string[];
  readonly maxCachedViews: number;
}

interface ViewImpl {
  readonly pub: AgentView;
  readonly tools: ReadonlyMap<string, { readonly tool: CatalogTool; readonly gate: Gate }>;
  readonly roles: readonly CompiledRole[];
}

/** Same text for hidden and nonexistent: see the module comment. */
const UNKNOWN_REASON = 'no visible tool by that name';

/**
 * Compiles `config` against `catalog`. Throws {@link ConfigError} (each problem naming its key
 * path) for a condition that does not compile, an agent bound to an unknown virtual server, or
 * a duplicate rule id.
 */
export function compilePolicy(config: PolicyConfig, catalog: readonly CatalogTool[] | Catalog, opts: CompilePolicyOptions = {}): Policy {
  const problems: string[] = [];
  const warnings: string[] = [];
  const roles = compileRoles(config, problems);
  const virtualServers = compileVirtualServers(config);
  for (const [id, agent] of Object.entries(config.agents)) {
    agent.roles.forEach((r, i) => {
      if (!roles.has(r)) warnings.push(`agents.${id}.roles[${i}]: role '${r}' is not defined; it grants nothing`);
    });
    agent.virtualServers?.forEach((v, i) => {
      if (!virtualServers.has(v)) problems.push(`agents.${id}.virtualServers[${i}]: virtual server '${v}' is not defined`);
    });
  }
  if (!config.defaultDeny) warnings.push('defaultDeny: false allows every tool no deny rule names; keep it true outside demos');
  if (problems.length) throw new ConfigError(problems);
  const rules: CompiledRules = { config, roles, virtualServers, warnings, maxCachedViews: opts.maxCachedViews ?? 4096 };
  return build(rules, catalog);
}

function normalize(catalog: readonly CatalogTool[] | Catalog): Catalog {
  return Array.isArray(catalog) ? { tools: catalog as readonly CatalogTool[] } : (catalog as Catalog);
}

function conditionInput(agent: AgentIdentity, tool: { server: string; name: string }, args: unknown): ConditionInput {
  return {
    args: args === undefined ? {} : args,
    agent: { id: agent.id, roles: [...agent.roles], via: agent.via, scopes: [...agent.scopes] },
    tool: { server: tool.server, name: tool.name },
  };
}

/**
 * Applies a gate to concrete arguments. Deny rules win: a conditional deny that holds OR cannot
 * be evaluated denies before any allow is looked at.
 */
export function decideGate(gate: Gate, input: ConditionInput, defaultDeny: boolean): { allow: true; rules: string[] } | { allow: false; rule: string; reason: string } {
  for (const r of gate.denyIf) {
    const res = r.when!.evaluate(input);
    if ('error' in res) return { allow: false, rule: r.id, reason: `deny rule ${r.id} could not be evaluated (${res.error}); failing closed` };
    if (res.value) return { allow: false, rule: r.id, reason: `deny rule ${r.id} matched` };
  }
  if (gate.allowAlways.length > 0) return { allow: true, rules: gate.allowAlways.map((r) => r.id) };
  if (gate.allowIf.length === 0 && !defaultDeny) return { allow: true, rules: ['defaultDeny: false'] };
  const failed: string[] = [];
  for (const r of gate.allowIf) {
    const res = r.when!.evaluate(input);
    if ('value' in res && res.value) return { allow: true, rules: [r.id] };
    failed.push('error' in res ? `${r.id} (${res.error})` : `${r.id} (false)`);
  }
  return { allow: false, rule: gate.allowIf[0]?.id ?? 'defaultDeny', reason: `no condition held: ${failed.join('; ')}` };
}

function build(rules: CompiledRules, catalogIn: readonly CatalogTool[] | Catalog): Policy {
  const catalog = normalize(catalogIn);
  const { config, roles, virtualServers } = rules;
  const defaultDeny = config.defaultDeny;
  const views = new Map<string, ViewImpl>();
  const warnings = [...rules.warnings];
  const seen = new Set<string>();
  for (const t of catalog.tools) {
    if (seen.has(t.exposed)) warnings.push(`catalog: tool '${t.exposed}' is listed twice; the first one is used`);
    seen.add(t.exposed);
  }
  if (catalog.tools.length > 0) {
    for (const role of roles.values()) {
      for (const r of [...role.allow, ...role.deny]) {
        if (r.names.tool.globs.length && !catalog.tools.some((t) => ruleMatches(r, 'tool', t.server, t.name))) {
          warnings.push(`${r.path}: matches no tool in the current catalog`);
        }
      }
    }
  }

  /** Known roles of the agent, sorted and unique: unknown roles (e.g. from claims) grant nothing and must not split the cache. */
  function knownRoles(agent: AgentIdentity): string[] {
    const out: string[] = [];
    for (const r of agent.roles) if (roles.has(r) && !out.includes(r)) out.push(r);
    return out.length > 1 ? out.sort() : out;
  }

  function allowsEndpoint(agent: AgentIdentity, vs: string): boolean {
    if (!virtualServers.has(vs)) return false;
    const bound = config.agents[agent.id]?.virtualServers;
    return !bound || bound.includes(vs);
  }

  function computeView(roleNames: readonly string[], vsName: string): ViewImpl {
    const vs = virtualServers.get(vsName);
    const roleList = roleNames.map((r) => roles.get(r)!);
    const tools = new Map<string, { tool: CatalogTool; gate: Gate }>();
    const prompts = new Set<string>();
    const resources: string[] = [];
    const resourceMemo = new Map<string, boolean>();
    if (vs) {
      for (const t of catalog.tools) {
        if (tools.has(t.exposed) || !vs.tool(t.server, t.name, t.exposed)) continue;
        const gate = gateFor(roleList, 'tool', t.server, t.name);
        if (isVisible(gate, defaultDeny)) tools.set(t.exposed, { tool: t, gate });
      }
      for (const p of catalog.prompts ?? []) {
        if (vs.prompt(p.exposed) && isVisible(gateFor(roleList, 'prompt', p.server, p.name), defaultDeny)) prompts.add(p.exposed);
      }
    }
    const hasResource = (server: string, uri: string): boolean => {
      if (!vs || !vs.resource(server, uri)) return false;
      const key = `${server}\0${uri}`;
      let v = resourceMemo.get(key);
      if (v === undefined) {
        v = isVisible(gateFor(roleList, 'resource', server, uri), defaultDeny);
        if (resourceMemo.size < 10_000) resourceMemo.set(key, v);
      }
      return v;
    };
    for (const r of catalog.resources ?? []) if (hasResource(r.server, r.uri)) resources.push(r.exposed);
    const toolNames = Object.freeze([...tools.keys()]);
    const pub: AgentView = Object.freeze({
      virtualServer: vsName,
      tools: toolNames,
      resources: Object.freeze(resources),
      prompts: Object.freeze([...prompts]),
      has: (exposed: string) => tools.has(exposed),
      hasPrompt: (exposed: string) => prompts.has(exposed),
      hasResource,
    });
    return { pub, tools, roles: roleList };
  }

  function viewImpl(agent: AgentIdentity, vs: string): ViewImpl {
    const rs = knownRoles(agent);
    // A bound agent on a foreign endpoint sees nothing; keyed separately so it cannot poison the shared entry.
    const key = allowsEndpoint(agent, vs) ? `${vs}\0${rs.join('\0')}` : `\0forbidden`;
    let v = views.get(key);
    if (!v) {
      v = key === '\0forbidden' ? computeView([], '\0none') : computeView(rs, vs);
      if (views.size >= rules.maxCachedViews) views.clear();
      views.set(key, v);
    }
    return v;
  }

  const policy: Policy = {
    view: (agent, vs) => viewImpl(agent, vs).pub,
    decideCall(agent, vs, exposed, args): Decision {
      if (!allowsEndpoint(agent, vs)) return { allow: false, code: 'WARDEN_FORBIDDEN', reason: `agent may not use virtual server '${vs}'` };
      const entry = viewImpl(agent, vs).tools.get(exposed);
      if (!entry) return { allow: false, code: 'WARDEN_UNKNOWN_TOOL', reason: UNKNOWN_REASON };
      const g = entry.gate;
      // Fast path: an unconditional grant and no conditional deny needs no CEL and no allocation.
      if (g.denyIf.length === 0 && g.allowAlways.length > 0) return { allow: true, tool: entry.tool, rules: g.allowAlways.map((r) => r.id) };
      const d = decideGate(g, conditionInput(agent, entry.tool, args), defaultDeny);
      return d.allow
        ? { allow: true, tool: entry.tool, rules: d.rules }
        : { allow: false, code: 'WARDEN_ARGUMENTS_DENIED', rule: d.rule, reason: d.reason };
    },
    explain: (agent, vs, exposed, args): ExplainStep[] =>
      explainCall({
        agent, vs, exposed, args, rules, catalog,
        allowsEndpoint: allowsEndpoint(agent, vs),
        knownRoles: knownRoles(agent),
        decision: policy.decideCall(agent, vs, exposed, args),
        input: (t) => conditionInput(agent, t, args),
      }),
    hasVirtualServer: (name) => virtualServers.has(name),
    allowsEndpoint,
    rolesFor: (id) => config.agents[id]?.roles,
    agentIds: Object.freeze(Object.keys(config.agents)),
    virtualServers: Object.freeze([...virtualServers.keys()]),
    withCatalog: (next) => build(rules, next),
    warnings: Object.freeze(warnings),
  };
  return Object.freeze(policy);
}

