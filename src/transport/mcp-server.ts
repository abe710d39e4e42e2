/**
 * The downstream face: an SDK `Server` whose handlers hand every request to the gateway.
 * One instance serves one 2025-era session (HTTP or stdio), or one 2026-era request.
 * The SDK speaks the protocol (initialize, discover, envelopes, multi round-trip, logging level,
 * ping); Warden decides and relays.
 */
import { Server, ProtocolError } from '@modelcontextprotocol/server';
import type { ServerContext } from '@modelcontextprotocol/server';
import { WardenError, isWardenError } from '../errors/index.ts';
import type { Gateway, CallChannel, Peer } from '../gateway/index.ts';
import type { AgentIdentity, SessionRef } from '../pipeline/index.ts';
import { passthrough } from '../upstreams/passthrough.ts';

export interface DownstreamOptions {
  readonly agent: AgentIdentity;
  readonly virtualServer: string;
  /** The flow-state session for a request (MCP session id, conversation id, or agent window). */
  readonly session: (ctx: ServerContext) => SessionRef;
  readonly peer?: Peer;
  readonly onError?: (err: Error) => void;
}

const RELAYED_METHODS = [
  'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'resources/list', 'resources/templates/list',
  'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete',
] as const;

/**
 * On tools/call these come back as tool errors the model can read (MCP: tool execution errors),
 * as the SDK's own servers answer an unknown tool. A hidden tool answers exactly like an unknown one.
 */
export const TOOL_ERROR_CODES: ReadonlySet<string> = new Set(['WARDEN_UNKNOWN_TOOL', 'WARDEN_ARGUMENTS_DENIED', 'WARDEN_INSPECTION_LIMIT', 'WARDEN_GUARDRAIL_BLOCKED', 'WARDEN_FLOW_BLOCKED', 'WARDEN_APPROVAL_DENIED', 'WARDEN_APPROVAL_TIMEOUT']);

export function toProtocolError(e: WardenError): ProtocolError {
  const j = e.toJsonRpc();
  return new ProtocolError(j.code, j.message, j.data);
}

export function toolErrorResult(e: WardenError): Record<string, unknown> {
  return {
    content: [{ type: 'text', text: `${e.message} [${e.code}]` }],
    isError: true,
    _meta: { 'warden/error': { code: e.code, ...(e.data as object | undefined) } },
  };
}

export function createDownstreamServer(gateway: Gateway, opts: DownstreamOptions): Server {
  const server = new Server(
    { name: 'warden', version: '0.1.0' },
    {
      capabilities: gateway.capabilities,
      instructions: 'Warden MCP gateway: tools from several servers, namespaced as <server>__<tool>.',
    },
  );

  const channelFor = (ctx: ServerContext): CallChannel => ({
    notify: (method, params) => ctx.mcpReq.notify({ method, params } as never).catch(() => undefined),
    request: (method, params, signal) =>
      ctx.mcpReq.send({ method, params } as never, passthrough, { signal }) as Promise<Record<string, unknown>>,
    clientCapabilities: (ctx.mcpReq.envelope as { clientCapabilities?: Record<string, unknown> } | undefined)?.clientCapabilities
      ?? (server.getClientCapabilities() as Record<string, unknown> | undefined),
  });

  for (const method of RELAYED_METHODS) {
    server.setRequestHandler(method, (async (request: { params?: Record<string, unknown> }, ctx: ServerContext) => {
      const params: Record<string, unknown> = { ...(request.params ?? {}) };
      // 2026-07-28 multi round-trip: the SDK lifts these out; the upstream needs them back.
      if (ctx.mcpReq.inputResponses) params.inputResponses = ctx.mcpReq.inputResponses;
      const state = ctx.mcpReq.requestState<string>();
      if (typeof state === 'string') params.requestState = state;
      try {
        return await gateway.handle({
          method,
          params,
          id: ctx.mcpReq.id,
          agent: opts.agent,
          session: opts.session(ctx),
          virtualServer: opts.virtualServer,
          signal: ctx.mcpReq.signal,
          channel: channelFor(ctx),
          ...(opts.peer ? { peer: opts.peer } : {}),
        });
      } catch (err) {
        const e = isWardenError(err) ? err : new WardenError('WARDEN_INTERNAL');
        if (!isWardenError(err)) opts.onError?.(err as Error);
        if (method === 'tools/call' && TOOL_ERROR_CODES.has(e.code)) return toolErrorResult(e);
        throw toProtocolError(e);
      }
    }) as never);
  }
  return server;
}
