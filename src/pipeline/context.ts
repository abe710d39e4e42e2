/**
 * A CallContext for a `tools/call` built outside the edge: offline replays of recorded sessions
 * (flow/replay.ts) and tests. One builder, so a new CallContext field is added in one place.
 */
import type { CallContext } from './types.ts';

export interface ToolCallInit {
  readonly server?: string;
  readonly tool?: string;
  readonly args?: Record<string, unknown>;
  readonly labels?: Iterable<string>;
}

/** A local agent calling `server__tool` with `args`; everything else empty. Fields in `over` win. */
export function toolCallContext(init: ToolCallInit = {}, over: Partial<CallContext> = {}): CallContext {
  const server = init.server ?? 'server';
  const tool = init.tool ?? 'tool';
  return {
    requestId: 1,
    method: 'tools/call',
    agent: { id: 'a', roles: [], via: 'local', scopes: [] },
    session: { key: 's', mcpSessionId: undefined, era: 'legacy' },
    virtualServer: 'default',
    traceId: '0'.repeat(32),
    signal: new AbortController().signal,
    startedAt: 0,
    params: { name: `${server}__${tool}`, arguments: init.args ?? {} },
    target: { kind: 'tool', server, name: tool, exposed: `${server}__${tool}`, labels: new Set(init.labels ?? []) },
    result: undefined,
    error: undefined,
    hits: [],
    timings: {},
    state: new Map(),
    progress: () => undefined,
    ...over,
  };
}
