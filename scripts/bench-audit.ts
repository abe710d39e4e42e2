/**
 * Audit benchmark and soak (issue 7). Not a test: prints figures.
 *
 *   node bin/run-ts.js scripts/bench-audit.ts [--seconds 60] [--rate 1000]
 *
 * 1. Request-path cost: the synchronous part of the audit observer (snapshot + enqueue), in µs
 *    per call, measured over batches of calls between flushes. Target < 30 µs.
 * 2. Soak: `rate` records/s for `seconds` into a WAL database on disk, each with a 2 KB result;
 *    reports the largest queue depth, records refused or dropped, the time from observe to
 *    durable (p50/p99/max), and process CPU per record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { auditConfigSchema, createAuditLog, createAuditObserver } from '../src/audit/index.ts';
import { makeCtx } from '../src/audit/test-helpers.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, rate: { type: 'string', default: '1000' } } });
const seconds = Number(values.seconds);
const rate = Number(values.rate);

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

// --- 2. soak ---
{
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
