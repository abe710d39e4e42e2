import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditConfigSchema, createAuditLog, createAuditObserver } from '../../audit/index.ts';
import { makeCtx } from '../../audit/test-helpers.ts';
import { parseWhen, run } from './audit.ts';

/** `storageDataDir`: an absolute `storage.dataDir` for the config (default: none, so `<config dir>/.warden`). */
async function fixture(storageDataDir?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-audit-'));
  const configPath = join(dir, 'warden.yaml');
  const storage = storageDataDir ? `storage: { dataDir: "${storageDataDir}" }\n` : '';
  writeFileSync(configPath, `servers: {}\n${storage}audit:\n  checkpoint:\n    file: checkpoints.jsonl\n`);
  const dataDir = storageDataDir ?? join(dir, '.warden');
  mkdirSync(dataDir);
  const db = new Database(join(dataDir, 'warden.db'));
  db.pragma('journal_mode = WAL');
  const log = createAuditLog({ db, timers: false, now: () => Date.UTC(2026, 0, 1, 12, 0, 1) }, auditConfigSchema.parse({ checkpoint: { file: 'checkpoints.jsonl' } }));
  const observe = createAuditObserver(log);
  await observe(makeCtx({ session: 'sess-A', result: { content: [] } }), 'allowed');
  await observe(makeCtx({ session: 'sess-A', server: 'chat', tool: 'post_message', error: 'WARDEN_FLOW_BLOCKED' }), 'denied');
  await observe(makeCtx({ session: 'sess-B', agent: 'ops-bot' }), 'allowed');
  await log.checkpoint();
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), configPath };
  const cli = async (...argv: string[]) => {
    out.length = 0;
    err.length = 0;
    const code = await run(argv, io);
    return { code, out: out.join(''), err: err.join('') };
  };
  return { dir, db, log, cli, io, out, observe };
}

describe('warden audit', () => {
  test('verify finds the database where the gateway keeps it: storage.dataDir', async () => {
    const { cli } = await fixture(join(mkdtempSync(join(tmpdir(), 'warden-cli-audit-data-')), 'var-lib-warden'));
    const ok = await cli('verify');
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /3 records \(seq 1\.\.3\), 2 checkpoints checked/);
  });

  test('verify: OK on an intact chain, exit 1 with the seq and the check when tampered', async () => {
    const { db, cli } = await fixture();
    const ok = await cli('verify');
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /3 records \(seq 1\.\.3\), 2 checkpoints checked/);
    assert.match(ok.out, /OK: the chain is intact/);
    db.exec("DROP TRIGGER audit_records_no_update; UPDATE audit_records SET body = replace(body, 'allowed', 'denied') WHERE seq = 3");
    const bad = await cli('verify');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /seq 3\tcolumn\t/);
    assert.match(bad.out, /seq 3\thash\trecord 3: content does not match its hash/);
    const json = await cli('verify', '--json');
    assert.equal(JSON.parse(json.out).ok, false);
  });

  test('query, export and session', async () => {
    const { cli } = await fixture();
    const q = await cli('query', '--agent', 'support-bot', '--decision', 'denied');
    assert.equal(q.code, 0);
    assert.match(q.out, /^\s+2 12:00:01 support-bot called chat__post_message → denied · WARDEN_FLOW_BLOCKED/);
    assert.equal(q.out.trim().split('\n').length, 1);
    const jsonl = await cli('export', '--format', 'jsonl', '--session', 'sess-A');
    assert.deepEqual(jsonl.out.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2]);
    const csv = await cli('export', '--format', 'csv');
    assert.equal(csv.out.trim().split('\n').length, 4);
    assert.match(csv.out, /^seq,time,kind/);
    const s = await cli('session', 'sess-A');
    assert.match(s.out, /^session sess-A \(2026-01-01, times UTC\)\n\s+1 12:00:01 support-bot called tickets__get_ticket → allowed.*\n\s+2 12:00:01 support-bot called chat__post_message → denied/);
    assert.equal((await cli('session', 'nope')).code, 1);
    assert.equal((await cli('export', '--format', 'xml')).code, 2);
    assert.equal((await cli('query', '--since', 'yesterday-ish')).code, 2);
    assert.equal((await cli('frobnicate')).code, 2);
  });

  test('tail and tail --follow', async () => {
    const { cli, io, out, observe } = await fixture();
    const t = await cli('tail', '-n', '2');
    assert.deepEqual(t.out.trim().split('\n').map((l) => l.trim().split(' ')[0]), ['2', '3']);
    out.length = 0;
    const ac = new AbortController();
    const following = run(['tail', '-n', '0', '--follow', '--json'], { ...io, signal: ac.signal, pollMs: 5 });
    await observe(makeCtx({ session: 'sess-C' }), 'allowed');
    while (!out.join('').includes('sess-C')) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    assert.equal(await following, 0);
    assert.equal((JSON.parse(out.join('').trim()) as { seq: number }).seq, 4);
  });

  test('checkpoint on demand', async () => {
    const { cli } = await fixture();
    const r = await cli('checkpoint');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /signed checkpoint at seq 3 .*file ok/);
  });

  test('a missing database is an error naming the path', async () => {
    const r = await run(['verify', '--db', '/nonexistent/warden.db'], { stdout: () => {}, stderr: (s) => assert.match(s, /no database at \/nonexistent/) });
    assert.equal(r, 1);
  });

  test('times: ISO or an age', () => {
    const now = Date.UTC(2026, 0, 2);
    assert.equal(parseWhen('1d', now), Date.UTC(2026, 0, 1));
    assert.equal(parseWhen('30m', now), now - 30 * 60_000);
    assert.equal(parseWhen('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
  });
});
