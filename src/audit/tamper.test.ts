/**
 * Tamper tests: an attacker with write access to the database (who can drop the append-only
 * triggers) edits, deletes, inserts, swaps, truncates and rewrites; verify must catch each and
 * say where. The strongest attacker also holds the signing key; only checkpoints exported
 * outside the database catch that one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { canonicalJson } from './canonical.ts';
import { pointPayload } from './checkpoints.ts';
import { auditConfigSchema } from './config.ts';
import { createAuditLog } from './log.ts';
import { createAuditObserver } from './observer.ts';
import { chainHash } from './record.ts';
import { signerFromKey } from './signer.ts';
import type { RecordRow, SignedPoint } from './store.ts';
import { verifyAuditChain } from './verify.ts';
import type { VerifyCheck, VerifyReport } from './verify.ts';
import { makeCtx, memoryDb } from './test-helpers.ts';

const { privateKey } = generateKeyPairSync('ed25519');

async function chainOf(n: number, opts: { checkpointAt?: number[] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-tamper-'));
  const db = memoryDb();
  const config = auditConfigSchema.parse({ checkpoint: { file: 'checkpoints.jsonl' } });
  let t = Date.UTC(2026, 0, 1);
  const log = createAuditLog({ db, now: () => (t += 1000), timers: false, signingKey: privateKey, dataDir: dir }, config);
  const observe = createAuditObserver(log);
  for (let i = 1; i <= n; i++) {
    await observe(makeCtx({ requestId: `r${i}`, agent: i % 2 ? 'support-bot' : 'ops-bot', result: { content: [] } }), 'allowed');
    if (opts.checkpointAt?.includes(i)) await log.checkpoint();
  }
  // The attacker's first move: the triggers are a guard against accidents, not against them.
  db.exec('DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;');
  const file = join(dir, 'checkpoints.jsonl');
  return { db, log, file, verify: (withFile = true) => verifyAuditChain(db, { publicKey: log.publicKey, ...(withFile && { checkpointsFile: file }) }) };
}

const row = (db: Database, seq: number) => db.prepare('SELECT * FROM audit_records WHERE seq = ?').get(seq) as RecordRow;
const found = (r: VerifyReport, check: VerifyCheck, seq?: number) =>
  r.problems.some((p) => p.check === check && (seq === undefined || p.seq === seq));
const checks = (r: VerifyReport) => r.problems.map((p) => `${p.check}@${p.seq ?? '-'}`);

/** Rewrites one record's body (and, if asked, its hash) as an attacker would. */
function editBody(db: Database, seq: number, change: (b: Record<string, unknown>) => void, fixHash: boolean) {
  const r = row(db, seq);
  const b = JSON.parse(r.body) as Record<string, unknown>;
  change(b);
  const body = canonicalJson(b);
  db.prepare('UPDATE audit_records SET body = ?, hash = ? WHERE seq = ?').run(body, fixHash ? chainHash(r.prev_hash, body) : r.hash, seq);
}

