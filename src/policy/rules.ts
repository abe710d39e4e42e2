/**
 * Rules compiled once per config: globs to regexes, `when` to CEL programs. Independent of the
 * catalog, so a catalog change reuses them ({@link Policy.withCatalog}).
 */
import { compileGlobs, type GlobSet } from './glob.ts';
import { compileCondition, type Condition } from './conditions.ts';
import type { PolicyConfig, RuleConfig } from './config.ts';
import type { Kind } from './types.ts';

export interface CompiledRule {
  /** Name shown in errors and explain: the rule's `id`, else its key path. */
  readonly id: string;
  readonly path: string;
  readonly role: string;
  readonly effect: 'allow' | 'deny';
  readonly server: GlobSet;
  readonly names: Readonly<Record<Kind, GlobSet>>;
  readonly when: Condition | undefined;
}

export interface CompiledRole {
  readonly name: string;
  readonly allow: readonly CompiledRule[];
  readonly deny: readonly CompiledRule[];
}

/** Per target, merged over a role set: what could allow it and what could deny it. */
export interface Gate {
  /** An allow rule without a condition matched. */
  readonly allowAlways: readonly CompiledRule[];
  /** Allow rules with conditions that matched; one must hold. */
  readonly allowIf: readonly CompiledRule[];
  /** Deny rules without a condition: the target is hidden. */
  readonly denyAlways: readonly CompiledRule[];
  /** Deny rules with conditions: the call is denied when one holds or errors. */
  readonly denyIf: readonly CompiledRule[];
}

function compileRule(r: RuleConfig, role: string, effect: 'allow' | 'deny', i: number, problems: string[]): CompiledRule {
  const path = `roles.${role}.${effect}[${i}]`;
  let when: Condition | undefined;
  if (r.when !== undefined) {
    try {
      when = compileCondition(r.when);
    } catch (err) {
      problems.push(`${path}.when: ${(err as Error).message}`);
    }
  }
  return Object.freeze({
    id: r.id ?? path,
    path,
    role,
    effect,
    server: compileGlobs([r.server]),
    names: Object.freeze({ tool: compileGlobs(r.tools), resource: compileGlobs(r.resources), prompt: compileGlobs(r.prompts) }),
    when,
  });
}

/** Compiles every role; pushes a problem (naming the key path) for each bad condition. */
export function compileRoles(config: PolicyConfig, problems: string[]): Map<string, CompiledRole> {
  const out = new Map<string, CompiledRole>();
  const ids = new Map<string, string>();
  for (const [name, role] of Object.entries(config.roles)) {
    const allow = role.allow.map((r, i) => compileRule(r, name, 'allow', i, problems));
    const deny = role.deny.map((r, i) => compileRule(r, name, 'deny', i, problems));
    for (const r of [...allow, ...deny]) {
      const prev = ids.get(r.id);
      if (prev && prev !== r.path) problems.push(`${r.path}.id: '${r.id}' is also the id of ${prev}`);
      ids.set(r.id, r.path);
    }
    out.set(name, Object.freeze({ name, allow, deny }));
  }
  return out;
}

export function ruleMatches(rule: CompiledRule, kind: Kind, server: string, name: string): boolean {
  return rule.server.test(server) && rule.names[kind].test(name);
}

const EMPTY: readonly CompiledRule[] = Object.freeze([]);

/**
 * THE decision table entry for one target under a role set. Both "may see" (view) and "may
 * call" (decideCall) read this and nothing else, so they cannot disagree.
 */
export function gateFor(roles: readonly CompiledRole[], kind: Kind, server: string, name: string): Gate {
  let allowAlways: CompiledRule[] | undefined;
  let allowIf: CompiledRule[] | undefined;
  let denyAlways: CompiledRule[] | undefined;
  let denyIf: CompiledRule[] | undefined;
  for (const role of roles) {
    for (const r of role.allow) {
      if (!ruleMatches(r, kind, server, name)) continue;
      if (r.when) (allowIf ??= []).push(r);
      else (allowAlways ??= []).push(r);
    }
    for (const r of role.deny) {
      if (!ruleMatches(r, kind, server, name)) continue;
      if (r.when) (denyIf ??= []).push(r);
      else (denyAlways ??= []).push(r);
    }
  }
  return {
    allowAlways: allowAlways ?? EMPTY,
    allowIf: allowIf ?? EMPTY,
    denyAlways: denyAlways ?? EMPTY,
    denyIf: denyIf ?? EMPTY,
  };
}

/** Visible = not denied outright, and some allow rule names it (or default-allow). */
export function isVisible(g: Gate, defaultDeny: boolean): boolean {
  if (g.denyAlways.length > 0) return false;
  return !defaultDeny || g.allowAlways.length > 0 || g.allowIf.length > 0;
}
