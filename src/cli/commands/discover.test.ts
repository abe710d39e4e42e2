import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { knownFromConfig, run } from './discover.ts';

const fixtures = fileURLToPath(new URL('../../discovery/fixtures/', import.meta.url));
function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), now: () => 42 } };
}

test('discover --json reports shadow servers, routed ones and problems', async () => {
  const t = io();
  const code = await run(['--json', '--home', join(fixtures, 'mac-home'), '--cwd', join(fixtures, 'project'), '--platform', 'darwin'], t.io);
  assert.equal(code, 1);
  const r = JSON.parse(t.out[0]!) as { shadow: Array<{ name: string }>; problems: unknown[] };
  assert.ok(r.shadow.some((s) => s.name === 'memory'));
  assert.equal(r.problems.length, 1);
});

test('discover --fix routes a known server through warden stdio', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-disc-cli-'));
  try {
    cpSync(join(fixtures, 'mac-home'), dir, { recursive: true });
    const cfg = join(dir, 'warden.yaml');
    writeFileSync(cfg, 'server: { port: 9999 }\nservers:\n  memory: { command: [npx, -y, "@modelcontextprotocol/server-memory"] }\n');
    const t = io();
    const code = await run(['--fix', '--config', cfg, '--home', dir, '--cwd', dir, '--platform', 'darwin'], t.io);
    const text = t.out.join('\n');
    assert.match(text, /FIXED .*claude_desktop_config\.json: removed memory; added "warden"; backup .*\.bak-42/);
    assert.match(text, /Register these in/);
    assert.equal(code, 1, 'other shadow servers remain');
    const file = join(dir, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { mcpServers: { warden: { command: 'warden', args: ['stdio', '--config', cfg] } } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--fix without a config is a usage error; gateway URL comes from the config', async () => {
  assert.equal(await run(['--fix'], io().io), 2);
  assert.equal(await run(['--platform', 'beos'], io().io), 2);
  const dir = mkdtempSync(join(tmpdir(), 'warden-disc-cfg-'));
  try {
    const cfg = join(dir, 'w.yaml');
    writeFileSync(cfg, 'server: { host: 0.0.0.0, port: 1234 }\nservers:\n  docs: { url: "https://d/mcp" }\n');
    assert.deepEqual(knownFromConfig(cfg, ['https://gw/mcp']), { gatewayUrls: ['https://gw/mcp', 'http://127.0.0.1:1234/mcp'], upstreams: { docs: { url: 'https://d/mcp' } } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
