/**
 * One long-lived connection to one upstream MCP server, shared by every agent.
 * It (re)connects with exponential backoff, keeps the upstream's tools, resources and prompts
 * (following pagination), re-reads them on `list_changed`, and reports its state for `/readyz`.
 */
import { resolve } from 'node:path';
import { Client, SSEClientTransport, StreamableHTTPClientTransport, ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, ServerCapabilities, Tool, Transport } from '@modelcontextprotocol/client';
import { isStdio, type UpstreamConfig } from '../config/index.ts';
import { WardenError } from '../errors/index.ts';
import type { Logger } from '../telemetry/log.ts';
import { passthrough } from './passthrough.ts';
import { LeanHttpTransport } from './http-transport.ts';
import { authorizedFetch, createOAuthTokenSource, type UpstreamAuthorization } from './oauth-client.ts';

export type UpstreamState = 'connecting' | 'ready' | 'down' | 'stopped';

export interface UpstreamSnapshot {
  readonly tools: readonly Tool[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly prompts: readonly Prompt[];
  readonly capabilities: ServerCapabilities;
}

const EMPTY: UpstreamSnapshot = Object.freeze({ tools: [], resources: [], resourceTemplates: [], prompts: [], capabilities: {} });

/** A request an upstream makes of the client while a call is in flight (sampling, elicitation). */
export type ServerToClientHandler = (upstream: string, method: string, params: unknown, signal: AbortSignal) => Promise<Record<string, unknown>>;

export interface UpstreamEvents {
  /** The snapshot changed (connect, disconnect, list_changed). */
  onChange(name: string): void;
  /** A notification that is not a list change (logging, resources/updated, progress is handled per call). */
  onNotification(name: string, method: string, params: unknown): void;
  onServerRequest: ServerToClientHandler;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  readonly timeoutMs?: number;
  /** Extra HTTP headers for this request (e.g. `traceparent`); ignored over stdio. */
  readonly headers?: Readonly<Record<string, string>>;
}

const VERSION = '0.1.0';

export class UpstreamConnection {
  readonly name: string;
  private config: UpstreamConfig;
  /** Built once per config so the token cache outlives reconnects. */
  private auth: UpstreamAuthorization | undefined;
  private readonly baseDir: string;
  private readonly log: Logger;
  private readonly events: UpstreamEvents;
  private client: Client | undefined;
  private _state: UpstreamState = 'connecting';
  private _snapshot: UpstreamSnapshot = EMPTY;
  private _lastError: string | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private generation = 0;
  private progressSeq = 0;
  /** The connected transport, for the direct request path of 2025-era connections. */
  private transport: Transport | undefined;
  private directSeq = 0;
  /** Direct-path requests awaiting their response, by JSON-RPC id. */
  private readonly direct = new Map<string, { resolve: (r: Record<string, unknown>) => void; reject: (e: WardenError) => void }>();
  private readonly progressRoutes = new Map<string, (p: { progress: number; total?: number; message?: string }) => void>();

  constructor(name: string, config: UpstreamConfig, opts: { baseDir: string; log: Logger; events: UpstreamEvents }) {
    this.name = name;
    this.config = config;
    this.auth = makeAuth(config);
    this.baseDir = opts.baseDir;
    this.log = opts.log.child({ upstream: name });
    this.events = opts.events;
  }

  get state(): UpstreamState {
    return this._state;
  }
  get snapshot(): UpstreamSnapshot {
    return this._state === 'ready' ? this._snapshot : EMPTY;
  }
  get lastError(): string | undefined {
    return this._lastError;
  }
  get timeoutMs(): number {
    return this.config.timeoutMs;
  }
  get era(): string | undefined {
    return this.client?.getProtocolEra();
  }

