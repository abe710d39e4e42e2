/**
 * The gateway: owns the upstream connections, the aggregate catalog and the pipeline, and
 * answers MCP methods for any transport adapter. Adapters turn wire messages into
 * {@link GatewayRequest}s; nothing here knows about HTTP or stdio.
 */
import { randomBytes } from 'node:crypto';
import type { LoadedConfig, WardenConfig } from '../config/index.ts';
import { WardenError } from '../errors/index.ts';
import { createPipeline, type AgentIdentity, type CallContext, type Forward, type Observer, type Pipeline, type RelayVerdict, type SessionRef, type Stage, type HoldHandler } from '../pipeline/index.ts';
import { buildCatalog, type Catalog } from '../registry/index.ts';
import type { Logger } from '../telemetry/log.ts';
import type { Tool } from '@modelcontextprotocol/server';
import { UpstreamConnection, type UpstreamSnapshot } from '../upstreams/connection.ts';
import type { CallChannel, Peer } from './peers.ts';
import { createRouteStage } from './route-stage.ts';
import { paginate } from './paginate.ts';
import { answerFields } from './answers.ts';

export interface GatewayRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly id: string | number;
  readonly agent: AgentIdentity;
  readonly session: SessionRef;
  readonly virtualServer: string;
  readonly signal: AbortSignal;
  readonly channel: CallChannel;
  readonly peer?: Peer;
}

/** Hooks later stages plug into without touching transports. */
export interface GatewayExtensions {
  /** Stages after `route`, in order (auth'd policy, guardrails, flow, …). */
  readonly stages?: readonly Stage[];
  readonly observers?: readonly Observer[];
  readonly onHold?: HoldHandler;
  /** Static labels of a tool from config and annotations; computed once per catalog build. */
  readonly labelsFor?: (server: string, definition: Tool) => ReadonlySet<string>;
  /** Reviews an upstream's tools on every load (pinning, poisoning scan); only what it returns is served. */
  readonly reviewTools?: (server: string, tools: readonly Tool[]) => readonly Tool[];
  /**
   * Which catalog entries an agent may see (the same function decides calls, via the route stage).
   * `server` and `name` are the upstream and its own name (or URI) for the entry.
   */
  readonly visible?: (agent: AgentIdentity, virtualServer: string, kind: 'tool' | 'prompt' | 'resource', exposed: string, server: string, name: string) => boolean;
  /** Wraps the upstream call (tracing: a CLIENT span around it). */
  readonly wrapForward?: (forward: Forward) => Forward;
  /** W3C `traceparent` to send to HTTP upstreams for this call. */
  readonly traceparent?: (ctx: CallContext) => string;
  /**
   * The agent's (cached) view object: list results are computed once per view and catalog and
   * served from a cache afterwards. Must return the same object while the view is unchanged.
   */
  readonly viewOf?: (agent: AgentIdentity, virtualServer: string) => object;
  /** Told of every new catalog before clients are notified (the policy recomputes its views). */
  readonly onCatalog?: (catalog: Catalog) => void;
  /**
   * Judges what an upstream sends the agent during a call besides its result (log lines, progress
   * messages, sampling and elicitation requests): the output guardrails. Absent: relayed as sent.
   */
  readonly inspectRelay?: (ctx: CallContext, method: string, params: Record<string, unknown>) => Promise<RelayVerdict>;
  /**
   * Judges what the agent's client answers an upstream's request during a call (a sampling or
   * elicitation result, its protocol fields only) before the upstream gets it: the input
   * guardrails, as for the call's arguments. A `pass` carries the answer to send. Absent: sent as answered.
   */
  readonly inspectAnswer?: (ctx: CallContext, method: string, result: Record<string, unknown>) => Promise<RelayVerdict>;
}

/** A call waiting on its upstream: where its upstream's messages go, and in what order. */
interface InFlightCall {
  readonly ctx: CallContext;
  readonly channel: CallChannel;
  /**
   * Messages relayed so far (each judged, then sent, in arrival order), joined by the judgements of
   * the client's answers to the upstream's requests: the call's result waits for all of them.
   */
  relayed: Promise<void>;
  /** How many messages were queued; past MAX_RELAYED_PER_CALL the rest are dropped. */
  queued: number;
}

