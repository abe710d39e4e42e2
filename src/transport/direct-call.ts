/**
 * The hot path: a `tools/call` on an initialized 2025-era session, answered by Warden without
 * the SDK Server's per-request dispatch (its schema parsing and handler wrapping were the
 * largest single share of a call's CPU in profiles). Everything else in the session — initialize,
 * lists, logging level, server-to-client requests and their answers, notifications — stays with
 * the SDK `Server` on the same transport, and in-call relays use it: sampling and elicitation go
 * out through `server.request` tied to this call's stream.
 *
 * The edge has already checked the body; this checks the `tools/call` params shape. Used only
 * while every upstream speaks the 2025 era, since the SDK's legacy shim is what turns a 2026
 * `input_required` result into real requests for a 2025 client.
 */
import type { Server, JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { ServerResponse } from 'node:http';
import { WardenError, isWardenError } from '../errors/index.ts';
import type { Gateway, Peer } from '../gateway/index.ts';
import type { AgentIdentity, SessionRef } from '../pipeline/index.ts';
import { passthrough } from '../upstreams/passthrough.ts';
import { TOOL_ERROR_CODES, toolErrorResult } from './mcp-server.ts';
import type { SessionTransport } from './session-transport.ts';

export interface DirectCallOptions {
  readonly gateway: Gateway;
  readonly server: Server;
  readonly transport: SessionTransport;
  readonly agent: AgentIdentity;
  readonly virtualServer: string;
  readonly session: SessionRef;
  readonly peer: Peer;
  readonly onError: (err: Error) => void;
}

export type DirectCall = (res: ServerResponse, id: RequestId, params: unknown) => Promise<void>;

export function createDirectCall(o: DirectCallOptions): DirectCall {
  const { gateway, server, transport } = o;
  const reply = (id: RequestId, body: { result: unknown } | { error: unknown }) =>
    transport.send({ jsonrpc: '2.0', id, ...body } as JSONRPCMessage);

  return async (res, id, rawParams) => {
    const signal = transport.openDirect(res, id);
    const params = rawParams as { name?: unknown; arguments?: unknown } | undefined;
    if (!params || typeof params.name !== 'string' || (params.arguments !== undefined && (typeof params.arguments !== 'object' || params.arguments === null || Array.isArray(params.arguments)))) {
      await reply(id, { error: new WardenError('WARDEN_INVALID_PARAMS', 'tools/call needs a string name and object arguments').toJsonRpc() });
      return;
    }
    try {
      const result = await gateway.handle({
        method: 'tools/call',
        params: { ...(params as Record<string, unknown>) },
        id,
        agent: o.agent,
        session: o.session,
        virtualServer: o.virtualServer,
        signal,
        peer: o.peer,
        channel: {
          notify: (method, p) => transport.send({ jsonrpc: '2.0', method, ...(p ? { params: p } : {}) } as JSONRPCMessage, { relatedRequestId: id }),
          request: (method, p, s) => server.request({ method, params: p } as never, passthrough, { relatedRequestId: id, signal: s }) as Promise<Record<string, unknown>>,
          clientCapabilities: server.getClientCapabilities() as Record<string, unknown> | undefined,
        },
      });
      await reply(id, { result });
    } catch (err) {
      const e = isWardenError(err) ? err : new WardenError('WARDEN_INTERNAL');
      if (!isWardenError(err)) o.onError(err as Error);
      if (signal.aborted) {
        // The client is gone or cancelled: no answer is expected; close the call's stream.
        if (!res.writableEnded) res.end();
        return;
      }
      await reply(id, TOOL_ERROR_CODES.has(e.code) ? { result: toolErrorResult(e) } : { error: e.toJsonRpc() });
    }
  };
}
