import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
}

test('warden check: 0 and warnings for a valid config, 1 with key paths for an invalid one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-check-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, 'servers:\n  a: { command: [x] }\n');
  writeFileSync(bad, 'servers:\n  a: { command: [x], timeoutMs: -1 }\nsurprise: 1\n');
  const g = io();
  assert.equal(await main(['check', '--config', good], g.io), 0);
  assert.match(g.out.join(''), /ok: .*good\.yaml \(1 servers\)/);
  const b = io();
  assert.equal(await main(['check', '--config', bad], b.io), 1);
  const msg = b.err.join('');
  assert.match(msg, /servers\.a\.timeoutMs \(line 2\)/);
  assert.match(msg, /surprise \(line 3\): unknown key/);
});

test('usage errors exit 2; help exits 0', async () => {
  assert.equal(await main([], io().io), 2);
  assert.equal(await main(['frobnicate'], io().io), 2);
  assert.equal(await main(['start'], io().io), 2);
  assert.equal(await main(['start', '--config', 'x', '--port', 'eighty'], io().io), 2);
  assert.equal(await main(['--help'], io().io), 0);
});

test('a local-only config is refused on a non-loopback bind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bind-'));
  const cfg = join(dir, 'w.yaml');
  writeFileSync(cfg, 'server: { host: 0.0.0.0 }\nservers: {}\n');
  const r = io();
  assert.equal(await main(['check', '--config', cfg], r.io), 1);
  assert.match(r.err.join(''), /auth\.mode/);
});