/** Recomputes every hash from `from` on, so the chain is internally consistent again. */
function rechain(db: Database, from = 1) {
  let prev = from === 1 ? '0'.repeat(64) : row(db, from - 1).hash;
  for (const r of db.prepare('SELECT * FROM audit_records WHERE seq >= ? ORDER BY seq').all(from) as RecordRow[]) {
    const hash = chainHash(prev, r.body);
    db.prepare('UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
  return prev;
}

describe('verify catches tampering', () => {
  test('an untouched chain verifies', async () => {
    const { verify } = await chainOf(20, { checkpointAt: [10, 20] });
    const r = verify();
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 20);
    assert.equal(r.signaturesChecked, true);
    assert.equal(r.checkpointsChecked, 4);
  });

  test('editing a field: the record no longer matches its hash', async () => {
    const { db, verify } = await chainOf(20);
    editBody(db, 5, (b) => (b.result = { content: [{ type: 'text', text: 'nothing to see' }] }), false);
    const r = verify();
    assert.equal(r.ok, false);
    assert.deepEqual(checks(r), ['hash@5']);
    assert.match(r.problems[0]!.message, /record 5: content does not match its hash/);
  });

  test('editing an indexed field in the body: column and hash both fail', async () => {
    const { db, verify } = await chainOf(20);
    editBody(db, 5, (b) => (b.outcome = 'denied'), false);
    assert.deepEqual(checks(verify()), ['column@5', 'hash@5']);
  });

  test('editing a field and fixing its hash: the next link breaks', async () => {
    const { db, verify } = await chainOf(20);
    editBody(db, 5, (b) => (b.args = { id: 'other' }), true);
    assert.deepEqual(checks(verify()), ['link@6']);
  });

  test('editing an indexed column only: the column no longer matches the hashed body', async () => {
    const { db, verify } = await chainOf(20);
    db.prepare("UPDATE audit_records SET agent = 'innocent-bot' WHERE seq = 3").run();
    assert.deepEqual(checks(verify()), ['column@3']);
  });

  test('deleting a record: a gap, named', async () => {
    const { db, verify } = await chainOf(20);
    db.prepare('DELETE FROM audit_records WHERE seq = 7').run();
    const r = verify();
    assert.deepEqual(checks(r), ['gap@7']);
    assert.match(r.problems[0]!.message, /record 7 is missing/);
  });

  test('deleting the first records without a signed anchor', async () => {
    const { db, verify } = await chainOf(20);
    db.prepare('DELETE FROM audit_records WHERE seq <= 3').run();
    const r = verify();
    assert.deepEqual(checks(r), ['gap@1']);
    assert.match(r.problems[0]!.message, /records 1\.\.3 are missing.*no signed prune anchor/);
  });

  test('inserting a record in the middle (renumbering the rest)', async () => {
    const { db, verify } = await chainOf(20);
    // Make room at 8, then insert a well-formed record chained to 7.
    for (let s = 20; s >= 8; s--) db.prepare('UPDATE audit_records SET seq = seq + 1 WHERE seq = ?').run(s);
    const prev = row(db, 7);
    const body = canonicalJson({ ...JSON.parse(prev.body), seq: 8, requestId: 'forged' });
    db.prepare(`INSERT INTO audit_records (seq, ts, kind, agent, session, server, tool, name, method, outcome, trace_id, body, prev_hash, hash)
      SELECT 8, ts, kind, agent, session, server, tool, name, method, outcome, trace_id, ?, ?, ? FROM audit_records WHERE seq = 7`)
      .run(body, prev.hash, chainHash(prev.hash, body));
    const r = verify();
    assert.equal(r.ok, false);
    assert.ok(found(r, 'link', 9), 'the record after the insertion no longer links');
    assert.ok(found(r, 'seq', 9), 'the shifted records sit at the wrong seq');
    assert.ok(found(r, 'head', 21), 'records past the signed head');
    assert.ok(!found(r, 'hash'), 'no record content was changed');
  });

  test('appending a well-chained forged record at the tail: past the signed head', async () => {
    const { db, verify } = await chainOf(20);
    const last = row(db, 20);
    const body = canonicalJson({ ...JSON.parse(last.body), seq: 21 });
    db.prepare(`INSERT INTO audit_records (seq, ts, kind, agent, session, server, tool, name, method, outcome, trace_id, body, prev_hash, hash)
      SELECT 21, ts, kind, agent, session, server, tool, name, method, outcome, trace_id, ?, ?, ? FROM audit_records WHERE seq = 20`)
      .run(body, last.hash, chainHash(last.hash, body));
    assert.deepEqual(checks(verify()), ['head@21']);
  });

  test('swapping two records', async () => {
    const { db, verify } = await chainOf(20);
    const a = row(db, 10);
    const b = row(db, 11);
    const put = db.prepare('UPDATE audit_records SET ts = ?, body = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    put.run(b.ts, b.body, b.prev_hash, b.hash, 10);
    put.run(a.ts, a.body, a.prev_hash, a.hash, 11);
    const r = verify();
    assert.ok(found(r, 'seq', 10) && found(r, 'seq', 11), checks(r).join());
    assert.ok(found(r, 'link', 10) && found(r, 'link', 11));
  });

  test('truncating the tail: the signed head says what is missing', async () => {
    const { db, verify } = await chainOf(20);
    db.prepare('DELETE FROM audit_records WHERE seq > 15').run();
    const r = verify(false);
    assert.deepEqual(checks(r), ['truncated@16']);
    assert.match(r.problems[0]!.message, /records 16\.\.20 were removed/);
  });

  test('truncating the tail and deleting the head row', async () => {
    const { db, verify } = await chainOf(20);
    db.prepare('DELETE FROM audit_records WHERE seq > 15').run();
    db.prepare('DELETE FROM audit_head').run();
    assert.deepEqual(checks(verify(false)), ['head@-']);
  });

  test('truncating the tail and replaying an older signed head: only checkpoints catch it', async () => {
    const { db, log, verify } = await chainOf(15);
    const oldHead = db.prepare('SELECT * FROM audit_head').get() as SignedPoint;
    for (let i = 0; i < 5; i++) await log.admin('more');
    await log.checkpoint();
    db.prepare('DELETE FROM audit_records WHERE seq > 15').run();
    db.prepare('UPDATE audit_head SET seq = @seq, hash = @hash, ts = @ts, sig = @sig').run(oldHead);
    assert.deepEqual(checks(verify(false)), ['truncated@20'], 'the stored checkpoint catches it');
    db.prepare('DELETE FROM audit_checkpoints').run();
    assert.equal(verify(false).ok, true, 'the database alone is now consistent');
    assert.deepEqual(checks(verify(true)), ['truncated@20'], 'the exported checkpoint catches it');
  });

  test('a consistent rewrite without the key: the head signature fails', async () => {
    const { db, verify } = await chainOf(20);
    editBody(db, 3, (b) => (b.agent = 'innocent-bot'), false);
    db.prepare("UPDATE audit_records SET agent = 'innocent-bot' WHERE seq = 3").run();
    const hash = rechain(db);
    db.prepare('UPDATE audit_head SET hash = ?').run(hash);
    db.prepare('DELETE FROM audit_checkpoints').run();
    assert.deepEqual(checks(verify(false)), ['head@20']);
    assert.match(verify(false).problems[0]!.message, /bad signature/);
  });

  test('a consistent rewrite of the whole chain with the key: caught through exported checkpoints', async () => {
    const { db, verify } = await chainOf(20, { checkpointAt: [10, 20] });
    editBody(db, 3, (b) => (b.agent = 'innocent-bot'), false);
    db.prepare("UPDATE audit_records SET agent = 'innocent-bot' WHERE seq = 3").run();
    const hash = rechain(db);
    // Re-sign the head and forge the stored checkpoints: everything inside the database agrees.
    const signer = signerFromKey(privateKey);
    const head = { seq: 20, hash, ts: Date.now(), key_id: signer.keyId };
    db.prepare('UPDATE audit_head SET hash = @hash, ts = @ts, sig = @sig').run({ ...head, sig: signer.sign(pointPayload('head', head)) });
    db.prepare('DELETE FROM audit_checkpoints').run();
    const inside = verify(false);
    assert.equal(inside.ok, true, 'the database alone cannot tell');
    const r = verify(true);
    assert.equal(r.ok, false);
    assert.deepEqual(checks(r), ['checkpoint@10', 'checkpoint@20']);
    assert.match(r.problems[0]!.message, /record 10 differs from the exported checkpoint/);
  });

  test('a forged exported checkpoint (bad signature) is reported, not trusted', async () => {
    const { db, verify, file } = await chainOf(5, { checkpointAt: [5] });
    const { appendFileSync } = await import('node:fs');
    appendFileSync(file, JSON.stringify({ v: 1, type: 'checkpoint', kind: 'manual', seq: 99, hash: 'f'.repeat(64), ts: 1, keyId: 'x', sig: 'AAAA' }) + '\nnot json\n');
    const r = verify();
    assert.ok(found(r, 'signature', 99));
    assert.ok(r.problems.some((p) => p.check === 'signature' && /line 3/.test(p.message)));
    assert.ok(!found(r, 'truncated'), 'a forged checkpoint is not evidence');
    void db;
  });

  test('an emptied database is caught through exported checkpoints', async () => {
    const { db, verify } = await chainOf(5, { checkpointAt: [5] });
    db.exec('DROP TABLE audit_records; DROP TABLE audit_head; DROP TABLE audit_checkpoints; DROP TABLE audit_anchor;');
    assert.deepEqual(checks(verify(true)), ['truncated@5']);
  });
});
