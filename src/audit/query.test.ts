import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditConfigSchema } from './config.ts';
import { createAuditLog } from './log.ts';
import { createAuditObserver } from './observer.ts';
import { csvHeader, csvRow, queryAudit, sessionStory, storyLine, tailAudit } from './query.ts';
import { makeCtx, memoryDb } from './test-helpers.ts';

async function setup() {
  const db = memoryDb();
  let t = Date.UTC(2026, 0, 1, 12, 0, 0);
  const log = createAuditLog({ db, now: () => t, timers: false }, auditConfigSchema.parse({}));
  const obs = createAuditObserver(log);
  // One second between calls.
  const observe: typeof obs = (ctx, outcome) => ((t += 1000), obs(ctx, outcome));
  await observe(makeCtx({ session: 's1', server: 'tickets', tool: 'get_ticket', state: { 'labels.after': ['private_data'] } }), 'allowed');
  await observe(makeCtx({ session: 's2', agent: 'ops-bot', server: 'github', tool: 'get_issue' }), 'allowed');
  await observe(
    makeCtx({
      session: 's1', server: 'chat', tool: 'post_message', error: 'WARDEN_FLOW_BLOCKED',
      hits: [{ stage: 'flow', rule: 'lethal-trifecta', action: 'deny' }],
      state: { 'labels.before': ['private_data'], 'labels.after': ['private_data'] },
    }),
    'denied',
  );
  t += 1000;
  await log.admin('config.reload', {}, 'alice');
  return { db, log };
}

describe('audit queries', () => {
  test('filters by agent, tool (either name), session, since and decision', async () => {
    const { db } = await setup();
    assert.equal(queryAudit(db).length, 4);
    assert.deepEqual(queryAudit(db, { agent: 'ops-bot' }).map((e) => e.seq), [2]);
    assert.deepEqual(queryAudit(db, { tool: 'chat__post_message' }).map((e) => e.seq), [3]);
    assert.deepEqual(queryAudit(db, { tool: 'post_message' }).map((e) => e.seq), [3]);
    assert.deepEqual(queryAudit(db, { session: 's1' }).map((e) => e.seq), [1, 3]);
    assert.deepEqual(queryAudit(db, { since: Date.UTC(2026, 0, 1, 12, 0, 3) }).map((e) => e.seq), [3, 4]);
    assert.deepEqual(queryAudit(db, { decision: 'denied' }).map((e) => e.seq), [3]);
    assert.deepEqual(queryAudit(db, { afterSeq: 2, limit: 1 }).map((e) => e.seq), [3]);
    assert.deepEqual(tailAudit(db, 2).map((e) => e.seq), [3, 4]);
  });

  test("a session's story reads in order", async () => {
    const { db } = await setup();
    const lines = sessionStory(db, 's1').map(storyLine);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^12:00:01 support-bot called tickets__get_ticket → allowed · \+labels private_data · \d+\.\d ms$/);
    assert.match(lines[1]!, /^12:00:03 support-bot called chat__post_message → denied · WARDEN_FLOW_BLOCKED · rules flow:lethal-trifecta/);
    assert.equal(storyLine(queryAudit(db, { kind: 'admin' })[0]!), '12:00:04 admin config.reload by alice');
  });

  test('CSV export quotes and defuses formulas', async () => {
    const { db } = await setup();
    assert.match(csvHeader(), /^seq,time,kind,agent,/);
    const row = csvRow(queryAudit(db)[0]!);
    assert.match(row, /^1,2026-01-01T12:00:01.000Z,call,support-bot,s1,default,tickets,tickets__get_ticket,tools\/call,allowed,/);
    const evil = csvRow({ ...queryAudit(db)[0]!, agent: '=HYPERLINK("x")' });
    assert.ok(evil.includes(`"'=HYPERLINK(""x"")"`));
  });
});
