/**
 * The per-batch shortcuts of the writer (issue 7 performance work) must not change what is
 * written: the body and head payload equal the generic canonical forms, and the cached chain
 * head never forks the chain when something else wrote to the database in between.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { auditConfigSchema } from './config.ts';
import { canonicalJson, canonicalJsonWith } from './canonical.ts';
import { headPayloadJson, pointPayload } from './checkpoints.ts';
import { createAuditLog } from './log.ts';

const cfg = auditConfigSchema.parse({ checkpoint: { intervalSec: 0 } });
const key = generateKeyPairSync('ed25519').privateKey;

describe('audit fast paths', () => {
  test('canonicalJsonWith equals canonicalJson of the spread, the extra keys winning', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer(), (obj, seq) => {
        const extra = { v: 1, seq, ts: 1_700_000_000_000 };
        assert.equal(canonicalJsonWith(obj, extra), canonicalJson({ ...obj, ...extra }));
      }),
    );
    assert.equal(canonicalJsonWith({ seq: 99, a: undefined, b: 1 }, { seq: 3 }), '{"b":1,"seq":3}');
  });

  test('the head payload written directly equals the canonical JSON of the signed point', () => {
    fc.assert(
      fc.property(fc.nat(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.nat(), fc.string(), (seq, hash, ts, keyId) => {
        const p = { seq, hash, ts, key_id: keyId };
        assert.equal(headPayloadJson(p), canonicalJson(pointPayload('head', p)));
      }),
    );
  });

  test('a record written by another connection between batches is chained after, not forked', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-fast-')), 'w.db');
    const a = new Database(file);
    a.pragma('journal_mode = WAL');
    const b = new Database(file);
    const logA = createAuditLog({ db: a, signingKey: key, timers: false }, cfg);
    const logB = createAuditLog({ db: b, signingKey: key, timers: false }, cfg);
    assert.equal(await logA.admin('one'), 1);
    assert.equal(await logB.admin('two'), 2, 'B reads the head A committed');
    assert.equal(await logA.admin('three'), 3, 'A notices B committed and does not reuse its cached head');
    assert.equal(await logA.admin('four'), 4);
    const r = logA.verify();
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 4);
    a.close();
    b.close();
  });

  test('two logs on one connection, or a direct write on it, also invalidate the cached head', async () => {
    const db = new Database(':memory:');
    const l1 = createAuditLog({ db, signingKey: key, timers: false }, cfg);
    const l2 = createAuditLog({ db, signingKey: key, timers: false }, cfg);
    assert.equal(await l1.admin('one'), 1);
    assert.equal(await l2.admin('two'), 2);
    assert.equal(await l1.admin('three'), 3);
    // An unrelated write on the shared connection (pins, approvals) only costs one head read.
    db.exec('CREATE TABLE other (x); INSERT INTO other VALUES (1)');
    assert.equal(await l1.admin('four'), 4);
    const r = l1.verify();
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 4);
  });
});
