/**
 * The server side of one 2025-11-25 Streamable HTTP session, on node:http directly.
 *
 * Why not the SDK's NodeStreamableHTTPServerTransport: it converts every Node request to a web
 * `Request` and back (@hono/node-server) and re-reads the body; measured here that is ~120 µs of
 * a gateway call's CPU, before any work. Warden has already read, size-checked and parsed the
 * body at the edge, so this transport only routes messages: each POSTed request gets its own SSE
 * response carrying the messages related to it and ends with its answer; notifications and
 * responses get 202; the GET stream carries everything unrelated; DELETE ends the session.
 * It implements the SDK `Transport` contract, so the SDK `Server` still speaks the protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, JSONRPCMessage, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';

interface Stream {
  readonly res: ServerResponse;
  open: boolean;
}

export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: { authInfo?: AuthInfo }) => void;
  readonly sessionId: string;

  /** Open POST streams by JSON-RPC request id (as a string key: ids may be numbers or strings). */
  private readonly byRequest = new Map<string, Stream>();
  private standalone: Stream | undefined;
  /** Calls Warden answers itself (see direct-call.ts), aborted on disconnect or `notifications/cancelled`. */
  private readonly directCalls = new Map<string, AbortController>();
  private closed = false;
  private readonly keepAliveMs: number;

  constructor(sessionId: string, opts: { keepAliveMs?: number } = {}) {
    this.sessionId = sessionId;
    this.keepAliveMs = opts.keepAliveMs ?? 15_000;
  }

  async start(): Promise<void> {}

  /** A POST whose body the edge has parsed and checked. */
  handlePost(req: IncomingMessage, res: ServerResponse, message: JSONRPCMessage, authInfo: AuthInfo | undefined, isInitialize: boolean): void {
    const m = message as { id?: RequestId; method?: string };
    if (m.method === undefined || m.id === undefined) {
      // A notification, or the client's answer to a request of ours.
      res.writeHead(202).end();
      if (m.method === 'notifications/cancelled') {
        const rid = (message as { params?: { requestId?: RequestId } }).params?.requestId;
        if (rid !== undefined) this.directCalls.get(String(rid))?.abort('cancelled by the client');
      }
      this.onmessage?.(message, authInfo ? { authInfo } : undefined);
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    };
    if (isInitialize) headers['mcp-session-id'] = this.sessionId;
    res.writeHead(200, headers);
    const stream: Stream = { res, open: true };
    const key = String(m.id);
    this.byRequest.set(key, stream);
    // The client went away: the SDK aborts the handler, which cancels the upstream call.
    res.on('close', () => {
      stream.open = false;
      if (this.byRequest.get(key) === stream) {
        this.byRequest.delete(key);
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: m.id, reason: 'client disconnected' } } as JSONRPCMessage);
      }
    });
    void req;
    this.onmessage?.(message, authInfo ? { authInfo } : undefined);
  }

  /**
   * Opens the SSE response for a request Warden answers without the SDK's dispatch; messages
   * related to it and its answer travel through `send` as for any other request. The signal
   * aborts when the client disconnects or cancels.
   */
  openDirect(res: ServerResponse, id: RequestId): AbortSignal {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' });
    const stream: Stream = { res, open: true };
    const key = String(id);
    const ac = new AbortController();
    this.byRequest.set(key, stream);
    this.directCalls.set(key, ac);
    res.on('close', () => {
      stream.open = false;
      this.directCalls.delete(key);
      if (this.byRequest.get(key) === stream) {
        this.byRequest.delete(key);
        ac.abort('client disconnected');
      }
    });
    return ac.signal;
  }

  /** The standalone GET stream for messages not tied to a request. One at a time, as the spec says. */
  handleGet(res: ServerResponse): void {
    if (this.standalone?.open) {
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Conflict: only one SSE stream is allowed per session' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    const stream: Stream = { res, open: true };
    this.standalone = stream;
    const ping = this.keepAliveMs > 0 ? setInterval(() => stream.open && res.write(': keep-alive\n\n'), this.keepAliveMs) : undefined;
    ping?.unref();
    res.on('close', () => {
      stream.open = false;
      clearInterval(ping);
      if (this.standalone === stream) this.standalone = undefined;
    });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return;
    const m = message as { id?: RequestId; method?: string; result?: unknown; error?: unknown };
    const isResponse = m.method === undefined && m.id !== undefined;
    const related = isResponse ? m.id : options?.relatedRequestId;
    const key = related === undefined ? undefined : String(related);
    const stream = key === undefined ? this.standalone : this.byRequest.get(key);
    if (!stream?.open) {
      // No stream to carry it: an unrelated notification with no GET stream open is dropped,
      // as the spec allows; a response whose client left has nobody to read it.
      return;
    }
    const frame = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
    if (isResponse) {
      this.byRequest.delete(key!);
      stream.open = false;
      stream.res.end(frame);
    } else {
      stream.res.write(frame);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.byRequest.values()) if (s.open) s.res.end();
    this.byRequest.clear();
    if (this.standalone?.open) this.standalone.res.end();
    this.onclose?.();
  }
}
