/**
 * Downstream peers: what the gateway needs from a connected agent, whatever the transport.
 * A peer is one MCP session (2025 era), one stdio connection, or one request (2026 era).
 */
export interface Peer {
  readonly id: string;
  readonly agentId: string;
  /** Session-level notification (list_changed, resources/updated). Never throws. */
  notify(method: string, params?: Record<string, unknown>): void;
  /** Exposed resource URIs this peer subscribed to. */
  readonly subscriptions: Set<string>;
}

/** The in-call channel back to the agent: relays that belong to one request. */
export interface CallChannel {
  /** Sends a notification related to the request (progress, logging). */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Sends a server-to-client request related to the request (sampling, elicitation). */
  request(method: string, params: unknown, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Capabilities the agent's client declared. */
  readonly clientCapabilities: Record<string, unknown> | undefined;
}
