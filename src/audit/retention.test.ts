import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfigSchema } from './config.ts';
import { createAuditLog } from './log.ts';
import { queryAudit } from './query.ts';
import { memoryDb } from './test-helpers.ts';

const DAY = 86_400_000;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-retention-'));
  const db = memoryDb();
  let t = Date.UTC(2026, 0, 1);
  const config = auditConfigSchema.parse({ retentionDays: 30, checkpoint: { file: 'cp.jsonl' } });
  const log = createAuditLog({ db, now: () => t, timers: false, dataDir: dir }, config);
  return { db, log, dir, advance: (ms: number) => (t += ms), file: join(dir, 'cp.jsonl') };
}

describe('retention', () => {
  test('prunes records older than the window and the chain still verifies, anchored by a signed checkpoint', async () => {
    const { db, log, advance, file } = setup();
    for (let d = 0; d < 40; d++) {
      await log.admin('daily', { d });
      advance(DAY);
    }
    await log.checkpoint();
    // now = day 40: records of days 0..9 are older than 30 days.
    const r = await log.prune();
    assert.equal(r.pruned, 10);
    assert.equal(r.anchor?.seq, 10);
    assert.equal(r.anchor?.kind, 'prune');
    assert.equal(queryAudit(db)[0]!.seq, 11);
    const v = log.verify();
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.equal(v.anchorSeq, 10);
    assert.equal(v.firstSeq, 11);
    const exported = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; seq: number });
    assert.deepEqual(exported.map((c) => [c.kind, c.seq]), [['manual', 40], ['prune', 10]]);
    // Appending after a prune continues the chain.
    await log.admin('after');
    assert.equal(log.verify().ok, true);
    // Pruning again with nothing old is a no-op.
    assert.deepEqual(await log.prune(), { pruned: 0 });
  });

  test('pruning everything keeps the head; new records chain after it', async () => {
    const { log, advance } = setup();
    for (let i = 0; i < 5; i++) await log.admin('x');
    advance(31 * DAY);
    assert.equal((await log.prune()).pruned, 5);
    const v = log.verify();
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.equal(v.records, 0);
    assert.equal(await log.admin('y'), 6);
    assert.equal(log.verify().ok, true);
  });

  test('deleting past the anchor is still caught; a forged anchor is caught', async () => {
    const { db, log, advance } = setup();
    for (let d = 0; d < 40; d++) {
      await log.admin('daily');
      advance(DAY);
    }
    await log.prune();
    // The trigger allows deleting at or below the anchor only.
    assert.throws(() => db.prepare('DELETE FROM audit_records WHERE seq = 11').run(), /append-only/);
    db.exec('DROP TRIGGER audit_records_no_delete');
    db.prepare('DELETE FROM audit_records WHERE seq <= 12').run();
    assert.deepEqual(log.verify().problems.map((p) => `${p.check}@${p.seq}`), ['gap@11']);
    // Moving the anchor to hide the deletion needs the key.
    db.prepare("UPDATE audit_anchor SET seq = 12, hash = (SELECT prev_hash FROM audit_records WHERE seq = 13)").run();
    assert.deepEqual(log.verify().problems.map((p) => `${p.check}@${p.seq}`), ['anchor@12']);
  });
});
