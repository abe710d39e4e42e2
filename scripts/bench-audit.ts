/**
 * Audit benchmark and soak (issue 7). Not a test: prints figures.
 *
 *   node bin/run-ts.js scripts/bench-audit.ts [--seconds 60] [--rate 1000] [--cpu-seconds 10] [--pragmas]
 *
 * 1. Request-path cost: the synchronous part of the audit observer (snapshot + enqueue), in µs
 *    per call, measured over batches of calls between flushes. Target < 30 µs.
 * 2. CPU per record, the whole audit path (snapshot, build, canonical JSON, SHA-256, insert,
 *    signed head, commit, promise): records arrive at 500/s for `cpu-seconds`, one per
 *    event-loop turn (so every batch holds 1 record, as under light load) and 16 per turn
 *    (batches of 16). Process CPU of the same driver without the audit log is subtracted.
 *    Also unpaced (flush after every 1 / 16 records, no timers): the least noisy figure.
 *    `--pragmas` repeats the unpaced runs with WAL tuning pragmas to measure their effect.
 * 3. Soak: `rate` records/s for `seconds` into a WAL database on disk, each with a 2 KB result;
 *    reports the largest queue depth, records refused or dropped, the time from observe to
 *    durable (p50/p99/max), and process CPU per record. `--seconds 0` skips it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { auditConfigSchema, createAuditLog, createAuditObserver } from '../src/audit/index.ts';
import { makeCtx } from '../src/audit/test-helpers.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '1000' },
    'cpu-seconds': { type: 'string', default: '10' },
    pragmas: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const cpuSeconds = Number(values['cpu-seconds']);

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-audit-'));
const db = new Database(join(dir, 'warden.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const config = auditConfigSchema.parse({ checkpoint: { intervalSec: 0 } });
const log = createAuditLog({ db, timers: false }, config);
const observe = createAuditObserver(log);
const result = { content: [{ type: 'text', text: 'r'.repeat(2048) }] };
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// --- 1. request-path cost ---
{
  const ctxs = Array.from({ length: 1000 }, (_, i) => makeCtx({ requestId: i, result, args: { id: i, q: 'find the ticket' } }));
  for (let w = 0; w < 5; w++) {
    for (const c of ctxs) void observe(c, 'allowed');
    await log.flush();
  }
  const perBatch: number[] = [];
  for (let round = 0; round < 50; round++) {
    const t0 = performance.now();
    for (const c of ctxs) void observe(c, 'allowed');
    perBatch.push(((performance.now() - t0) * 1000) / ctxs.length);
    const f0 = performance.now();
    await log.flush();
    if (round === 49) console.log(`flush of 1000 records (2 KB results): ${(performance.now() - f0).toFixed(1)} ms`);
  }
  perBatch.sort((a, b) => a - b);
  console.log(`observer on the request path: median ${pct(perBatch, 50).toFixed(2)} µs/call, p99 ${pct(perBatch, 99).toFixed(2)} µs/call (target < 30)`);
}

// --- 2. CPU per record ---
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Drives `total` records at `perSec`, `perTurn` of them per timer tick; returns process CPU µs. */
async function paced(perTurn: number, perSec: number, total: number, sink?: (ctx: ReturnType<typeof makeCtx>) => Promise<void> | undefined): Promise<number> {
  const periodMs = (perTurn * 1000) / perSec;
  let sent = 0;
  let done = 0;
  const t0 = performance.now();
  const c0 = cpuUs();
  await new Promise<void>((finish) => {
    const tick = () => {
      for (let i = 0; i < perTurn && sent < total; i++, sent++) {
        const ctx = makeCtx({ requestId: sent, result });
        const p = sink?.(ctx);
        if (p) p.then(() => { if (++done === total) finish(); }, () => { if (++done === total) finish(); });
        else if (++done === total) finish();
      }
      // Drift-free pacing: the next tick is due at start + k·period.
      if (sent < total) setTimeout(tick, Math.max(0, t0 + (sent / perTurn) * periodMs - performance.now()));
    };
    tick();
  });
  return cpuUs() - c0;
}

/** Synchronous: `perTurn` records observed, then flushed; no timers. Returns process CPU µs. */
function unpaced(perTurn: number, total: number, sink?: (ctx: ReturnType<typeof makeCtx>) => unknown, flush?: () => unknown): number {
  const c0 = cpuUs();
  for (let sent = 0; sent < total; ) {
    for (let i = 0; i < perTurn; i++, sent++) sink?.(makeCtx({ requestId: sent, result }));
    flush?.();
  }
  return cpuUs() - c0;
}

