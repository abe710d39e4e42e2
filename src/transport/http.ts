/**
 * The Streamable HTTP adapter: `/mcp` (and `/mcp/<virtual server>`) for both protocol eras,
 * plus `/healthz` and `/readyz`. Edge checks and authentication run here, once per HTTP request;
 * the MCP protocol itself is the SDK's; every decision is the gateway's.
 *
 * Era routing: a request with `Mcp-Session-Id` or an `initialize` is 2025-era and goes to its
 * session's SDK transport; anything else is classified by the SDK (`isLegacyRequest`) and 2026-era
 * requests go to `createMcpHandler`, one short-lived server per request.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createMcpHandler, PROTOCOL_VERSION_META_KEY, type AuthInfo, type McpHttpHandler, type ServerContext } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { SessionTransport } from './session-transport.ts';
import { createDirectCall, type DirectCall } from './direct-call.ts';
import { CONVERSATION_HEADER, flowSessionKey } from '../flow/session-key.ts';
import type { ServerConfig } from '../config/index.ts';
import { WardenError, isWardenError } from '../errors/index.ts';
import type { Gateway, Peer } from '../gateway/index.ts';
import type { AgentIdentity, SessionRef } from '../pipeline/index.ts';
import type { Logger } from '../telemetry/log.ts';
import { checkOrigin, checkProtocolVersion, originPolicy, parseMessage, readBody, type JsonRpcMessage, type OriginPolicy } from './edge.ts';
import { createDownstreamServer } from './mcp-server.ts';
import { createAuthenticator, type Authenticator } from '../auth/authenticator.ts';
import { authConfigSchema } from '../auth/config.ts';

export type { Authenticator };

/** Local-only mode (the quickstart's): everyone is the configured local agent. */
const localOnly = (): Authenticator => createAuthenticator(authConfigSchema.parse({ mode: 'none' }));

/** Extra routes (metrics, admin API, well-known documents) mounted by later issues. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface HttpOptions {
  readonly gateway: Gateway;
  readonly server: ServerConfig;
  readonly log: Logger;
  readonly authenticator?: Authenticator;
  readonly routes?: readonly Route[];
  /** May this agent use this endpoint? (policy: unknown virtual server → 404, not bound → 403) */
  readonly endpoint?: (agent: AgentIdentity, virtualServer: string) => WardenError | undefined;
}

interface Session {
  readonly id: string;
  readonly agentId: string;
  readonly virtualServer: string;
  readonly transport: SessionTransport;
  readonly peer: Peer;
  /** Answers an initialized session's tools/call without the SDK's per-request dispatch. */
  readonly direct: DirectCall;
  readonly initialized: () => boolean;
  lastSeen: number;
  close(): Promise<void>;
}

/**
 * A sessionless request is 2026-era when it says so: `server/discover`, the per-request `_meta`
 * envelope, or a 2026 `MCP-Protocol-Version` header. Anything else without a session is a
 * 2025-era client that skipped `initialize`.
 */
