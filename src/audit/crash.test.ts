/**
 * Crash test: a child writes records under load and is killed with SIGKILL mid-stream. After
 * restart the chain verifies, and every record the child acknowledged is present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { auditConfigSchema } from './config.ts';
import { createAuditLog } from './log.ts';

const child = fileURLToPath(new URL('./testdata/crash-writer.ts', import.meta.url));

test('kill -9 under load loses no acknowledged record and leaves a verifiable chain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  const dbPath = join(dir, 'warden.db');
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<string>();
  let buf = '';
  const exited = new Promise<NodeJS.Signals | null>((r) => proc.on('exit', (_code, sig) => r(sig)));
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('ack ')) acked.add(l.slice(4));
    // Kill well into the load, while batches are in flight.
    if (acked.size >= 3000 && !proc.killed) proc.kill('SIGKILL');
  });
  assert.equal(await exited, 'SIGKILL');

  const db = new Database(dbPath);
  const log = createAuditLog({ db, timers: false }, auditConfigSchema.parse({}));
  const report = log.verify();
  assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 5)));
  const present = new Set(
    (db.prepare("SELECT json_extract(body, '$.requestId') AS id FROM audit_records").all() as { id: string }[]).map((r) => r.id),
  );
  assert.ok(acked.size >= 3000);
  const missing = [...acked].filter((id) => !present.has(id));
  assert.deepEqual(missing, []);
  // The restarted log continues the chain.
  await log.admin('restart');
  assert.equal(log.verify().ok, true);
  await log.close();
  db.close();
});
