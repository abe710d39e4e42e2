/**
 * Test helpers for the approvals module: a fake clock whose timers fire when time is advanced
 * (no sleeping), a CallContext builder, and config parsing.
 */
import { toolCallContext } from '../pipeline/context.ts';
import Database from 'better-sqlite3';
import type { CallContext } from '../pipeline/index.ts';
import type { Timers } from './approvals.ts';
import { approvalsConfigSchema, type ApprovalsConfig, type ApprovalsConfigInput } from './config.ts';
import { createApprovals, type Approvals } from './index.ts';

export const ALICE = 'alice-token-0123456789abcdef';
export const BOB = 'bob-token-0123456789abcdef-db';
export const LINK_KEY = 'k'.repeat(40);

export class FakeClock implements Timers {
  t = 1_700_000_000_000;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const h = ++this.seq;
    this.due.set(h, { at: this.t + ms, fn });
    return h;
  };
  clearTimeout = (h: unknown): void => {
    this.due.delete(h as number);
  };
  /** Timers still scheduled. */
  get pending(): number {
    return this.due.size;
  }
  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.due) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.due.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export function approvalsConfig(over: Partial<ApprovalsConfigInput> = {}): ApprovalsConfig {
  return approvalsConfigSchema.parse({
    approvers: [
      { name: 'alice', token: ALICE },
      { name: 'bob', token: BOB, servers: ['db'], rules: ['delete-*'] },
    ],
    ...over,
  });
}

export interface CtxOptions {
  agent?: string;
  session?: string;
  server?: string;
  tool?: string;
  args?: Record<string, unknown>;
  labels?: string[];
  state?: Record<string, unknown>;
}

export type TestCtx = CallContext & { readonly controller: AbortController; readonly progressed: [number, string | undefined][] };

export function makeCtx(o: CtxOptions = {}): TestCtx {
  const controller = new AbortController();
  const progressed: [number, string | undefined][] = [];
  const ctx = toolCallContext(
    { server: o.server ?? 'files', tool: o.tool ?? 'delete_file', args: o.args ?? { path: '/tmp/x' }, labels: o.labels ?? [] },
    {
      agent: { id: o.agent ?? 'agent-1', roles: [], via: 'api_key', scopes: [] },
      session: { key: o.session ?? 'mcp:s1', mcpSessionId: 's1', era: 'legacy' },
      signal: controller.signal,
      state: new Map(Object.entries(o.state ?? {})),
      progress: (p, m) => void progressed.push([p, m]),
    },
  );
  return Object.assign(ctx, { controller, progressed });
}

export function setup(over: Partial<ApprovalsConfigInput> = {}, db = new Database(':memory:'), clock = new FakeClock()) {
  const approvals: Approvals = createApprovals({ db, config: approvalsConfig(over), now: clock.now, timers: clock });
  return { db, clock, approvals };
}

/** Lets pending promise callbacks run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
