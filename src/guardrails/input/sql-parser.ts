/**
 * node-sql-parser with a time bound. Its PEG grammars are exponential on some hostile shapes
 * (`select ( select ( … x` ten levels deep, 100 characters, takes over a second — the input bench
 * prints it — and each level multiplies it) and a parse cannot be interrupted, so untrusted text
 * is parsed in a worker thread (sql-parser-worker.mjs). Past the deadline the worker is
 * terminated, a warm spare takes its place and a new spare starts; the caller gets `timeout` and
 * reports the field as too complex to inspect (fail closed).
 *
 * Two ways to wait, each with its own workers (a reply is read by one of them only):
 * - `parseAsync` (the gateway: the guardrail stage calls the SQL detector's `scanAsync`): the
 *   reply is a message and the deadline a timer, so the gateway's thread serves other calls while
 *   a hostile parse runs out its budget;
 * - `parseBounded` (the synchronous `scan`: evals, benches, tests, callers without an event loop
 *   turn to spare): the thread waits on a shared flag with the deadline.
 * The cost is one message round trip per parse (tens of µs) on top of the parse itself.
 *
 * Workers are per process, per way of waiting and per dialect list, shared by every SQL detector
 * (config reloads build new detectors with the same list). `startParser` starts them and waits
 * for the first (the detector calls it when built, so the gateway pays the grammar load — 155 ms
 * in `scripts/bench-detectors-input.ts` — at start, not on a call). After that nothing waits for a
 * start: if every worker was used up by timeouts faster than spares start (the bench prints the
 * gap: 22–140 ms here), parses answer `unavailable` until one is up, so a client sending hostile
 * queries cannot make later calls pay for restarts.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export type ParseResult = { readonly ast: unknown[] } | 'syntax' | 'timeout' | 'unavailable';

export type WaitMode = 'sync' | 'async';

interface Reply {
  readonly seq: number;
  readonly ast?: unknown[];
}

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly ctrl: Int32Array;
  seq: number;
  dead: boolean;
  /** Async workers: the requests in flight, answered by the port's messages. */
  readonly pending: Map<number, (r: ParseResult) => void>;
}

/** Started or starting workers; the first ready one serves. */
type Pool = Slot[];

const WORKER_URL = new URL('./sql-parser-worker.mjs', import.meta.url);
const POOL_SIZE = 3; // one serving, two spares
/** How long the first start is waited for (grammar load and warm-up: 155 ms in the bench). */
const FIRST_START_MS = 10_000;
const pools = new Map<string, Pool>();

function spawn(dialects: readonly string[], mode: WaitMode): Slot {
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  // Plain ESM: no loader flags needed, and none inherited (the gateway may run under tsx).
  const worker = new Worker(WORKER_URL, { workerData: { port: port2, ctrl: ctrl.buffer, dialects }, transferList: [port2], execArgv: [] });
  const slot: Slot = { worker, port: port1, ctrl, seq: 0, dead: false, pending: new Map() };
  if (mode === 'async') {
    port1.on('message', (m: Reply) => {
      const done = slot.pending.get(m.seq);
      slot.pending.delete(m.seq);
      done?.(m.ast ? { ast: m.ast } : 'syntax');
    });
  }
  // Neither keeps the process alive (a pending parse's timer does, until it answers).
  worker.unref();
  port1.unref();
  const down = (): void => {
    slot.dead = true;
    settle(slot, 'unavailable');
  };
  worker.on('error', down);
  worker.on('exit', down);
  return slot;
}

const isReady = (s: Slot): boolean => !s.dead && Atomics.load(s.ctrl, 0) === 1;
const failed = (s: Slot): boolean => s.dead || Atomics.load(s.ctrl, 0) === 2;

/** Answers every request in flight on `slot` (it is going away). */
function settle(slot: Slot, r: ParseResult): void {
  const waiting = [...slot.pending.values()];
  slot.pending.clear();
  for (const done of waiting) done(r);
}

/** Stops a worker whose parse ran out of time; the pool starts a replacement. */
function retire(slot: Slot, dialects: readonly string[], mode: WaitMode): void {
  slot.dead = true;
  slot.port.close();
  void slot.worker.terminate();
  settle(slot, 'timeout');
  poolFor(dialects, mode); // starts a replacement; a spare already up serves the next call
}

function poolFor(dialects: readonly string[], mode: WaitMode): Pool {
  const key = `${mode}:${dialects.join(',')}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = []));
  // Replace the dead and the failed, keep POOL_SIZE workers started or starting.
  for (let i = pool.length - 1; i >= 0; i--) if (failed(pool[i]!)) pool.splice(i, 1);
  while (pool.length < POOL_SIZE) pool.push(spawn(dialects, mode));
  return pool;
}

/**
 * Starts the workers for `dialects` and waits (once per process, mode and list, at most 10 s) for
 * one to be ready. Returns whether one is.
 */
export function startParser(dialects: readonly string[], mode: WaitMode): boolean {
  const pool = poolFor(dialects, mode);
  if (pool.some(isReady)) return true;
  Atomics.wait(pool[0]!.ctrl, 0, 0, FIRST_START_MS);
  return pool.some(isReady);
}

/**
 * Parses `sql` in `database`'s grammar (one of `dialects`, the worker's grammar list), waiting at
 * most until `deadline` (a performance.now() time).
 */
export function parseBounded(sql: string, database: string, dialects: readonly string[], deadline: number): ParseResult {
  const pool = poolFor(dialects, 'sync');
  const s = pool.find(isReady);
  if (!s) return 'unavailable';
  const seq = ++s.seq;
  s.port.postMessage({ seq, sql, database });
  for (;;) {
    if (Atomics.load(s.ctrl, 1) === seq) break;
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(s.ctrl, 1, seq - 1, left) === 'timed-out') {
      if (Atomics.load(s.ctrl, 1) === seq) break;
      retire(s, dialects, 'sync');
      return 'timeout';
    }
  }
  // Replies arrive in order; skip any left from an earlier request.
  for (;;) {
    const m = receiveMessageOnPort(s.port)?.message as Reply | undefined;
    if (!m) return 'syntax';
    if (m.seq === seq) return m.ast ? { ast: m.ast } : 'syntax';
  }
}

/**
 * `parseBounded` without blocking the thread: the answer comes as a message, the deadline (a
 * performance.now() time) is a timer. A request goes to the ready worker with the fewest in
 * flight, so one hostile parse holds up only what was queued behind it on its worker.
 */
export function parseAsync(sql: string, database: string, dialects: readonly string[], deadline: number): Promise<ParseResult> {
  const left = deadline - performance.now();
  if (left <= 0) return Promise.resolve('timeout');
  const pool = poolFor(dialects, 'async');
  let s: Slot | undefined;
  for (const c of pool) if (isReady(c) && (!s || c.pending.size < s.pending.size)) s = c;
  if (!s) return Promise.resolve('unavailable');
  const slot = s;
  const seq = ++slot.seq;
  return new Promise<ParseResult>((resolve) => {
    const timer = setTimeout(() => {
      if (!slot.pending.has(seq)) return;
      slot.pending.delete(seq);
      resolve('timeout');
      retire(slot, dialects, 'async');
    }, Math.ceil(left));
    slot.pending.set(seq, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    slot.port.postMessage({ seq, sql, database });
  });
}