  /** Starts connecting; resolves after the first attempt (success or failure). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** Swaps in a new config. A change to how the server is reached reconnects; other changes apply in place. */
  async reconfigure(config: UpstreamConfig): Promise<void> {
    const reach = (c: UpstreamConfig) => JSON.stringify(isStdio(c) ? [c.command, c.env, c.cwd] : [c.url, c.transport, c.headers, c.protocol, c.oauth]);
    const reconnect = reach(config) !== reach(this.config);
    this.config = config;
    if (reconnect) {
      this.auth = makeAuth(config);
      await this.closeClient();
      this.attempt = 0;
      await this.connect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.closeClient();
    this.setState('stopped');
  }

  /**
   * Sends one request upstream and returns the raw result. Errors are WardenErrors.
   *
   * Progress and the timeout are Warden's own, not the SDK's: the SDK dispatches notifications a
   * microtask late, so a final progress that arrives in the same read as the result was dropped.
   * Warden reads progress for its own tokens straight off the transport, in order, and resets the
   * per-call timeout on each one.
   */
  async request(method: string, params: Record<string, unknown> | undefined, opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const client = this.client;
    if (!client || this._state !== 'ready') throw new WardenError('WARDEN_UPSTREAM_UNAVAILABLE', undefined, { server: this.name });
    const timeoutMs = opts.timeoutMs ?? this.config.timeoutMs;
    const timeout = new AbortController();
    let timer = setTimeout(() => timeout.abort('timeout'), timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
    let token: string | undefined;
    let sent = params;
    if (opts.onprogress) {
      token = `warden-${++this.progressSeq}`;
      const onprogress = opts.onprogress;
      this.progressRoutes.set(token, (p) => {
        clearTimeout(timer);
        timer = setTimeout(() => timeout.abort('timeout'), timeoutMs);
        onprogress(p);
      });
      const meta = (params?._meta as Record<string, unknown> | undefined) ?? {};
      sent = { ...params, _meta: { ...meta, progressToken: token } };
    }
    try {
      // 2025-era connections: plain JSON-RPC over the transport, answered straight off the wire
      // (see tapProgress); the SDK client keeps the handshake, notifications and server requests.
      if (this.transport && client.getProtocolEra() === 'legacy') return await this.sendDirect(this.transport, method, sent, signal, opts.headers);
      const result = await client.request({ method, params: sent } as never, passthrough, {
        signal,
        ...(opts.headers ? { headers: opts.headers } : {}),
        timeout: 2_147_483_647, // Warden's timer above is the real one.
        // Hand 2026-07-28 `input_required` results back so the agent's client fulfils them.
        allowInputRequired: true,
      });
      return result as Record<string, unknown>;
    } catch (err) {
      if (timeout.signal.aborted && !opts.signal?.aborted) throw new WardenError('WARDEN_UPSTREAM_TIMEOUT', undefined, { server: this.name });
      throw this.translate(err, opts.signal);
    } finally {
      clearTimeout(timer);
      if (token) this.progressRoutes.delete(token);
    }
  }

  /**
   * The direct request path: one JSON-RPC request written to the transport, its answer taken in
   * tapProgress before the SDK parses it. Measured: the SDK client's request path (schema parsing,
   * handler maps) was the largest share of the upstream leg's CPU. Cancellation follows the 2025
   * spec: `notifications/cancelled` with the request id.
   */
  private sendDirect(transport: Transport, method: string, params: Record<string, unknown> | undefined, signal: AbortSignal, headers?: Readonly<Record<string, string>>): Promise<Record<string, unknown>> {
    const id = `w${++this.directSeq}`;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = () => {
        this.direct.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        void transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(signal.reason ?? 'cancelled') } } as never).catch(() => undefined);
        reject(new WardenError('WARDEN_CANCELLED'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.direct.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      transport
        .send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as never, headers ? { headers } : undefined)
        .catch(() => {
          if (!this.direct.has(id)) return;
          done();
          reject(new WardenError('WARDEN_UPSTREAM_UNAVAILABLE', undefined, { server: this.name }));
        });
    });
  }

  /** Fails every direct-path request in flight (the connection is gone). */
  private failDirect(): void {
    for (const p of [...this.direct.values()]) p.reject(new WardenError('WARDEN_UPSTREAM_UNAVAILABLE', undefined, { server: this.name }));
    this.direct.clear();
  }