/**
 * Messages relayed per call at most: each is judged in turn and the result waits for them all,
 * so an upstream flooding log lines must not hold a call, or the gateway's time, without end.
 */
const MAX_RELAYED_PER_CALL = 1000;

export interface UpstreamStatus {
  readonly state: string;
  readonly tools: number;
  readonly era?: string;
  readonly error?: string;
}

const DEFAULT_SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
} as const;

export class Gateway {
  private loaded: LoadedConfig;
  private readonly log: Logger;
  private readonly upstreams = new Map<string, UpstreamConnection>();
  private _catalog: Catalog;
  private catalogVersion = 0;
  private pipeline!: Pipeline;
  private readonly peers = new Set<Peer>();
  /** Calls in flight per upstream, to route server-to-client requests and logs of that upstream. */
  private readonly inflight = new Map<string, Set<InFlightCall>>();
  private extensions: GatewayExtensions;
  private draining = false;
  private active = 0;
  private drained: (() => void) | undefined;
  private catalogListeners = new Set<(c: Catalog) => void>();
  /** List results per agent view, for the current catalog (tools/list from a precomputed view). */
  private listCache = new WeakMap<object, { version: number; lists: Map<string, unknown[]> }>();
  /** Labels per exposed tool name for the current catalog. */
  private toolLabels = new Map<string, ReadonlySet<string>>();

  constructor(loaded: LoadedConfig, opts: { log: Logger; extensions?: GatewayExtensions }) {
    this.loaded = loaded;
    this.log = opts.log;
    this.extensions = opts.extensions ?? {};
    this._catalog = buildCatalog(0, new Map(), this.naming());
    this.buildPipeline();
  }

  get config(): WardenConfig {
    return this.loaded.config;
  }
  get catalog(): Catalog {
    return this._catalog;
  }
  readonly capabilities = DEFAULT_SERVER_CAPABILITIES;

  /** Connects every upstream; resolves when each has made its first attempt. */
  async start(): Promise<void> {
    await Promise.all(Object.entries(this.config.servers).filter(([, s]) => !s.disabled).map(([name, s]) => this.addUpstream(name, s)));
    this.rebuildCatalog();
  }

  /** Applies a new, already validated config without dropping sessions. */
  async reload(next: LoadedConfig, extensions?: GatewayExtensions): Promise<void> {
    this.loaded = next;
    if (extensions) this.extensions = extensions;
    this.buildPipeline();
    const wanted = new Map(Object.entries(next.config.servers).filter(([, s]) => !s.disabled));
    const work: Promise<void>[] = [];
    for (const [name, conn] of this.upstreams) {
      const cfg = wanted.get(name);
      if (!cfg) {
        this.upstreams.delete(name);
        work.push(conn.stop());
      } else work.push(conn.reconfigure(cfg));
    }
    for (const [name, cfg] of wanted) if (!this.upstreams.has(name)) work.push(this.addUpstream(name, cfg));
    await Promise.all(work);
    this.rebuildCatalog();
    // Grants may have changed even where the catalog did not: every agent re-lists.
    for (const p of this.peers) for (const kind of ['tools', 'prompts', 'resources']) p.notify(`notifications/${kind}/list_changed`);
  }

