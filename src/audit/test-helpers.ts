/**
 * Test fixtures for the audit folder: a finished CallContext and an in-memory database.
 * Not imported by production code.
 */
import Database from 'better-sqlite3';
import type { CallContext, RuleHit } from '../pipeline/types.ts';
import { WardenError } from '../errors/index.ts';
import type { ErrorCode } from '../errors/index.ts';

export function memoryDb(): Database.Database {
  return new Database(':memory:');
}

export interface CtxInit {
  agent?: string;
  session?: string;
  server?: string;
  tool?: string;
  method?: string;
  args?: unknown;
  result?: Record<string, unknown>;
  error?: ErrorCode;
  hits?: RuleHit[];
  state?: Record<string, unknown>;
  requestId?: string | number;
}

let n = 0;
export function makeCtx(i: CtxInit = {}): CallContext {
  const server = i.server ?? 'tickets';
  const tool = i.tool ?? 'get_ticket';
  return {
    requestId: i.requestId ?? ++n,
    method: i.method ?? 'tools/call',
    agent: { id: i.agent ?? 'support-bot', roles: ['support'], via: 'api_key', scopes: [] },
    session: { key: i.session ?? 'sess-1', mcpSessionId: i.session ?? 'sess-1', era: 'legacy' },
    virtualServer: 'default',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    signal: new AbortController().signal,
    startedAt: performance.now(),
    params: { name: `${server}__${tool}`, arguments: i.args ?? { id: 42 } },
    target: { kind: 'tool', server, name: tool, exposed: `${server}__${tool}`, labels: new Set(['private_data']) },
    result: i.result,
    error: i.error ? new WardenError(i.error) : undefined,
    hits: i.hits ?? [],
    timings: { authorize: 3, forward: 120 },
    state: new Map(Object.entries(i.state ?? {})),
    progress: () => {},
  };
}
