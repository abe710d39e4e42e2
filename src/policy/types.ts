/**
 * Public types of the policy module. The catalog types are structural so the registry's own
 * catalog entries (issue 1) can be passed as they are.
 */
import type { AgentIdentity } from '../pipeline/types.ts';

/** A tool as the registry lists it (only these fields are read). */
export interface CatalogTool {
  /** Upstream key in `config.servers`. */
  readonly server: string;
  /** Name on the upstream. */
  readonly name: string;
  /** Namespaced name agents see. */
  readonly exposed: string;
  readonly definition?: unknown;
}

/** A concrete resource an upstream listed. */
export interface CatalogResource {
  readonly server: string;
  /** URI on the upstream. */
  readonly uri: string;
  /** URI agents see. */
  readonly exposed: string;
}

/** A prompt as the registry lists it. */
export interface CatalogPrompt {
  readonly server: string;
  readonly name: string;
  readonly exposed: string;
}

/** Everything an agent could possibly see. A bare tool array is accepted too. */
export interface Catalog {
  readonly tools: readonly CatalogTool[];
  readonly resources?: readonly CatalogResource[];
  readonly prompts?: readonly CatalogPrompt[];
}

export type Kind = 'tool' | 'resource' | 'prompt';

/** What one agent (role set) sees on one virtual server. Precomputed and cached. */
export interface AgentView {
  readonly virtualServer: string;
  /** Visible exposed tool names, in catalog order. */
  readonly tools: readonly string[];
  /** Visible catalog resources (exposed URIs), in catalog order. */
  readonly resources: readonly string[];
  /** Visible exposed prompt names, in catalog order. */
  readonly prompts: readonly string[];
  /** O(1): is this exposed tool name visible? */
  has(exposed: string): boolean;
  hasPrompt(exposed: string): boolean;
  /** Any resource URI of a server, listed or not (templates): same rules as listing. Memoised. */
  hasResource(server: string, uri: string): boolean;
}

/** The outcome of {@link Policy.decideCall}. */
export type Decision =
  | { readonly allow: true; readonly tool: CatalogTool; /** Rules that granted the call. */ readonly rules: readonly string[] }
  | {
      readonly allow: false;
      /** UNKNOWN for hidden and nonexistent alike; ARGUMENTS_DENIED only for visible tools; FORBIDDEN for a virtual server the agent is not bound to. */
      readonly code: 'WARDEN_UNKNOWN_TOOL' | 'WARDEN_ARGUMENTS_DENIED' | 'WARDEN_FORBIDDEN';
      /** The rule that denied (ARGUMENTS_DENIED names it; safe to show the agent). */
      readonly rule?: string;
      /** For logs and explain only. */
      readonly reason: string;
    };

/** One line of an explanation: a check made and what it found. */
export interface ExplainStep {
  readonly check: string;
  readonly outcome: 'pass' | 'fail' | 'match' | 'no-match' | 'error' | 'allow' | 'deny';
  readonly rule?: string;
  readonly detail: string;
}

/** A compiled policy. Immutable: hot reload compiles a new one and swaps the reference. */
export interface Policy {
  /** What `agent` may see on `virtualServer`. Cached per (sorted known roles, virtual server). */
  view(agent: AgentIdentity, virtualServer: string): AgentView;
  /** May `agent` call `exposedName` with `args` on `virtualServer`? Never throws. */
  decideCall(agent: AgentIdentity, virtualServer: string, exposedName: string, args: unknown): Decision;
  /** Every check `decideCall` makes, in order, with the rules involved. */
  explain(agent: AgentIdentity, virtualServer: string, exposedName: string, args: unknown): ExplainStep[];
  /** Is there such an endpoint (`default` always exists)? */
  hasVirtualServer(name: string): boolean;
  /** May this agent connect to this virtual server at all? (false → WARDEN_FORBIDDEN at the edge) */
  allowsEndpoint(agent: AgentIdentity, virtualServer: string): boolean;
  /** Roles config gives an agent id (undefined for an agent not in config). For the authenticator. */
  rolesFor(agentId: string): readonly string[] | undefined;
  /** Agent ids in config. */
  readonly agentIds: readonly string[];
  readonly virtualServers: readonly string[];
  /** Same rules, new catalog (reuses the compiled conditions). Call when upstream tools change. */
  withCatalog(catalog: readonly CatalogTool[] | Catalog): Policy;
  /** Load warnings: roles no agent uses, rules that match no tool, unknown roles, ... */
  readonly warnings: readonly string[];
}
