/**
 * `warden start` as a user runs it: SIGTERM lets in-flight calls finish within the grace period,
 * refuses new work meanwhile, and exits 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RUN_TS, connect } from '../helpers.ts';

test('SIGTERM drains in-flight calls, then the process exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-shutdown-'));
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, `server: { host: 127.0.0.1, port: 0, shutdownGraceMs: 5000 }
logging: { level: warn }
servers:
  crashy: { command: ${JSON.stringify([process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')])} }
`);
  const child = spawn(process.execPath, [join(ROOT, 'bin/warden.js'), 'start', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const t = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 20_000);
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /Warden listening on (http:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const client = await connect(url);
    const inflight = client.callTool({ name: 'crashy__wait', arguments: { ms: 1500 } });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(client.callTool({ name: 'crashy__hello', arguments: { name: 'late' } }), (e: { data?: { code?: string } }) => e.data?.code === 'WARDEN_SHUTTING_DOWN');
    const r = await inflight;
    assert.equal((r.content as { text: string }[])[0]!.text, 'waited 1500', 'the in-flight call finished');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
