/**
 * The pipeline contract: the typed context every stage reads and writes, and the verdicts
 * stages return. The core knows no transport: HTTP, stdio and both protocol eras are adapters
 * that build a {@link CallContext} and hand it to {@link Pipeline.run}.
 *
 * See docs/architecture.md for the order of stages and what each decides.
 */
import type { WardenError } from '../errors/index.ts';

/** Who is calling. Set by the edge (authentication) before the pipeline runs. */
export interface AgentIdentity {
  /** Stable agent id (`sub` of a JWT, the API key's agent, or `anonymous` in local mode). */
  readonly id: string;
  /** Roles resolved from config or a token claim. */
  readonly roles: readonly string[];
  /** How the identity was established. */
  readonly via: 'local' | 'jwt' | 'api_key' | 'oauth';
  /** OAuth/JWT scopes, when the credential carries them. */
  readonly scopes: readonly string[];
}

/** Which conversation a call belongs to; flow state is keyed by `key`. */
export interface SessionRef {
  /** Flow-state key: the MCP session id (2025 era), a conversation id, or an agent+window key (2026 era). */
  readonly key: string;
  /** The MCP session id when the client has one. */
  readonly mcpSessionId: string | undefined;
  readonly era: 'legacy' | 'modern';
}

/** What a call is aimed at, resolved by the route stage from the namespaced name. */
export interface CallTarget {
  readonly kind: 'tool' | 'resource' | 'prompt';
  /** Upstream server name from config. */
  readonly server: string;
  /** The name (or URI) on the upstream. */
  readonly name: string;
  /** The name (or URI) the agent used. */
  readonly exposed: string;
  /** Labels from config and annotations (issue 5 fills these). */
  readonly labels: ReadonlySet<string>;
}

/** A rule that fired somewhere in the pipeline, for errors, explain and the audit record. */
export interface RuleHit {
  readonly stage: string;
  readonly rule: string;
  readonly action: string;
  readonly detail?: string;
}

/**
 * The state of one request as it crosses the pipeline. Stages share it; the audit writer reads it.
 * Fields marked mutable are changed only through `modify` verdicts, applied by the chain.
 */
export interface CallContext {
  readonly requestId: string | number;
  readonly method: string;
  readonly agent: AgentIdentity;
  readonly session: SessionRef;
  /** The virtual server (endpoint) the agent connected to; `default` for `/mcp`. */
  readonly virtualServer: string;
  /** W3C trace id (32 hex chars). */
  readonly traceId: string;
  /** Aborted when the agent cancels or disconnects. */
  readonly signal: AbortSignal;
  /** `performance.now()` at receive. */
  readonly startedAt: number;
  /** Request params (mutable through `modify`). */
  params: Record<string, unknown>;
  /** Set by the route stage for tools/call, resources/read, prompts/get. */
  target: CallTarget | undefined;
  /** Set by forward; response stages may replace it through `modify`. */
  result: Record<string, unknown> | undefined;
  /** Error the call ended with, if any. */
  error: WardenError | undefined;
  /** Rules that fired, in order. */
  readonly hits: RuleHit[];
  /** Microseconds spent per stage (request and response legs summed). */
  readonly timings: Record<string, number>;
  /** Free-form per-stage state for later stages (typed by the stage that writes it). */
  readonly state: Map<string, unknown>;
  /** Sends a progress notification to the agent if it asked for progress (keeps held calls alive). */
  readonly progress: (progress: number, message?: string) => void;
}

/** A stage's decision. Stages return verdicts; a thrown exception is a bug and fails closed. */
export type Verdict =
  | { readonly kind: 'continue' }
  | {
      readonly kind: 'modify';
      readonly params?: Record<string, unknown>;
      readonly result?: Record<string, unknown>;
    }
  | { readonly kind: 'deny'; readonly error: WardenError; readonly rule?: string }
  | {
      readonly kind: 'hold';
      readonly rule: string;
      readonly reason: string;
      /**
       * What the stage would have changed had it not held (a redaction, spotlighting): applied
       * once the hold is approved, so an approval never releases more than the stage allowed.
       */
      readonly then?: { readonly params?: Record<string, unknown>; readonly result?: Record<string, unknown> };
    };

/**
 * The judgement of a message an upstream sends the agent during a call (a log line, progress, a
 * sampling or elicitation request), or of the client's answer to such a request: relay `params`
 * (the message's params or the answer's result, possibly redacted), or withhold it.
 */
export type RelayVerdict =
  | { readonly kind: 'pass'; readonly params: Record<string, unknown> }
  | { readonly kind: 'refuse'; readonly error: WardenError };

export const CONTINUE: Verdict = Object.freeze({ kind: 'continue' });

/** Sync where possible: a stage that never waits returns a plain verdict, not a promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * One stage of the pipeline. `request` runs in order on the way in; `response` in reverse order
 * on the way out (only for calls that reached the upstream). A stage exports one factory,
 * `createXStage(config)`, that builds everything it can once at load.
 */
export interface Stage {
  readonly name: string;
  /** Methods this stage cares about; absent = every method the pipeline runs. */
  readonly methods?: ReadonlySet<string>;
  request?(ctx: CallContext): MaybePromise<Verdict>;
  response?(ctx: CallContext): MaybePromise<Verdict>;
}

/** Decides what happens to a held call (issue 6 supplies the real one). */
export type HoldHandler = (ctx: CallContext, hold: { rule: string; reason: string }) => Promise<Verdict>;

/** Calls the upstream. The terminal stage; returns the upstream's result or a verdict-style error. */
export type Forward = (ctx: CallContext) => Promise<Record<string, unknown>>;

/** Observes every finished call on every path (the audit writer and metrics). */
export type Observer = (ctx: CallContext, outcome: Outcome) => void | Promise<void>;

export type Outcome = 'allowed' | 'denied' | 'held' | 'approved' | 'failed' | 'cancelled';