function freshLog(pragmas: string[] = []) {
  const d = new Database(join(dir, `cpu-${Math.random().toString(36).slice(2)}.db`));
  d.pragma('journal_mode = WAL');
  d.pragma('synchronous = NORMAL');
  for (const p of pragmas) d.pragma(p);
  const l = createAuditLog({ db: d, timers: false }, config);
  const obs = createAuditObserver(l);
  return { d, l, o: (c: ReturnType<typeof makeCtx>) => obs(c, 'allowed') };
}

if (cpuSeconds > 0) {
  const perSec = 500;
  const total = perSec * cpuSeconds;
  for (const perTurn of [1, 16]) {
    const base = await paced(perTurn, perSec, total);
    const { d, l, o } = freshLog();
    await paced(perTurn, perSec, Math.min(total, 1000), o); // warm-up
    const before = l.stats();
    const cpu = await paced(perTurn, perSec, total, o);
    const st = l.stats();
    const batches = st.batches - before.batches;
    console.log(`cpu, ${perSec}/s, ${perTurn} per turn: ${((cpu - base) / total).toFixed(1)} µs/record (process ${(cpu / total).toFixed(1)}, driver alone ${(base / total).toFixed(1)}); ${((st.committed - before.committed) / batches).toFixed(1)} records/batch`);
    await l.close();
    d.close();
  }
  const variants: [string, string[]][] = [['default', []]];
  if (values.pragmas) {
    variants.push(
      ['cache_size=-16000', ['cache_size = -16000']],
      ['temp_store=MEMORY', ['temp_store = MEMORY']],
      ['wal_autocheckpoint=4000', ['wal_autocheckpoint = 4000']],
      ['journal_size_limit=64MB', ['journal_size_limit = 67108864']],
      ['mmap_size=256MB', ['mmap_size = 268435456']],
    );
  }
  const n = Math.max(2000, total);
  for (const [name, pragmas] of variants) {
    for (const perTurn of [1, 16]) {
      const base = unpaced(perTurn, n);
      const { d, l, o } = freshLog(pragmas);
      unpaced(perTurn, 2000, o, () => l.flush());
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) runs.push(unpaced(perTurn, n, o, () => l.flush()));
      runs.sort((a, b) => a - b);
      console.log(`cpu, unpaced, ${perTurn} per flush, ${name}: ${((runs[1]! - base) / n).toFixed(1)} µs/record (median of 3)`);
      await l.close();
      d.close();
    }
  }
}

// --- 3. soak ---
if (seconds > 0) {
  const before = log.stats();
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let maxDepth = 0;
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let cpu = cpu0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), seconds * rate);
      let n = Math.min(due - sent, perTick * 4);
      while (n-- > 0) {
        const t0 = performance.now();
        const p = observe(makeCtx({ requestId: sent, result }), 'allowed')!;
        sent++;
        p.then(() => latencies.push(performance.now() - t0), () => failed++);
      }
      maxDepth = Math.max(maxDepth, log.queueDepth());
      cpu = process.cpuUsage(cpu0);
      if (sent >= seconds * rate) {
        clearInterval(timer);
        void log.flush().then(() => done());
      }
    }, tickMs);
  });
  const wall = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 50));
  const s = log.stats();
  latencies.sort((a, b) => a - b);
  const committed = s.committed - before.committed;
  const rows = (db.prepare('SELECT count(*) AS n FROM audit_records').get() as { n: number }).n;
  console.log(`soak: ${sent} records in ${wall.toFixed(1)} s (${(sent / wall).toFixed(0)}/s); committed ${committed}, refused ${s.refused - before.refused}, dropped ${s.dropped - before.dropped}, failed promises ${failed}`);
  console.log(`soak: max queue depth ${maxDepth} (queueMax ${config.queueMax}); batches ${s.batches - before.batches}`);
  console.log(`soak: process CPU ${((cpu.user + cpu.system) / sent).toFixed(1)} µs per record (snapshot, build, hash, insert, commit)`);
  console.log(`soak: observe → durable p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  const v0 = performance.now();
  const v = log.verify();
  console.log(`verify: ${v.ok ? 'OK' : 'FAILED'} over ${v.records} records (${rows} rows) in ${(performance.now() - v0).toFixed(0)} ms`);
}

await log.close();
db.close();
rmSync(dir, { recursive: true, force: true });
