/**
 * node-sql-parser with a time bound. Its PEG grammars are exponential on some hostile shapes
 * (`select ( select ( … x` takes 1 s at ten levels and 8 s at twelve, in a 130-character
 * argument) and a parse cannot be interrupted, so untrusted text is parsed in a worker thread
 * (sql-parser-worker.mjs) while the detector, which is synchronous like every detector, waits on
 * a shared flag with a deadline (the detector allows 100 ms per field). Past the deadline the worker is terminated and a warm spare
 * takes its place, and the caller gets `timeout` (the detector reports the argument as too
 * complex to inspect: fail closed). The cost is one message round trip per parse (tens of µs)
 * on top of the parse itself.
 *
 * Workers are per process and per dialect list, shared by every SQL detector (config reloads
 * build new detectors). The first worker's start is waited for once, at the first parse, and
 * that wait does not count against the parse's deadline; afterwards nothing blocks on a start:
 * if no started worker is left (timeouts faster than a spare starts, ~50 ms), parses answer
 * `unavailable`, so hostile queries cannot make every later call pay for restarts.
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

interface Pool {
  active: Slot;
  spare: Slot;
  started: boolean;
}

const WORKER_URL = new URL('./sql-parser-worker.mjs', import.meta.url);
/** How long the first parse waits for the first worker to load and warm its grammars. */
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

const ready = (s: Slot): boolean => !s.dead && Atomics.load(s.ctrl, 0) === 1;

/** A started worker for `dialects`, or undefined (only the very first start is waited for). */
function worker(dialects: readonly string[]): Slot | undefined {
  const key = dialects.join(',');
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { active: spawn(dialects), spare: spawn(dialects), started: false }));
  if (pool.active.dead) pool.active = spawn(dialects);
  if (pool.spare.dead) pool.spare = spawn(dialects);
  if (ready(pool.active)) return (pool.started = true), pool.active;
  if (ready(pool.spare)) {
    [pool.active, pool.spare] = [pool.spare, pool.active];
    return (pool.started = true), pool.active;
  }
  if (pool.started) return undefined;
  Atomics.wait(pool.active.ctrl, 0, 0, FIRST_START_MS);
  if (!ready(pool.active)) return undefined;
  pool.started = true;
  return pool.active;
}

/**
 * Parses `sql` in `database`'s grammar (one of `dialects`, the worker's grammar list), waiting at
 * most until `deadline` (a performance.now() time). Returns how much later than asked the wait
 * for the process's first worker made it, so a caller with several parses can move its deadline.
 */
export function parseBounded(sql: string, database: string, dialects: readonly string[], deadline: number): { result: ParseResult; startWaitMs: number } {
  const t0 = performance.now();
  const s = worker(dialects);
  const startWaitMs = performance.now() - t0;
  if (!s) return { result: 'unavailable', startWaitMs };
  const until = deadline + startWaitMs;
  const seq = ++s.seq;
  s.port.postMessage({ seq, sql, database });
  for (;;) {
    if (Atomics.load(s.ctrl, 1) === seq) break;
    const left = until - performance.now();
    if (left <= 0 || Atomics.wait(s.ctrl, 1, seq - 1, left) === 'timed-out') {
      if (Atomics.load(s.ctrl, 1) === seq) break;
      s.dead = true;
      void s.worker.terminate();
      worker(dialects); // promotes the spare if it is up, and starts a new one
      return { result: 'timeout', startWaitMs };
    }
  }
  // Replies arrive in order; skip any left from an earlier request.
  for (;;) {
    const m = receiveMessageOnPort(s.port)?.message as { seq: number; ast?: unknown[] } | undefined;
    if (!m) return { result: 'syntax', startWaitMs };
    if (m.seq === seq) return { result: m.ast ? { ast: m.ast } : 'syntax', startWaitMs };
  }
}