  /** Stops taking new calls, waits up to `graceMs` for in-flight ones, then closes upstreams. */
  async stop(graceMs: number): Promise<void> {
    this.draining = true;
    if (this.active > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, graceMs).unref();
      });
    }
    await Promise.all([...this.upstreams.values()].map((u) => u.stop()));
  }

  status(): Record<string, UpstreamStatus> {
    const out: Record<string, UpstreamStatus> = {};
    for (const [name, u] of this.upstreams) {
      out[name] = { state: u.state, tools: u.snapshot.tools.length, ...(u.era ? { era: u.era } : {}), ...(u.lastError ? { error: u.lastError } : {}) };
    }
    return out;
  }

  /** True while no connected upstream speaks the 2026-07-28 era (its results may need the SDK's legacy shim). */
  allUpstreamsLegacy(): boolean {
    for (const u of this.upstreams.values()) if (u.era === 'modern') return false;
    return true;
  }

  /** Ready when every enabled upstream is connected. */
  ready(): boolean {
    return !this.draining && [...this.upstreams.values()].every((u) => u.state === 'ready');
  }

  addPeer(peer: Peer): () => void {
    this.peers.add(peer);
    return () => this.peers.delete(peer);
  }

  onCatalogChange(fn: (c: Catalog) => void): () => void {
    this.catalogListeners.add(fn);
    return () => this.catalogListeners.delete(fn);
  }

  /** Answers one MCP request. Resolves with the result or rejects with a WardenError. */
  async handle(req: GatewayRequest): Promise<Record<string, unknown>> {
    if (this.draining) throw new WardenError('WARDEN_SHUTTING_DOWN');
    this.active++;
    try {
      return await this.dispatch(req);
    } finally {
      if (--this.active === 0 && this.drained) this.drained();
    }
  }

  private async dispatch(req: GatewayRequest): Promise<Record<string, unknown>> {
    const visible = this.extensions.visible;
    const view = (kind: 'tool' | 'prompt' | 'resource', exposed: string, server: string, name: string) =>
      visible ? visible(req.agent, req.virtualServer, kind, exposed, server, name) : true;
    const c = this._catalog;
    const size = this.config.server.pageSize;
    const cursor = req.params.cursor;
    // Lists are filtered once per (agent view, catalog) and then served from the cache.
    const viewKey = this.extensions.viewOf?.(req.agent, req.virtualServer) ?? this;
    let cached = this.listCache.get(viewKey);
    if (!cached || cached.version !== c.version) this.listCache.set(viewKey, (cached = { version: c.version, lists: new Map() }));
    const lists = cached.lists;
    const list = (key: string, build: () => unknown[]) => {
      let l = lists.get(key);
      if (!l) lists.set(key, (l = build()));
      return paginate(l, key, cursor, size, c.version);
    };
    switch (req.method) {
      case 'tools/list':
        return list('tools', () => c.tools.filter((t) => view('tool', t.exposed, t.server, t.name)).map((t) => t.definition));
      case 'prompts/list':
        return list('prompts', () => c.prompts.filter((p) => view('prompt', p.exposed, p.server, p.name)).map((p) => p.definition));
      case 'resources/list':
        return list('resources', () => c.resources.filter((r) => view('resource', r.exposed, r.server, r.uri)).map((r) => r.definition));
      case 'resources/templates/list':
        return list('resourceTemplates', () => c.templates.filter((t) => view('resource', t.exposed, t.server, t.uriTemplate)).map((t) => t.definition));
      case 'tools/call':
      case 'prompts/get':
      case 'resources/read':
        return this.pipeline.run(this.newContext(req));
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.subscription(req, view);
      case 'completion/complete':
        return this.complete(req, view);
      default:
        throw new WardenError('WARDEN_METHOD_NOT_FOUND', req.method);
    }
  }

  private newContext(req: GatewayRequest): CallContext {
    const meta = req.params._meta as { progressToken?: string | number } | undefined;
    const token = meta?.progressToken;
    return {
      requestId: req.id,
      method: req.method,
      agent: req.agent,
      session: req.session,
      virtualServer: req.virtualServer,
      traceId: randomBytes(16).toString('hex'),
      signal: req.signal,
      startedAt: performance.now(),
      params: req.params,
      target: undefined,
      result: undefined,
      error: undefined,
      hits: [],
      timings: {},
      state: new Map<string, unknown>([['channel', req.channel]]),
      progress:
        token === undefined
          ? () => undefined
          : (progress: number, message?: string) => void req.channel.notify('notifications/progress', { progressToken: token, progress, ...(message ? { message } : {}) }),
    };
  }

  /** The terminal stage: calls the upstream with its own names, relaying progress. */
  private forward = async (ctx: CallContext): Promise<Record<string, unknown>> => {
    const target = ctx.target;
    if (!target) throw new WardenError('WARDEN_INTERNAL');
    const conn = this.upstreams.get(target.server);
    if (!conn) throw new WardenError('WARDEN_UPSTREAM_UNAVAILABLE', undefined, { server: target.server });
    const channel = ctx.state.get('channel') as CallChannel;
    const params: Record<string, unknown> =
      target.kind === 'resource' ? { ...ctx.params, uri: target.name } : { ...ctx.params, name: target.name };
    // The agent's progress token stays with the agent: upstream progress is re-sent under it.
    const meta = params._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const set = this.inflight.get(target.server) ?? new Set<InFlightCall>();
    this.inflight.set(target.server, set);
    const call: InFlightCall = { ctx, channel, relayed: Promise.resolve(), queued: 0 };
    set.add(call);
    try {
      const traceparent = this.extensions.traceparent?.(ctx);
      const result = await conn.request(ctx.method, params, {
        signal: ctx.signal,
        ...(traceparent ? { headers: { traceparent } } : {}),
        ...(token !== undefined ? { onprogress: (p: { progress: number; total?: number; message?: string }) => this.relayProgress(call, p, token) } : {}),
      });
      if (target.kind === 'resource') return this.exposeReadResult(target.server, result);
      return result;
    } finally {
      // Relayed messages reach the agent before the result (or error) closes the response stream,
      // and their hits and labels are on the call before its observers record and commit them.
      set.delete(call);
      await this.drain(call);
    }
  };

  /** Waits until every message queued for the call has been judged and sent. */
  private async drain(call: InFlightCall): Promise<void> {
    let p: Promise<void>;
    do await (p = call.relayed);
    while (p !== call.relayed);
  }

  /**
   * Queues a message of the upstream for the call's agent: judged first (inspectRelay), then sent
   * as judged, or withheld (`withheld` runs instead, as it does when the judgement fails). Queued
   * so that notifications keep their order while a judgement waits.
   */
  private relay(call: InFlightCall, method: string, params: Record<string, unknown>, send: (params: Record<string, unknown>) => Promise<void> | void, withheld?: () => Promise<void> | void): void {
    if (++call.queued > MAX_RELAYED_PER_CALL) {
      if (call.queued === MAX_RELAYED_PER_CALL + 1) this.log.warn({ server: call.ctx.target?.server, method }, 'upstream sent too many messages during one call; the rest are dropped');
      return;
    }
    const inspect = this.extensions.inspectRelay;
    call.relayed = call.relayed
      .then(async () => {
        if (!inspect) return send(params);
        let v: RelayVerdict;
        try {
          v = await inspect(call.ctx, method, params);
        } catch {
          v = { kind: 'refuse', error: new WardenError('WARDEN_GUARDRAIL_UNAVAILABLE') };
        }
        if (v.kind === 'pass') return send(v.params);
        this.log.warn({ server: call.ctx.target?.server, method, code: v.error.code, rule: (v.error.data as { rule?: string } | undefined)?.rule }, 'upstream message withheld by a guardrail');
        return withheld?.();
      })
      .catch((err: unknown) => this.log.warn({ method, err: (err as Error)?.message }, 'upstream message not relayed'));
  }

  /**
   * Progress under the agent's token: the numbers, if they are numbers, and the free text,
   * `message`, as judged; nothing else the upstream put in it. A withheld message leaves the
   * numbers, so the agent's timeout keeps resetting on progress.
   */
  private relayProgress(call: InFlightCall, p: { progress: number; total?: number; message?: string }, token: unknown): void {
    if (!Number.isFinite(p.progress)) return;
    const numbers: Record<string, unknown> = { progress: p.progress };
    if (typeof p.total === 'number' && Number.isFinite(p.total)) numbers.total = p.total;
    const notify = (judged: Record<string, unknown>) =>
      call.channel.notify('notifications/progress', { ...numbers, ...(typeof judged.message === 'string' ? { message: judged.message } : {}), progressToken: token });
    if (typeof p.message !== 'string') {
      if (++call.queued <= MAX_RELAYED_PER_CALL) call.relayed = call.relayed.then(() => notify({})).catch(() => undefined);
    } else this.relay(call, 'notifications/progress', { message: p.message }, notify, () => notify({}));
  }

  private exposeReadResult(server: string, result: Record<string, unknown>): Record<string, unknown> {
    const contents = result.contents;
    if (!Array.isArray(contents)) return result;
    return { ...result, contents: contents.map((c: { uri?: string }) => (typeof c?.uri === 'string' ? { ...c, uri: this._catalog.exposeResource(server, c.uri) } : c)) };
  }

  private async subscription(req: GatewayRequest, view: (k: 'resource', e: string, s: string, n: string) => boolean): Promise<Record<string, unknown>> {
    const uri = req.params.uri;
    if (typeof uri !== 'string') throw new WardenError('WARDEN_INVALID_PARAMS', 'uri must be a string');
    const r = this._catalog.resolveResource(uri);
    if (!r || !view('resource', uri, r.server, r.uri)) throw new WardenError('WARDEN_UNKNOWN_RESOURCE', uri, { uri });
    const conn = this.upstreams.get(r.server);
    if (!conn) throw new WardenError('WARDEN_UPSTREAM_UNAVAILABLE');
    if (req.method === 'resources/subscribe') req.peer?.subscriptions.add(uri);
    else req.peer?.subscriptions.delete(uri);
    // One upstream subscription serves every peer; unsubscribing upstream only when nobody is left.
    const others = [...this.peers].some((p) => p !== req.peer && p.subscriptions.has(uri));
    if (req.method === 'resources/subscribe' || !others) {
      if (conn.snapshot.capabilities.resources?.subscribe) await conn.request(req.method, { uri: r.uri }, { signal: req.signal });
    }
    return {};
  }

  private async complete(req: GatewayRequest, view: (k: 'prompt' | 'resource', e: string, s: string, n: string) => boolean): Promise<Record<string, unknown>> {
    const ref = req.params.ref as { type?: string; name?: string; uri?: string } | undefined;
    let server: string | undefined;
    let upstreamRef: Record<string, unknown> | undefined;
    if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
      const p = this._catalog.promptByName.get(ref.name);
      if (p && view('prompt', ref.name, p.server, p.name)) [server, upstreamRef] = [p.server, { ...ref, name: p.name }];
    } else if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
      const t = this._catalog.templates.find((x) => x.exposed === ref.uri);
      if (t && view('resource', ref.uri, t.server, t.uriTemplate)) [server, upstreamRef] = [t.server, { ...ref, uri: t.uriTemplate }];
    }
    if (!server || !upstreamRef) throw new WardenError('WARDEN_INVALID_PARAMS', 'unknown completion reference');
    const conn = this.upstreams.get(server);
    if (!conn?.snapshot.capabilities.completions) return { completion: { values: [], hasMore: false } };
    return conn.request('completion/complete', { ...req.params, ref: upstreamRef }, { signal: req.signal });
  }

  private buildPipeline(): void {
    const ext = this.extensions;
    const route = createRouteStage({
      catalog: () => this._catalog,
      labelsFor: (exposed) => this.toolLabels.get(exposed),
      ...(ext.visible ? { visible: (ctx: CallContext, kind: 'tool' | 'prompt' | 'resource', e: string, server: string, name: string) => ext.visible!(ctx.agent, ctx.virtualServer, kind, e, server, name) } : {}),
    });
    this.pipeline = createPipeline({
      stages: [route, ...(ext.stages ?? [])],
      forward: ext.wrapForward ? ext.wrapForward(this.forward) : this.forward,
      ...(ext.onHold ? { onHold: ext.onHold } : {}),
      observers: ext.observers ?? [],
      onStageError: (stage, err) => this.log.error({ stage, err: (err as Error)?.message }, 'pipeline stage failed; call denied'),
    });
  }

  private naming() {
    const prefixes = new Map<string, string>();
    for (const [name, s] of Object.entries(this.config.servers)) prefixes.set(name, s.prefix ?? name);
    return { separator: this.config.server.namespaceSeparator, prefixes };
  }

  private async addUpstream(name: string, cfg: WardenConfig['servers'][string]): Promise<void> {
    const conn = new UpstreamConnection(name, cfg, {
      baseDir: this.loaded.baseDir,
      log: this.log,
      events: {
        onChange: () => this.rebuildCatalog(),
        onNotification: (server, method, params) => this.onUpstreamNotification(server, method, params),
        onServerRequest: (server, method, params, signal) => this.onUpstreamRequest(server, method, params, signal),
      },
    });
    this.upstreams.set(name, conn);
    await conn.start();
  }

  /** Rebuilds the catalog from the upstreams' current lists (e.g. after a pin approval). */
  refreshCatalog(): void {
    this.rebuildCatalog();
  }

  private rebuildCatalog(): void {
    const snaps = new Map<string, UpstreamSnapshot>();
    const review = this.extensions.reviewTools;
    // Config order decides who wins a collision, so it is stable across restarts.
    for (const name of Object.keys(this.config.servers)) {
      const u = this.upstreams.get(name);
      if (!u) continue;
      const snap = u.snapshot;
      snaps.set(name, review && snap.tools.length ? { ...snap, tools: review(name, snap.tools) } : snap);
    }
    const prev = this._catalog;
    const next = buildCatalog(++this.catalogVersion, snaps, this.naming(), (m) => this.log.warn(m));
    const labelsFor = this.extensions.labelsFor;
    const labels = new Map<string, ReadonlySet<string>>();
    if (labelsFor) for (const t of next.tools) labels.set(t.exposed, labelsFor(t.server, { ...t.definition, name: t.name }));
    this.toolLabels = labels;
    this.extensions.onCatalog?.(next);
    this._catalog = next;
    const changed = (a: readonly unknown[], b: readonly unknown[]) => a.length !== b.length || JSON.stringify(a) !== JSON.stringify(b);
    const kinds: string[] = [];
    if (changed(prev.tools.map((t) => t.definition), next.tools.map((t) => t.definition))) kinds.push('tools');
    if (changed(prev.prompts.map((p) => p.definition), next.prompts.map((p) => p.definition))) kinds.push('prompts');
    if (changed(prev.resources.map((r) => r.definition), next.resources.map((r) => r.definition)) || changed(prev.templates.map((t) => t.definition), next.templates.map((t) => t.definition))) kinds.push('resources');
    for (const fn of this.catalogListeners) fn(next);
    for (const kind of kinds) for (const p of this.peers) p.notify(`notifications/${kind}/list_changed`);
  }

  private onUpstreamNotification(server: string, method: string, params: unknown): void {
    if (method === 'notifications/resources/updated') {
      const uri = (params as { uri?: string })?.uri;
      if (typeof uri !== 'string') return;
      const exposed = this._catalog.exposeResource(server, uri);
      // Only the URI: the notification goes to every subscribed agent, outside any call, so nothing
      // else an upstream put in it is passed on uninspected.
      for (const p of this.peers) if (p.subscriptions.has(exposed)) p.notify(method, { uri: exposed });
      return;
    }
    if (method === 'notifications/message') {
      // A log line belongs to whoever is calling that upstream; with several callers we cannot tell
      // whose it is, and sending it to all would leak across agents.
      const calls = this.inflight.get(server);
      if (calls?.size !== 1 || !params || typeof params !== 'object') return;
      for (const call of calls) this.relay(call, method, params as Record<string, unknown>, (judged) => call.channel.notify(method, judged));
      return;
    }
    this.log.debug({ server, method }, 'upstream notification not relayed');
  }

  private async onUpstreamRequest(server: string, method: string, params: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
    const calls = this.inflight.get(server);
    if (!calls || calls.size === 0) throw new WardenError('WARDEN_METHOD_NOT_FOUND', `${method} outside a call`);
    if (calls.size > 1) {
      // Over stdio a server-to-client request carries no link to the call that caused it. Guessing
      // could show one agent's elicitation to another user, so refuse.
      throw new WardenError('WARDEN_UPSTREAM_ERROR', `${method} is ambiguous: several calls are in flight to ${server}`);
    }
    const [call] = calls as Set<InFlightCall>;
    // What the upstream asks the agent's client (a sampling prompt, an elicitation message) is
    // judged as the call's output is: refused when a rule withholds it.
    const inspect = this.extensions.inspectRelay;
    let asked = params;
    if (inspect) {
      const v = await inspect(call!.ctx, method, params && typeof params === 'object' ? (params as Record<string, unknown>) : {});
      if (v.kind === 'refuse') {
        this.log.warn({ server, method, code: v.error.code }, 'upstream request to the client refused by a guardrail');
        throw v.error;
      }
      asked = v.params;
    }
    let answered: unknown;
    try {
      answered = await call!.channel.request(method, asked, signal);
    } catch (err) {
      throw signal.aborted ? err : await this.judgeRefusal(server, call!, method, err);
    }
    return this.judgeAnswer(server, call!, method, answerFields(method, answered));
  }

  /**
   * The client refused the upstream's request (a JSON-RPC error: the user declined, the model
   * failed). Its message and data go to the tool as an answer would, so they are judged as one;
   * the upstream gets the client's error code with what passed (or the refusal of a rule). Only an
   * error the client sent has a JSON-RPC (numeric) code. The SDK's own (a timeout, a closed
   * connection, a result it could not read) may quote what the client sent, so the upstream gets a
   * fixed message in their place.
   */
  private async judgeRefusal(server: string, call: InFlightCall, method: string, err: unknown): Promise<unknown> {
    if (!this.extensions.inspectAnswer) return err;
    const e = (err && typeof err === 'object' ? err : {}) as { code?: unknown; message?: unknown; data?: unknown };
    if (typeof e.code !== 'number' || !Number.isSafeInteger(e.code)) return new Error(`${method} failed between Warden and the client`);
    const body = { message: typeof e.message === 'string' ? e.message : 'Internal error', ...(e.data === undefined ? {} : { data: e.data }) };
    let judged: Record<string, unknown>;
    try {
      judged = await this.judgeAnswer(server, call, method, body);
    } catch (refusal) {
      return refusal;
    }
    // The SDK answers a handler's error with its numeric `code`, `message` and `data`.
    return Object.assign(new Error(String(judged.message)), { code: e.code, ...(judged.data === undefined ? {} : { data: judged.data }) });
  }

  /**
   * What the client answered, judged as the call's arguments are (the input rules): it goes to the
   * tool. Judged only while the call is in flight, and the call's result waits for the judgement
   * (it joins `relayed`), so the judgement's hits and labels are on the call before its audit
   * record and flow labels are written; an answer that comes after its call ended is refused.
   */
  private async judgeAnswer(server: string, call: InFlightCall, method: string, answer: Record<string, unknown>): Promise<Record<string, unknown>> {
    const inspect = this.extensions.inspectAnswer;
    if (!inspect) return answer;
    if (!this.inflight.get(server)?.has(call)) throw new WardenError('WARDEN_METHOD_NOT_FOUND', `${method} answered after its call ended`);
    const judged = inspect(call.ctx, method, answer).catch((): RelayVerdict => ({ kind: 'refuse', error: new WardenError('WARDEN_GUARDRAIL_UNAVAILABLE') }));
    const before = call.relayed;
    call.relayed = Promise.all([before, judged]).then(() => undefined);
    const v = await judged;
    if (v.kind === 'refuse') {
      this.log.warn({ server, method, code: v.error.code, rule: (v.error.data as { rule?: string } | undefined)?.rule }, 'client answer to an upstream request refused by a guardrail');
      throw v.error;
    }
    return v.params;
  }
}
