/**
 * How a call's flow-state key is derived (the lead builds `ctx.session.key` with this):
 *
 * 1. 2025-era clients (stateful): the MCP session id → `mcp:<id>`. A reconnect that resumes the
 *    same `Mcp-Session-Id` keeps its taint.
 * 2. 2026-07-28 clients (stateless): a conversation id the client sends, in the
 *    `Warden-Conversation-Id` header or `params._meta["warden/conversation"]` (the header wins),
 *    scoped to the agent so one agent cannot read or write another's state →
 *    `conv:<agent>:<conversation>`. Ids must be 1-128 printable ASCII characters; others are ignored.
 * 3. Otherwise the agent identity → `agent:<agent>`. The "window" is the store's idle TTL
 *    (`flows.session.ttlMs`): state lives while the agent keeps calling and is dropped after that
 *    long idle. A sliding window, not fixed buckets: a bucket boundary would forget taint
 *    mid-conversation, and we err on the side of more taint.
 *
 * Known limit: a stateless client that invents a fresh conversation id per call starts clean
 * each time. The id comes from client code, not from the model, but a gateway that distrusts
 * its clients should key such agents by identity (omit the conversation id).
 */

export const CONVERSATION_HEADER = 'warden-conversation-id';
export const CONVERSATION_META_KEY = 'warden/conversation';

const ID = /^[\x21-\x7e]{1,128}$/;

export interface SessionKeyInput {
  readonly mcpSessionId?: string | undefined;
  /** Lower-cased header name → value. */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** `params._meta` of the request. */
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
  readonly agentId: string;
}

/** The conversation id a stateless client sent, if any and well-formed. */
export function conversationId(input: Pick<SessionKeyInput, 'headers' | 'meta'>): string | undefined {
  const h = input.headers?.[CONVERSATION_HEADER];
  const fromHeader = Array.isArray(h) ? h[0] : h;
  if (typeof fromHeader === 'string' && ID.test(fromHeader)) return fromHeader;
  const m = input.meta?.[CONVERSATION_META_KEY];
  return typeof m === 'string' && ID.test(m) ? m : undefined;
}

/** The flow-state key for a call (see the module comment for the rules). */
export function flowSessionKey(input: SessionKeyInput): string {
  if (input.mcpSessionId) return `mcp:${input.mcpSessionId}`;
  const conv = conversationId(input);
  if (conv) return `conv:${input.agentId}:${conv}`;
  return `agent:${input.agentId}`;
}
