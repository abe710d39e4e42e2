import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countCallsFromAudit, createReportCommand, run } from './report.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
}
const DAY = 86_400_000;

test('report grants with injected policy and counts', async () => {
  const cmd = createReportCommand({
    grants: async () => new Map([['bot', ['gh__get_issue', 'gh__delete_repo']]]),
    countCalls: () => [{ agent: 'bot', tool: 'gh__get_issue', calls: 9 }],
    now: () => 40 * DAY,
  });
  const t = io();
  assert.equal(await cmd(['grants', '--days', '7'], t.io), 0);
  assert.match(t.out[0]!, /last 7 days/);
  assert.match(t.out[0]!, /never called: gh__delete_repo/);
  assert.match(t.out[0]!, /server: gh/);
});

test('report grants counts allowed tools/call records from audit_records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-report-'));
  try {
    const dbPath = join(dir, 'warden.db');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE audit_records (seq INTEGER PRIMARY KEY, ts INTEGER, kind TEXT, agent TEXT, session TEXT, server TEXT, tool TEXT, name TEXT, method TEXT, outcome TEXT, trace_id TEXT, body TEXT, prev_hash TEXT, hash TEXT)');
    const ins = db.prepare("INSERT INTO audit_records (ts, kind, agent, tool, method, outcome, body, prev_hash, hash) VALUES (?, 'call', ?, ?, 'tools/call', ?, '{}', '', '')");
    const now = Date.now();
    ins.run(now, 'bot', 'a__x', 'allowed');
    ins.run(now, 'bot', 'a__x', 'allowed');
    ins.run(now, 'bot', 'a__y', 'denied');
    ins.run(now - 90 * DAY, 'bot', 'a__z', 'allowed');
    assert.deepEqual(countCallsFromAudit(db)(now - 30 * DAY), [{ agent: 'bot', tool: 'a__x', calls: 2 }]);
    db.close();
    const grants = join(dir, 'grants.json');
    writeFileSync(grants, JSON.stringify({ bot: ['a__x', 'a__y', 'a__z'] }));
    const t = io();
    assert.equal(await run(['grants', '--grants', grants, '--db', dbPath, '--json'], t.io), 0);
    const r = JSON.parse(t.out[0]!) as { agents: Array<{ neverCalled: string[] }> };
    assert.deepEqual(r.agents[0]!.neverCalled, ['a__y', 'a__z']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage and missing inputs', async () => {
  assert.equal(await run(['nothing'], io().io), 2);
  assert.equal(await run(['grants', '--days', '-1'], io().io), 2);
  const t = io();
  assert.equal(await run(['grants'], t.io), 1);
  assert.match(t.err[0]!, /no grants/);
});