  /** Wraps a connected transport so progress for Warden's tokens is routed synchronously, in order. */
  private tapProgress(transport: Transport): void {
    const inner = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const r = message as { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (typeof r.id === 'string' && (r.result !== undefined || r.error !== undefined)) {
        const pending = this.direct.get(r.id);
        if (pending) {
          if (r.error) pending.reject(WardenError.relayed(r.error.code, r.error.message, r.error.data));
          else pending.resolve(r.result as Record<string, unknown>);
          return;
        }
      }
      const m = message as { method?: string; params?: { progressToken?: unknown } };
      if (m.method === 'notifications/progress') {
        const route = this.progressRoutes.get(String(m.params?.progressToken));
        if (route) {
          const { progressToken: _t, ...rest } = m.params as Record<string, unknown>;
          route(rest as { progress: number; total?: number; message?: string });
          return;
        }
      }
      inner?.call(transport, message, extra);
    };
  }

  /** Sends a notification upstream (cancellation is sent by the SDK itself on abort). */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    await this.client?.notification({ method, params } as never).catch(() => undefined);
  }

  private translate(err: unknown, signal?: AbortSignal): WardenError {
    if (signal?.aborted) return new WardenError('WARDEN_CANCELLED');
    if (err instanceof WardenError) return err;
    if (err instanceof ProtocolError) return WardenError.relayed(err.code, err.message, err.data);
    if (err instanceof SdkError) {
      if (err.code === SdkErrorCode.RequestTimeout) return new WardenError('WARDEN_UPSTREAM_TIMEOUT', undefined, { server: this.name });
      if (err.code === SdkErrorCode.ConnectionClosed || err.code === SdkErrorCode.NotConnected || err.code === SdkErrorCode.SendFailed) {
        return new WardenError('WARDEN_UPSTREAM_UNAVAILABLE', undefined, { server: this.name });
      }
    }
    if ((err as { name?: string })?.name === 'AbortError') return new WardenError('WARDEN_CANCELLED');
    this.log.warn({ err: (err as Error)?.message }, 'upstream request failed');
    return new WardenError('WARDEN_UPSTREAM_ERROR', undefined, { server: this.name });
  }

  private makeTransport(): Transport {
    const c = this.config;
    if (isStdio(c)) {
      const [command, ...args] = c.command;
      // Scrubbed environment: only what the config passes, plus PATH so the command resolves.
      const env: Record<string, string> = { ...(process.env.PATH ? { PATH: process.env.PATH } : {}), ...c.env };
      const t = new StdioClientTransport({ command: command!, args, env, cwd: c.cwd ? resolve(this.baseDir, c.cwd) : this.baseDir, stderr: 'pipe' });
      const stderr = t.stderr;
      stderr?.on('data', (chunk: Buffer) => {
        const line = chunk.toString('utf8').trim();
        if (line) this.log.debug({ stderr: line.slice(0, 2000) }, 'upstream stderr');
      });
      return t;
    }
    const headers = { ...c.headers };
    const requestInit: RequestInit = { headers };
    const auth = this.auth;
    // The SDK transports take Warden's token through their fetch, on every request they make.
    const sdk = { requestInit, ...(auth ? { fetch: authorizedFetch(auth) } : {}) };
    if (c.transport === 'sse') return new SSEClientTransport(new URL(c.url), sdk);
    // 2025-era Streamable HTTP: Warden's lean node:http transport (see http-transport.ts for why);
    // `protocol: auto` keeps the SDK's transport, which carries the 2026-07-28 machinery.
    if (c.protocol === 'legacy') return new LeanHttpTransport(new URL(c.url), { headers, headersTimeoutMs: c.connectTimeoutMs, ...(auth ? { authorization: auth } : {}) });
    return new StreamableHTTPClientTransport(new URL(c.url), sdk);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.setState('connecting');
    const client = new Client(
      { name: 'warden', version: VERSION },
      {
        // No `roots`: one upstream connection serves many agents, and a filesystem server would
        // otherwise take one client's roots as its allowed directories.
        capabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
        versionNegotiation: { mode: isStdio(this.config) ? 'legacy' : this.config.protocol },
        listChanged: {
          tools: { autoRefresh: false, debounceMs: 50, onChanged: () => void this.refresh('tools') },
          prompts: { autoRefresh: false, debounceMs: 50, onChanged: () => void this.refresh('prompts') },
          resources: { autoRefresh: false, debounceMs: 50, onChanged: () => void this.refresh('resources') },
        },
      },
    );
    client.fallbackNotificationHandler = async (n) => this.events.onNotification(this.name, n.method, n.params);
    for (const method of ['sampling/createMessage', 'elicitation/create'] as const) {
      client.setRequestHandler(method, (async (req: { params: unknown }, ctx: { mcpReq: { signal: AbortSignal } }) =>
        this.events.onServerRequest(this.name, method, req.params, ctx.mcpReq.signal)) as never);
    }
    client.onclose = () => {
      if (gen !== this.generation || this.stopped) return;
      this.log.warn('upstream connection closed');
      this.client = undefined;
      this.transport = undefined;
      this.failDirect();
      this.setState('down');
      this.scheduleRetry();
    };
    client.onerror = (e) => this.log.debug({ err: e.message }, 'upstream transport error');
    try {
      const transport = this.makeTransport();
      await client.connect(transport, { timeout: this.config.connectTimeoutMs });
      this.tapProgress(transport);
      this.transport = transport;
      if (gen !== this.generation) {
        await client.close().catch(() => undefined);
        return;
      }
      this.client = client;
      this._snapshot = await this.load(client);
      this.attempt = 0;
      this._lastError = undefined;
      this.setState('ready');
      this.log.info({ era: client.getProtocolEra(), tools: this._snapshot.tools.length }, 'upstream ready');
    } catch (err) {
      if (gen !== this.generation) return;
      this._lastError = (err as Error)?.message?.slice(0, 300) ?? 'connect failed';
      this.log.warn({ err: this._lastError }, 'upstream connect failed');
      this.client = undefined;
      await client.close().catch(() => undefined);
      this.setState('down');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const { initialDelayMs, maxDelayMs } = this.config.restart;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempt++, 16));
    // Jitter keeps many gateways from reconnecting in lockstep.
    this.retryTimer = setTimeout(() => void this.connect(), delay * (0.8 + Math.random() * 0.4));
    this.retryTimer.unref();
  }

  private async load(client: Client): Promise<UpstreamSnapshot> {
    const capabilities = client.getServerCapabilities() ?? {};
    const [tools, resources, resourceTemplates, prompts] = await Promise.all([
      capabilities.tools ? this.listAll(client, 'tools/list', 'tools') : [],
      capabilities.resources ? this.listAll(client, 'resources/list', 'resources') : [],
      capabilities.resources ? this.listAll(client, 'resources/templates/list', 'resourceTemplates') : [],
      capabilities.prompts ? this.listAll(client, 'prompts/list', 'prompts') : [],
    ]);
    return Object.freeze({
      tools: tools as Tool[],
      resources: resources as Resource[],
      resourceTemplates: resourceTemplates as ResourceTemplate[],
      prompts: prompts as Prompt[],
      capabilities,
    });
  }

  /** Follows upstream pagination; bounded so a server whose cursor never ends cannot hang us. */
  private async listAll(client: Client, method: string, key: string): Promise<unknown[]> {
    const out: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = (await client.request({ method, params: cursor ? { cursor } : {} } as never, passthrough, {
        timeout: this.config.timeoutMs,
      })) as Record<string, unknown>;
      const items = r[key];
      if (Array.isArray(items)) out.push(...items);
      cursor = typeof r.nextCursor === 'string' && r.nextCursor ? r.nextCursor : undefined;
      if (!cursor) return out;
    }
    this.log.warn({ method }, 'upstream pagination did not end after 100 pages; list truncated');
    return out;
  }

  private async refresh(kind: string): Promise<void> {
    const client = this.client;
    if (!client || this._state !== 'ready') return;
    try {
      this._snapshot = await this.load(client);
      this.log.info({ kind, tools: this._snapshot.tools.length }, 'upstream list changed');
      this.events.onChange(this.name);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'upstream refresh failed');
    }
  }

  private setState(s: UpstreamState): void {
    const changed = s !== this._state;
    this._state = s;
    if (changed) this.events.onChange(this.name);
  }

  private async closeClient(): Promise<void> {
    this.generation++;
    const c = this.client;
    this.client = undefined;
    this.transport = undefined;
    this.failDirect();
    if (c) await c.close().catch(() => undefined);
  }
}

function makeAuth(c: UpstreamConfig): UpstreamAuthorization | undefined {
  return !isStdio(c) && c.oauth ? createOAuthTokenSource(c.oauth) : undefined;
}
