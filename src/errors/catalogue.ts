/**
 * The error catalogue: every error Warden can return, with a stable code users can grep,
 * the JSON-RPC code, the HTTP status, and a message that is safe to show an agent.
 *
 * Codes are never reused or renumbered. `docs/errors.md` lists exactly these codes;
 * `catalogue.test.ts` keeps the two in step.
 */

/** JSON-RPC 2.0 and MCP error codes used below. */
export const JsonRpc = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: resource not found (2025-11-25 §resources). */
  ResourceNotFound: -32002,
  /** Implementation-defined server errors (-32000..-32099). */
  ServerError: -32000,
  Unauthorized: -32001,
  Forbidden: -32003,
  UpstreamUnavailable: -32004,
  Timeout: -32005,
  Held: -32006,
} as const;

export interface ErrorSpec {
  /** JSON-RPC error code sent to the agent. */
  readonly rpc: number;
  /** HTTP status when the error ends the HTTP exchange itself (before a JSON-RPC result is possible). */
  readonly http: number;
  /** Message safe to show an agent: never includes secrets, tokens or blocked content. */
  readonly message: string;
  /** One line for docs/errors.md: when this happens. */
  readonly when: string;
}

export const ERRORS = {
  // --- transport and protocol ---
  WARDEN_PARSE_ERROR: { rpc: JsonRpc.ParseError, http: 400, message: 'Parse error: body is not valid JSON', when: 'The request body is not valid JSON.' },
  WARDEN_INVALID_REQUEST: { rpc: JsonRpc.InvalidRequest, http: 400, message: 'Invalid request', when: 'The body is JSON but not a valid JSON-RPC 2.0 request or notification.' },
  WARDEN_BATCH_UNSUPPORTED: { rpc: JsonRpc.InvalidRequest, http: 400, message: 'JSON-RPC batches are not supported', when: 'The body is a JSON array (batching was removed from MCP in 2025-06-18).' },
  WARDEN_BODY_TOO_LARGE: { rpc: JsonRpc.InvalidRequest, http: 413, message: 'Request body too large', when: 'The body exceeds `server.maxBodyBytes`.' },
  WARDEN_TOO_DEEP: { rpc: JsonRpc.InvalidRequest, http: 400, message: 'Request nesting too deep', when: 'The JSON nests deeper than `server.maxJsonDepth`.' },
  WARDEN_UNSUPPORTED_MEDIA_TYPE: { rpc: JsonRpc.InvalidRequest, http: 415, message: 'Content-Type must be application/json', when: 'A POST without `Content-Type: application/json`.' },
  WARDEN_NOT_ACCEPTABLE: { rpc: JsonRpc.InvalidRequest, http: 406, message: 'Accept must include application/json and text/event-stream', when: 'A POST whose `Accept` header lacks the types the transport requires.' },
  WARDEN_METHOD_NOT_ALLOWED: { rpc: JsonRpc.InvalidRequest, http: 405, message: 'HTTP method not allowed', when: 'An HTTP method the MCP endpoint does not serve.' },
  WARDEN_BAD_PROTOCOL_VERSION: { rpc: JsonRpc.InvalidRequest, http: 400, message: 'Unsupported MCP-Protocol-Version', when: 'The `MCP-Protocol-Version` header names a version Warden does not speak.' },
  WARDEN_SESSION_REQUIRED: { rpc: JsonRpc.InvalidRequest, http: 400, message: 'Bad Request: Mcp-Session-Id header is required', when: 'A 2025-era request other than `initialize` without `Mcp-Session-Id`.' },
  WARDEN_SESSION_NOT_FOUND: { rpc: JsonRpc.InvalidRequest, http: 404, message: 'Session not found', when: 'The `Mcp-Session-Id` is unknown or expired; the client must initialize again.' },
  WARDEN_BAD_ORIGIN: { rpc: JsonRpc.InvalidRequest, http: 403, message: 'Forbidden: Origin not allowed', when: 'The `Origin` header is not in `server.allowedOrigins` (DNS-rebinding protection).' },
  WARDEN_BAD_HOST: { rpc: JsonRpc.InvalidRequest, http: 403, message: 'Forbidden: Host not allowed', when: 'The `Host` header is not in `server.allowedHosts` (DNS-rebinding protection).' },
  WARDEN_NOT_FOUND: { rpc: JsonRpc.InvalidRequest, http: 404, message: 'Not found', when: 'An HTTP path Warden does not serve.' },
  WARDEN_METHOD_NOT_FOUND: { rpc: JsonRpc.MethodNotFound, http: 200, message: 'Method not found', when: 'A JSON-RPC method Warden does not relay.' },
  WARDEN_INVALID_PARAMS: { rpc: JsonRpc.InvalidParams, http: 200, message: 'Invalid params', when: 'The params of a known method do not match its schema.' },
  WARDEN_SHUTTING_DOWN: { rpc: JsonRpc.ServerError, http: 503, message: 'Gateway is shutting down', when: 'A new request arrived after SIGTERM; in-flight calls still finish.' },

  // --- routing and upstreams ---
  WARDEN_UNKNOWN_TOOL: { rpc: JsonRpc.InvalidParams, http: 200, message: 'Unknown tool', when: 'The tool does not exist, or exists but is hidden from this agent (the two are indistinguishable).' },
  WARDEN_UNKNOWN_RESOURCE: { rpc: JsonRpc.InvalidParams, http: 200, message: 'Resource not found', when: 'The resource URI belongs to no upstream, or to one hidden from this agent.' },
  WARDEN_UNKNOWN_PROMPT: { rpc: JsonRpc.InvalidParams, http: 200, message: 'Unknown prompt', when: 'The prompt does not exist, or is hidden from this agent.' },
  WARDEN_UPSTREAM_UNAVAILABLE: { rpc: JsonRpc.UpstreamUnavailable, http: 200, message: 'Upstream server unavailable', when: 'The upstream that owns the tool is down or restarting.' },
  WARDEN_UPSTREAM_TIMEOUT: { rpc: JsonRpc.Timeout, http: 200, message: 'Upstream call timed out', when: 'The upstream did not answer within `timeoutMs` (reset on progress).' },
  WARDEN_UPSTREAM_ERROR: { rpc: JsonRpc.InternalError, http: 200, message: 'Upstream error', when: 'The upstream failed in a way that is not a JSON-RPC error of its own (its own errors are relayed as they are).' },
  WARDEN_UPSTREAM_AUTH_FAILED: { rpc: JsonRpc.UpstreamUnavailable, http: 200, message: 'Upstream unavailable: Warden could not obtain its own credential for it', when: 'The token endpoint for the upstream’s OAuth client credentials refused, timed out or answered garbage (no secret or token appears in the message).' },
  WARDEN_CANCELLED: { rpc: JsonRpc.ServerError, http: 200, message: 'Request cancelled', when: 'The agent cancelled the request, or the upstream cancelled a request it had sent.' },

  // --- identity and authorization (issue 3) ---
  WARDEN_UNAUTHENTICATED: { rpc: JsonRpc.Unauthorized, http: 401, message: 'Authentication required', when: 'No credential, or a credential that cannot be verified (bad signature, expired, wrong issuer or audience, revoked key).' },
  WARDEN_INSUFFICIENT_SCOPE: { rpc: JsonRpc.Forbidden, http: 403, message: 'Insufficient scope', when: 'A valid token that lacks the scope the request needs.' },
  WARDEN_FORBIDDEN: { rpc: JsonRpc.Forbidden, http: 403, message: 'Forbidden', when: 'An authenticated agent that may not use this endpoint or virtual server.' },
  WARDEN_ARGUMENTS_DENIED: { rpc: JsonRpc.Forbidden, http: 200, message: 'Arguments not allowed by policy', when: 'A granted tool called with arguments its grant condition does not allow.' },

  // --- inspection, flow, approval (issues 4-6) ---
  WARDEN_GUARDRAIL_BLOCKED: { rpc: JsonRpc.Forbidden, http: 200, message: 'Blocked by guardrail', when: 'A guardrail rule blocked the arguments or the result.' },
  WARDEN_FLOW_BLOCKED: { rpc: JsonRpc.Forbidden, http: 200, message: 'Blocked by flow rule', when: 'A flow rule (trifecta, sequence, destination) blocked the call.' },
  WARDEN_APPROVAL_DENIED: { rpc: JsonRpc.Forbidden, http: 200, message: 'Denied by approver', when: 'A person denied the held call.' },
  WARDEN_APPROVAL_TIMEOUT: { rpc: JsonRpc.Forbidden, http: 200, message: 'Approval timed out', when: 'Nobody decided on the held call within the approval timeout.' },
  WARDEN_GUARDRAIL_UNAVAILABLE: { rpc: JsonRpc.InternalError, http: 200, message: 'Request denied: a guardrail detector or classifier failed', when: 'A detector threw or an external classifier timed out or answered garbage; the call fails closed unless the rule says failOpen.' },
  WARDEN_INSPECTION_LIMIT: { rpc: JsonRpc.Forbidden, http: 200, message: 'Arguments or result exceed the inspection bounds', when: 'More string leaves, characters, nesting, payload size or encoded layers than `guardrails.limits` allows (or, for the secrets detector, JSON text whose names, repeated for each element of a list, come to more than twice `maxChars`); content that cannot be inspected is not passed.' },
  WARDEN_TOOL_QUARANTINED: { rpc: JsonRpc.InvalidParams, http: 200, message: 'Unknown tool', when: 'Internal reason for a tool hidden because its definition changed; the agent sees it as unknown.' },

  // --- approval channels (admin API, signed links, CLI): answers to people, not agents ---
  WARDEN_APPROVAL_NOT_FOUND: { rpc: JsonRpc.InvalidParams, http: 404, message: 'Unknown approval request', when: 'An approval id that does not exist.' },
  WARDEN_APPROVAL_ALREADY_DECIDED: { rpc: JsonRpc.InvalidRequest, http: 409, message: 'Approval request already decided', when: 'Approved or denied twice, a replayed link, or the losing side of an approve/deny race; nothing runs twice.' },
  WARDEN_APPROVAL_EXPIRED: { rpc: JsonRpc.InvalidRequest, http: 410, message: 'Approval request expired', when: 'The request timed out, or an orphaned request (its call is gone after a restart) is past its expiry.' },
  WARDEN_APPROVAL_FORBIDDEN: { rpc: JsonRpc.Forbidden, http: 403, message: 'Not allowed to decide this request', when: 'The approver is outside their rules or servers, or is the requesting agent.' },
  WARDEN_APPROVAL_LINK_INVALID: { rpc: JsonRpc.Forbidden, http: 403, message: 'Invalid approval link', when: 'A forged or malformed signed approve/deny link.' },
  WARDEN_APPROVAL_LINK_EXPIRED: { rpc: JsonRpc.InvalidRequest, http: 410, message: 'Approval link expired', when: 'The signed link is past its expiry.' },
  WARDEN_APPROVAL_UNAVAILABLE: { rpc: JsonRpc.InternalError, http: 503, message: 'Approval store unavailable', when: 'The approvals store cannot be read or written; held calls are denied.' },

  // --- internal ---
  WARDEN_STAGE_FAILED: { rpc: JsonRpc.InternalError, http: 200, message: 'Request denied: a gateway check failed', when: 'A pipeline stage threw; the call fails closed.' },
  WARDEN_AUDIT_UNAVAILABLE: { rpc: JsonRpc.InternalError, http: 200, message: 'Request denied: audit store unavailable', when: 'The audit record could not be made durable; the call fails closed.' },
  WARDEN_INTERNAL: { rpc: JsonRpc.InternalError, http: 500, message: 'Internal error', when: 'A bug. The request is refused; details are in the log, never in the response.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error Warden returns to an agent. `code` is the catalogue code; `data` goes into the
 * JSON-RPC error's `data` and must be safe to show the agent.
 */
export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly rpc: number;
  readonly http: number;
  readonly data: unknown;
  /** True for an upstream's own JSON-RPC error relayed as it was. */
  readonly isRelayed: boolean;

  constructor(code: ErrorCode, detail?: string, data?: Record<string, unknown>) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'WardenError';
    this.code = code;
    this.rpc = spec.rpc;
    this.http = spec.http;
    this.data = data;
    this.isRelayed = false;
  }

  /**
   * An upstream's own JSON-RPC error, relayed with its code, message and data (the agent talks
   * to the tool through Warden and should see the tool's own errors), filed as WARDEN_UPSTREAM_ERROR.
   */
  static relayed(rpc: number, message: string, data?: unknown): WardenError {
    const e = new WardenError('WARDEN_UPSTREAM_ERROR');
    return Object.assign(Object.create(WardenError.prototype) as WardenError, e, {
      message, rpc, data, isRelayed: true, stack: e.stack,
    });
  }

  /** The JSON-RPC `error` member for this error. */
  toJsonRpc(): { code: number; message: string; data?: unknown } {
    if (this.isRelayed) {
      return this.data === undefined ? { code: this.rpc, message: this.message } : { code: this.rpc, message: this.message, data: this.data };
    }
    return { code: this.rpc, message: this.message, data: { code: this.code, ...(this.data as object | undefined) } };
  }
}

export function isWardenError(e: unknown): e is WardenError {
  return e instanceof WardenError;
}
