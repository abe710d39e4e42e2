/**
 * node-sql-parser with a time bound. Its PEG grammars are exponential on some hostile shapes
 * (`select ( select ( … x` ten levels deep, 100 characters, takes over a second — the input
 * bench prints it — and each level multiplies it) and a parse cannot be interrupted, so untrusted text is parsed in a worker thread
 * (sql-parser-worker.mjs) while the detector, which is synchronous like every detector, waits on
 * a shared flag with a deadline (the detector's budget, 50 ms per field by default). Past the
 * deadline the worker is terminated, a warm spare takes its place and a new spare starts; the
 * caller gets `timeout` and reports the field as too complex to inspect (fail closed). The cost
 * is one message round trip per parse (tens of µs) on top of the parse itself.
 *
 * Workers are per process and per dialect list, shared by every SQL detector (config reloads
 * build new detectors with the same list). `startParser` starts them and waits for the first
 * (the detector calls it when built, so the gateway pays the grammar load — 155 ms in `scripts/bench-detectors-input.ts` — at start, not
 * on a call). After that nothing waits for a start: if every worker was used up by timeouts
 * faster than spares start (the bench prints the gap: 22–140 ms here), parses answer `unavailable` until one is up, so a
 * client sending hostile queries cannot make later calls pay for restarts.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export type ParseResult = { readonly ast: unknown[] } | 'syntax' | 'timeout' | 'unavailable';

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly ctrl: Int32Array;
  seq: number;
  dead: boolean;
}

/** Started or starting workers; the first ready one serves. */
type Pool = Slot[];

const WORKER_URL = new URL('./sql-parser-worker.mjs', import.meta.url);
const POOL_SIZE = 3; // one serving, two spares
/** How long the first start is waited for (grammar load and warm-up: 155 ms in the bench). */
const FIRST_START_MS = 10_000;
const pools = new Map<string, Pool>();

function spawn(dialects: readonly string[]): Slot {
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  // Plain ESM: no loader flags needed, and none inherited (the gateway may run under tsx).
  const worker = new Worker(WORKER_URL, { workerData: { port: port2, ctrl: ctrl.buffer, dialects }, transferList: [port2], execArgv: [] });
  worker.unref();
  port1.unref();
  const slot: Slot = { worker, port: port1, ctrl, seq: 0, dead: false };
  const down = (): void => {
    slot.dead = true;
  };
  worker.on('error', down);
  worker.on('exit', down);
  return slot;
}

const isReady = (s: Slot): boolean => !s.dead && Atomics.load(s.ctrl, 0) === 1;
const failed = (s: Slot): boolean => s.dead || Atomics.load(s.ctrl, 0) === 2;

function poolFor(dialects: readonly string[]): Pool {
  const key = dialects.join(',');
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = []));
  // Replace the dead and the failed, keep POOL_SIZE workers started or starting.
  for (let i = pool.length - 1; i >= 0; i--) if (failed(pool[i]!)) pool.splice(i, 1);
  while (pool.length < POOL_SIZE) pool.push(spawn(dialects));
  return pool;
}

/**
 * Starts the workers for `dialects` and waits (once per process and list, at most 10 s) for one
 * to be ready. Returns whether one is.
 */
export function startParser(dialects: readonly string[]): boolean {
  const pool = poolFor(dialects);
  if (pool.some(isReady)) return true;
  Atomics.wait(pool[0]!.ctrl, 0, 0, FIRST_START_MS);
  return pool.some(isReady);
}

/**
 * Parses `sql` in `database`'s grammar (one of `dialects`, the worker's grammar list), waiting at
 * most until `deadline` (a performance.now() time).
 */
export function parseBounded(sql: string, database: string, dialects: readonly string[], deadline: number): ParseResult {
  const pool = poolFor(dialects);
  const s = pool.find(isReady);
  if (!s) return 'unavailable';
  const seq = ++s.seq;
  s.port.postMessage({ seq, sql, database });
  for (;;) {
    if (Atomics.load(s.ctrl, 1) === seq) break;
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(s.ctrl, 1, seq - 1, left) === 'timed-out') {
      if (Atomics.load(s.ctrl, 1) === seq) break;
      s.dead = true;
      s.port.close();
      void s.worker.terminate();
      poolFor(dialects); // starts a replacement; a spare already up serves the next call
      return 'timeout';
    }
  }
  // Replies arrive in order; skip any left from an earlier request.
  for (;;) {
    const m = receiveMessageOnPort(s.port)?.message as { seq: number; ast?: unknown[] } | undefined;
    if (!m) return 'syntax';
    if (m.seq === seq) return m.ast ? { ast: m.ast } : 'syntax';
  }
}