function isModern(req: IncomingMessage, msg: JsonRpcMessage): boolean {
  if (msg.kind === 'response') return false;
  if (msg.method === 'server/discover') return true;
  const meta = (msg.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  if (meta && PROTOCOL_VERSION_META_KEY in meta) return true;
  const v = req.headers['mcp-protocol-version'];
  return typeof v === 'string' && v >= '2026-07-28';
}

const MCP_PATH = /^\/mcp(?:\/([A-Za-z0-9_-]{1,64}))?\/?$/;

export interface HttpGateway {
  readonly server: HttpServer;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Closes listeners and sessions (the gateway's own drain happens in Gateway.stop). */
  close(): Promise<void>;
  readonly sessions: { readonly size: number };
  /** Swaps identity and endpoint checks on reload; open sessions stay open. */
  setAuth(a: Authenticator, endpoint?: (agent: AgentIdentity, virtualServer: string) => WardenError | undefined): void;
}

export function createHttpGateway(opts: HttpOptions): HttpGateway {
  const { gateway, log } = opts;
  const cfg = opts.server;
  let authenticator = opts.authenticator ?? localOnly();
  const policy: OriginPolicy = originPolicy(cfg.host, cfg.allowedHosts, cfg.allowedOrigins);
  const sessions = new Map<string, Session>();
  let endpoint = opts.endpoint;

  // Flow state is keyed as flow/session-key.ts defines: MCP session, else conversation id, else agent.
  const sessionRefFor = (agent: AgentIdentity) => (ctx: ServerContext): SessionRef => {
    const conv = ctx.http?.req?.headers.get(CONVERSATION_HEADER) ?? undefined;
    const key = flowSessionKey({
      mcpSessionId: ctx.sessionId,
      headers: { [CONVERSATION_HEADER]: conv },
      meta: ctx.mcpReq._meta as Record<string, unknown> | undefined,
      agentId: agent.id,
    });
    return { key, mcpSessionId: ctx.sessionId, era: ctx.sessionId ? 'legacy' : 'modern' };
  };

  const agentOf = (ctx: { http?: { authInfo?: AuthInfo } } | { authInfo?: AuthInfo }): AgentIdentity => {
    const info = 'authInfo' in ctx ? ctx.authInfo : (ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo;
    const agent = info?.extra?.agent as AgentIdentity | undefined;
    if (!agent) throw new WardenError('WARDEN_UNAUTHENTICATED');
    return agent;
  };

  // 2026-07-28: one short-lived server per request, built from the same gateway.
  const modernByVs = new Map<string, { handler: McpHttpHandler; node: ReturnType<typeof toNodeHandler> }>();
  const modernFor = (vs: string) => {
    let m = modernByVs.get(vs);
    if (!m) {
      const handler = createMcpHandler(
        (c) => {
          const agent = agentOf(c);
          return createDownstreamServer(gateway, { agent, virtualServer: vs, session: sessionRefFor(agent), onError: (e) => log.error({ err: e.message }, 'handler error') });
        },
        { legacy: 'reject', maxRequestBodySize: cfg.maxBodyBytes, onerror: (e) => log.debug({ err: e.message }, 'modern request rejected') },
      );
      m = { handler, node: toNodeHandler(handler, { maxRequestBodySize: cfg.maxBodyBytes }) };
      modernByVs.set(vs, m);
    }
    return m;
  };
  gateway.onCatalogChange(() => {
    for (const { handler } of modernByVs.values()) {
      handler.notify.toolsChanged();
      handler.notify.promptsChanged();
      handler.notify.resourcesChanged();
    }
  });

  const sweep = setInterval(() => {
    const cutoff = Date.now() - cfg.sessionIdleMs;
    for (const s of sessions.values()) if (s.lastSeen < cutoff) void s.close();
  }, Math.min(60_000, cfg.sessionIdleMs)).unref();

  async function newSession(agent: AgentIdentity, vs: string): Promise<Session> {
    if (sessions.size >= cfg.maxSessions) throw new WardenError('WARDEN_SHUTTING_DOWN', 'session limit reached');
    const id = randomUUID();
    const transport = new SessionTransport(id);
    const subscriptions = new Set<string>();
    const peer: Peer = {
      id,
      agentId: agent.id,
      subscriptions,
      notify: (method, params) => void server.notification({ method, params } as never).catch(() => undefined),
    };
    const onError = (e: Error) => log.error({ err: e.message }, 'handler error');
    const server = createDownstreamServer(gateway, { agent, virtualServer: vs, session: sessionRefFor(agent), peer, onError });
    const removePeer = gateway.addPeer(peer);
    let closed = false;
    const session: Session = {
      id,
      agentId: agent.id,
      virtualServer: vs,
      transport,
      peer,
      direct: createDirectCall({ gateway, server, transport, agent, virtualServer: vs, session: { key: flowSessionKey({ mcpSessionId: id, agentId: agent.id }), mcpSessionId: id, era: 'legacy' }, peer, onError }),
      initialized: () => server.getClientCapabilities() !== undefined,
      lastSeen: Date.now(),
      close: async () => {
        if (closed) return;
        closed = true;
        removePeer();
        sessions.delete(id);
        await server.close().catch(() => undefined);
      },
    };
    transport.onclose = () => void session.close();
    await server.connect(transport);
    sessions.set(id, session);
    return session;
  }

  function sendError(res: ServerResponse, e: WardenError, id: string | number | null = null, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id, error: e.toJsonRpc() });
    res.writeHead(e.http, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function sendJson(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse, vs: string): Promise<void> {
    const edge = checkOrigin(req, policy) ?? checkProtocolVersion(req);
    if (edge) return sendError(res, edge);
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return sendError(res, new WardenError('WARDEN_METHOD_NOT_ALLOWED'), null, { allow: 'GET, POST, DELETE' });
    }

    const auth = await authenticator.authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
    if (!auth.ok) {
      // No upstream traffic and no body read for a request we will not serve.
      req.resume();
      return sendError(res, new WardenError(auth.code), null, { 'www-authenticate': auth.wwwAuthenticate });
    }
    const agent = auth.agent;
    const denied = endpoint?.(agent, vs);
    if (denied) {
      req.resume();
      return sendError(res, denied);
    }
    // The agent's token ends here: the SDK sees only who the agent is.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = { token: '', clientId: agent.id, scopes: [...agent.scopes], extra: { agent } };

    const sid = req.headers['mcp-session-id'];
    const sessionId = typeof sid === 'string' ? sid : undefined;

    const authInfo = (req as IncomingMessage & { auth?: AuthInfo }).auth;
    if (method !== 'POST') {
      if (!sessionId) return sendError(res, new WardenError('WARDEN_SESSION_REQUIRED'));
      const s = sessions.get(sessionId);
      if (!s || s.agentId !== agent.id || s.virtualServer !== vs) return sendError(res, new WardenError('WARDEN_SESSION_NOT_FOUND'));
      s.lastSeen = Date.now();
      if (method === 'DELETE') {
        await s.close();
        res.writeHead(200).end();
        return;
      }
      const accept = req.headers.accept ?? '';
      if (!accept.includes('text/event-stream')) return sendError(res, new WardenError('WARDEN_NOT_ACCEPTABLE'));
      return s.transport.handleGet(res);
    }

    const ct = req.headers['content-type'];
    if (!ct || !/^application\/json\b/i.test(ct)) {
      req.resume();
      return sendError(res, new WardenError('WARDEN_UNSUPPORTED_MEDIA_TYPE'));
    }
    const body = await readBody(req, cfg.maxBodyBytes);
    const msg = parseMessage(body, cfg.maxJsonDepth);
    const id = msg.kind === 'request' ? msg.id : null;

    if (sessionId) {
      const s = sessions.get(sessionId);
      // A session belongs to the agent that opened it; anyone else gets "not found".
      if (!s || s.agentId !== agent.id || s.virtualServer !== vs) return sendError(res, new WardenError('WARDEN_SESSION_NOT_FOUND'), id);
      s.lastSeen = Date.now();
      if (msg.kind === 'request' && msg.method === 'tools/call' && s.initialized() && gateway.allUpstreamsLegacy()) {
        return s.direct(res, msg.id, msg.params);
      }
      return s.transport.handlePost(req, res, msg.raw as JSONRPCMessage, authInfo, false);
    }
    if (msg.kind === 'request' && msg.method === 'initialize') {
      const s = await newSession(agent, vs);
      return s.transport.handlePost(req, res, msg.raw as JSONRPCMessage, authInfo, true);
    }
    if (!isModern(req, msg)) return sendError(res, new WardenError('WARDEN_SESSION_REQUIRED'), id);
    return modernFor(vs).node(req as never, res as never, msg.raw);
  }

  const server = createServer(async (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://warden');
    } catch {
      return sendError(res, new WardenError('WARDEN_NOT_FOUND'));
    }
    try {
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const ready = gateway.ready();
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', upstreams: gateway.status() });
      }
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      const m = MCP_PATH.exec(url.pathname);
      if (m) return await handleMcp(req, res, m[1] ?? 'default');
      req.resume();
      return sendError(res, new WardenError('WARDEN_NOT_FOUND'));
    } catch (err) {
      if (isWardenError(err)) return sendError(res, err);
      log.error({ err: (err as Error)?.message, stack: (err as Error)?.stack }, 'unhandled error in HTTP handler');
      return sendError(res, new WardenError('WARDEN_INTERNAL'));
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // SSE streams and held calls stay open; calls have their own timeouts.

  return {
    server,
    sessions,
    setAuth(a, e) {
      authenticator = a;
      endpoint = e;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      });
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((s) => s.close()));
      await Promise.all([...modernByVs.values()].map((m) => m.handler.close()));
      // Keep-alive sockets would hold close() open until they time out: drop them as we close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
