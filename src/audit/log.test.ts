import { describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isWardenError } from '../errors/index.ts';
import { auditConfigSchema } from './config.ts';
import { canonicalJson } from './canonical.ts';
import { createAuditLog } from './log.ts';
import { awaitAudit, createAuditObserver } from './observer.ts';
import { sha256Hex } from './record.ts';
import { queryAudit } from './query.ts';
import { makeCtx, memoryDb } from './test-helpers.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const cfg = (o: Record<string, unknown> = {}) => auditConfigSchema.parse(o);

function setup(o: Record<string, unknown> = {}, extra: { onError?: (e: unknown, w: string) => void } = {}) {
  const db = memoryDb();
  let t = T0;
  const log = createAuditLog({ db, now: () => t, timers: false, ...extra }, cfg(o));
  return { db, log, tick: (ms: number) => (t += ms), observer: createAuditObserver(log) };
}

describe('audit log', () => {
  test('one record per call, committed before the promise resolves, chained from genesis', async () => {
    const { db, log, observer } = setup();
    const ctx = makeCtx({ result: { content: [{ type: 'text', text: 'ticket 42' }] } });
    const p = observer(ctx, 'allowed');
    assert.equal(count(db, 'audit_records'), 0, 'not written on the request path');
    await p;
    await awaitAudit(ctx);
    const rows = db.prepare('SELECT * FROM audit_records').all() as { seq: number; prev_hash: string; agent: string; tool: string }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.seq, 1);
    assert.equal(rows[0]!.prev_hash, '0'.repeat(64));
    assert.equal(rows[0]!.agent, 'support-bot');
    assert.equal(rows[0]!.tool, 'tickets__get_ticket');
    assert.equal(log.verify().ok, true);
  });

  test('the record holds what the issue lists', async () => {
    const { db, observer } = setup();
    const ctx = makeCtx({
      args: { id: 7, note: '[REDACTED:email]' },
      result: { content: [{ type: 'text', text: 'ok' }] },
      error: 'WARDEN_FLOW_BLOCKED',
      hits: [{ stage: 'flow', rule: 'lethal-trifecta', action: 'deny' }],
      state: { 'labels.before': ['private_data'], 'labels.after': ['private_data', 'untrusted_content'], approval: { approver: 'alice' } },
    });
    await observer(ctx, 'denied');
    const [e] = queryAudit(db);
    assert.ok(e);
    assert.equal(e.kind, 'call');
    assert.equal(e.ts, T0);
    assert.equal(e.session, 'sess-1');
    assert.equal(e.virtualServer, 'default');
    assert.equal(e.server, 'tickets');
    assert.equal(e.name, 'get_ticket');
    assert.equal(e.method, 'tools/call');
    assert.deepEqual(e.args, { id: 7, note: '[REDACTED:email]' });
    assert.equal(e.argsSha256, sha256Hex(canonicalJson({ id: 7, note: '[REDACTED:email]' })));
    assert.deepEqual(e.result, { content: [{ type: 'text', text: 'ok' }] });
    assert.deepEqual(e.labelsBefore, ['private_data']);
    assert.deepEqual(e.labelsAfter, ['private_data', 'untrusted_content']);
    assert.deepEqual(e.hits, [{ stage: 'flow', rule: 'lethal-trifecta', action: 'deny' }]);
    assert.deepEqual(e.approval, { approver: 'alice' });
    assert.deepEqual(e.timings, { authorize: 3, forward: 120 });
    assert.equal(e.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(e.outcome, 'denied');
    assert.equal(e.errorCode, 'WARDEN_FLOW_BLOCKED');
  });

  test('large values are capped with the hash of the full value', async () => {
    const { db, observer } = setup({ maxFieldBytes: 100 });
    const big = { content: [{ type: 'text', text: 'x'.repeat(5000) }] };
    await observer(makeCtx({ result: big }), 'allowed');
    const [e] = queryAudit(db);
    const r = e!.result as { truncated: boolean; bytes: number; preview: string };
    assert.equal(r.truncated, true);
    assert.equal(r.bytes, canonicalJson(big).length);
    assert.equal(r.preview.length, 100);
    assert.equal(e!.resultSha256, sha256Hex(canonicalJson(big)));
  });

  test('records queued together are committed in one batch, in order', async () => {
    const { db, log, observer } = setup({ batchMs: 5 });
    const ps = Array.from({ length: 50 }, (_, i) => observer(makeCtx({ requestId: `r${i}` }), 'allowed'));
    await Promise.all(ps);
    assert.equal(log.stats().batches, 1);
    assert.equal(log.stats().committed, 50);
    const ids = queryAudit(db).map((e) => e.requestId);
    assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => `r${i}`));
    assert.equal(log.verify().ok, true);
  });

  test('batchMax commits early', async () => {
    const { log } = setup({ batchMs: 60_000, batchMax: 10 });
    const ps = Array.from({ length: 25 }, () => log.admin('test.action'));
    await Promise.all(ps.slice(0, 20));
    assert.ok(log.stats().committed >= 20);
    await log.flush();
    await Promise.all(ps);
  });

  test('a full queue fails the call closed with WARDEN_AUDIT_UNAVAILABLE', async () => {
    const { log } = setup({ queueMax: 3, batchMs: 60_000 });
    const ps = Array.from({ length: 5 }, () => log.admin('x'));
    const settled = Promise.allSettled(ps);
    await log.flush();
    const r = await settled;
    assert.deepEqual(r.map((x) => x.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    const err = (r[3] as PromiseRejectedResult).reason;
    assert.ok(isWardenError(err));
    assert.equal(err.code, 'WARDEN_AUDIT_UNAVAILABLE');
    assert.equal(log.stats().refused, 2);
  });

  test('with failOpen a full queue drops the record, counts it and reports it', async () => {
    const errors: string[] = [];
    const { log } = setup({ queueMax: 1, batchMs: 60_000, failOpen: true }, { onError: (_e, w) => errors.push(w) });
    const a = log.admin('x');
    const b = log.admin('y');
    assert.equal(await b, undefined);
    await log.flush();
    assert.equal(await a, 1);
    assert.equal(log.stats().dropped, 1);
    assert.equal(errors.length, 1);
  });

  test('a failing store rejects every record of the batch, and the chain resumes cleanly after', async () => {
    const errors: string[] = [];
    const { db, log, observer } = setup({}, { onError: (_e, w) => errors.push(w) });
    await log.admin('before');
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const ctx = makeCtx();
    const p = observer(ctx, 'allowed');
    await assert.rejects(awaitAudit(ctx), (e: unknown) => isWardenError(e) && e.code === 'WARDEN_AUDIT_UNAVAILABLE');
    await assert.rejects(p!);
    assert.deepEqual(errors, ['audit: batch commit failed']);
    db.exec('DROP TRIGGER boom');
    assert.equal(await log.admin('after'), 2);
    assert.equal(log.verify().ok, true);
  });

  test('a closed log refuses records', async () => {
    const { log } = setup();
    await log.close();
    await assert.rejects(log.admin('late'), (e: unknown) => isWardenError(e) && e.code === 'WARDEN_AUDIT_UNAVAILABLE');
  });

  test('disabled: nothing is written and calls are not held up', async () => {
    const { db, log } = setup({ enabled: false });
    assert.equal(await log.admin('x'), undefined);
    assert.equal(count(db, 'audit_records'), 0);
  });

  test('admin records', async () => {
    const { db, log } = setup();
    await log.admin('key.create', { keyId: 'k1' }, 'alice');
    const [e] = queryAudit(db, { kind: 'admin' });
    assert.equal(e!.method, 'key.create');
    assert.equal(e!.agent, 'alice');
    assert.equal(e!.outcome, 'admin');
    assert.deepEqual(e!.details, { keyId: 'k1' });
  });

  test('the records table refuses UPDATE and DELETE (accidents; verify catches deliberate edits)', async () => {
    const { db, log } = setup();
    await log.admin('x');
    assert.throws(() => db.prepare("UPDATE audit_records SET agent = 'eve'").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_records').run(), /append-only/);
  });
});

describe('checkpoints', () => {
  test('signed, stored, appended to a file and POSTed to a witness', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`;
      const db = new Database(join(dir, 'warden.db'));
      db.pragma('journal_mode = WAL');
      const log = createAuditLog({ db, timers: false }, cfg({ checkpoint: { file: 'checkpoints.jsonl', url } }));
      // The key file is created 0600 beside the database, with its public half.
      assert.equal(statSync(join(dir, 'audit-signing-key.pem')).mode & 0o777, 0o600);
      assert.ok(existsSync(join(dir, 'audit-signing-key.pub.pem')));
      assert.equal(await log.checkpoint(), undefined, 'nothing to sign yet');
      await log.admin('a');
      await log.admin('b');
      const r = await log.checkpoint();
      assert.ok(r);
      assert.equal(r.checkpoint.seq, 2);
      assert.deepEqual({ file: r.exported.file, url: r.exported.url }, { file: 'ok', url: 'ok' });
      const lines = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8').trim().split('\n');
      assert.equal(lines.length, 1);
      assert.deepEqual(JSON.parse(lines[0]!), received[0]);
      assert.equal(await log.checkpoint('periodic'), undefined, 'periodic skips an unchanged head');
      const v = log.verify();
      assert.equal(v.ok, true, JSON.stringify(v.problems));
      assert.equal(v.checkpointsChecked, 2, 'the stored and the exported copy');
      db.close();
    } finally {
      server.close();
    }
  });

  test('an unreachable witness is reported, the checkpoint still stored', async () => {
    const errors: string[] = [];
    const { log, db } = setup({ checkpoint: { url: 'http://127.0.0.1:9/x', urlTimeoutMs: 500 } }, { onError: (_e, w) => errors.push(w) });
    await log.admin('a');
    const r = await log.checkpoint();
    assert.equal(r!.exported.url, 'failed');
    assert.deepEqual(errors, ['audit: checkpoint export failed']);
    assert.equal(count(db, 'audit_checkpoints'), 1);
  });

  test('periodic checkpoints and pruning run on their intervals', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const db = memoryDb();
      let t = Date.UTC(2026, 0, 1);
      const log = createAuditLog({ db, now: () => t }, cfg({ retentionDays: 1, checkpoint: { intervalSec: 60 } }));
      await log.admin('a');
      mock.timers.tick(60_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(count(db, 'audit_checkpoints'), 1);
      mock.timers.tick(60_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(count(db, 'audit_checkpoints'), 1, 'an unchanged head is not signed again');
      t += 2 * 86_400_000;
      mock.timers.tick(3_600_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(count(db, 'audit_records'), 0, 'the hourly prune removed the old record');
      assert.equal(log.verify().ok, true);
      await log.close();
    } finally {
      mock.timers.reset();
    }
  });

  test('a key file others can read is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
    const db = new Database(join(dir, 'warden.db'));
    createAuditLog({ db, timers: false }, cfg());
    chmodSync(join(dir, 'audit-signing-key.pem'), 0o644);
    assert.throws(() => createAuditLog({ db, timers: false }, cfg()), /readable by others/);
    db.close();
  });
});

