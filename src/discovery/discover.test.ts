import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discover, runsWardenStdio, type DiscoveryResult } from './discover.ts';
import { applyFix, planFix, upstreamSnippet } from './fix.ts';
import { parseJsonc } from './jsonc.ts';
import { redactArgs } from './redact.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const project = join(fixtures, 'project');
const known = { gatewayUrls: ['http://127.0.0.1:8788/mcp'] };
const names = (r: DiscoveryResult['shadow']) => r.map((s) => `${s.client}/${s.name}`).sort();

describe('discover on Linux', () => {
  const r = discover({ home: join(fixtures, 'linux-home'), platform: 'linux', cwd: project, env: {}, knownServers: known });

  test('finds every client format', () => {
    assert.deepEqual(names(r.shadow), [
      'Claude Code/github', 'Claude Code/postgres', 'Claude Code/puppeteer', 'Claude Desktop/filesystem',
      'Cline (VS Code)/slack', 'Continue/sqlite', 'VS Code/fetch', 'VS Code/playwright', 'VS Code/remote-docs',
      'Windsurf/sentry', 'Zed/new-style', 'Zed/old-style', 'Zed/remote',
    ]);
  });

  test('reports command, URL, transport and scope', () => {
    const fs = r.shadow.find((s) => s.name === 'filesystem')!;
    assert.equal(fs.command, 'npx');
    assert.deepEqual(fs.args, ['-y', '@modelcontextprotocol/server-filesystem', '/home/dev/projects']);
    assert.equal(fs.file, join(fixtures, 'linux-home', '.config', 'Claude', 'claude_desktop_config.json'));
    assert.equal(fs.transport, 'stdio');
    const docs = r.shadow.find((s) => s.name === 'remote-docs')!;
    assert.equal(docs.transport, 'sse');
    assert.equal(docs.url, 'https://docs.example.com/sse');
    const pg = r.shadow.find((s) => s.name === 'postgres')!;
    assert.equal(pg.scope, 'project');
    assert.equal(pg.project, '/nonexistent/proj');
    assert.deepEqual(pg.container, ['projects', '/nonexistent/proj', 'mcpServers']);
    assert.equal(r.shadow.find((s) => s.name === 'puppeteer')!.scope, 'project');
    assert.equal(r.shadow.find((s) => s.name === 'old-style')!.command, 'uvx');
    assert.equal(r.shadow.find((s) => s.name === 'sentry')!.url, 'https://mcp.sentry.dev/mcp');
  });

  test('credentials in arguments are redacted and env blocks never reported', () => {
    assert.ok(r.shadow.find((s) => s.name === 'postgres')!.args!.includes('postgresql://app:<redacted>@db/app'));
    assert.doesNotMatch(JSON.stringify(r), /hunter2|xoxb-secret-token/);
  });

  test('servers routed through Warden are not shadow', () => {
    assert.deepEqual(r.routed.map((s) => s.name).sort(), ['via-gateway', 'warden', 'warden-npx']);
    assert.ok(!r.shadow.some((s) => s.name.startsWith('warden') || s.name === 'via-gateway'));
  });

  test('malformed files are problems, not crashes', () => {
    const msgs = r.problems.map((p) => `${p.client}: ${p.message}`);
    assert.ok(msgs.some((m) => m.startsWith('Cursor: invalid JSON')));
    assert.ok(msgs.includes('Windsurf: server "bad": neither a command nor a URL'));
    assert.ok(msgs.includes('Gemini CLI: mcpServers is not an object'));
    assert.ok(msgs.some((m) => m.startsWith('Goose: invalid YAML')));
    assert.ok(msgs.includes('Cursor: mcpServers is not an object'), 'project-level wrong shape');
  });
});

describe('discover on macOS and Windows', () => {
  test('macOS paths: Application Support, VS Code mcp.json, Continue JSON', () => {
    const r = discover({ home: join(fixtures, 'mac-home'), platform: 'darwin', cwd: project, env: {}, knownServers: known });
    assert.deepEqual(names(r.shadow), ['Claude Code/puppeteer', 'Claude Desktop/memory', 'Continue/#0', 'VS Code/fetch', 'VS Code/github', 'Zed/brave']);
    assert.ok(r.shadow.find((s) => s.name === 'memory')!.file.includes(join('Library', 'Application Support', 'Claude')));
  });

  test('Windows paths: %APPDATA%, warden.js through node, gateway URL on loopback', () => {
    const home = join(fixtures, 'win-home');
    const r = discover({ home, platform: 'win32', cwd: project, env: {}, knownServers: known });
    assert.deepEqual(names(r.shadow), ['Claude Code/puppeteer', 'Claude Desktop/filesystem', 'VS Code/fetch', 'Zed/everything']);
    assert.deepEqual(r.routed.map((s) => s.name).sort(), ['gateway', 'warden']);
    assert.deepEqual(r.problems.map((p) => p.client), ['Cursor'], 'an empty Cline file is not a problem');
    // APPDATA from the environment wins over the default.
    const r2 = discover({ home, platform: 'win32', env: { APPDATA: join(home, 'nowhere') } });
    assert.ok(!r2.shadow.some((s) => s.client === 'Claude Desktop'));
  });

  test('the same home read as Linux does not see the Windows layout', () => {
    const r = discover({ home: join(fixtures, 'win-home'), platform: 'linux', env: {}, knownServers: known });
    assert.deepEqual(names(r.shadow), []);
  });

  test('a missing home is an empty result', () => {
    const r = discover({ home: join(fixtures, 'does-not-exist'), platform: 'linux' });
    assert.deepEqual(r, { shadow: [], routed: [], problems: [], files: [] });
  });
});

describe('warden detection and helpers', () => {
  test('runsWardenStdio', () => {
    assert.equal(runsWardenStdio('warden', ['stdio']), true);
    assert.equal(runsWardenStdio('npx', ['-y', 'warden-mcp@0.1.0', 'stdio']), true);
    assert.equal(runsWardenStdio('node', ['/opt/warden/bin/warden.js', 'stdio', '--config', 'x']), true);
    assert.equal(runsWardenStdio('warden', ['start']), false);
    assert.equal(runsWardenStdio('npx', ['mcp-server-stdio']), false);
  });
  test('JSONC: comments and trailing commas, strings untouched', () => {
    const p = parseJsonc('{ // c\n "a": "http://x//y", /* b */ "b": [1,2,], }');
    assert.deepEqual(p, { ok: true, value: { a: 'http://x//y', b: [1, 2] }, strict: false });
    assert.equal(parseJsonc('{').ok, false);
  });
  test('redaction of secret flags, tokens and URL passwords', () => {
    assert.deepEqual(redactArgs(['--token', 'abc', '--api-key=xyz', 'ghp_abcdefghijklmnop', 'https://u:p@h/x?key=1&a=2']), [
      '--token', '<redacted>', '--api-key=<redacted>', '<redacted>', 'https://u:<redacted>@h/x?key=<redacted>&a=2',
    ]);
  });
});

describe('--fix', () => {
  test('known shadow servers are replaced by one warden entry, with a backup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-discover-'));
    try {
      cpSync(join(fixtures, 'linux-home'), dir, { recursive: true });
      const file = join(dir, '.config', 'Claude', 'claude_desktop_config.json');
      const original = readFileSync(file, 'utf8');
      const r = discover({
        home: dir, platform: 'linux', env: {},
        knownServers: {
          ...known,
          upstreams: {
            fs: { command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/home/dev/projects'] },
            pw: { command: ['npx', '@playwright/mcp@latest'] },
          },
        },
      });
      assert.equal(r.shadow.find((s) => s.name === 'filesystem')!.knownUpstream, 'fs');
      const plan = planFix(r.shadow, { wardenCommand: ['warden', 'stdio', '--config', '/etc/warden.yaml'], now: () => 1234 });
      assert.equal(plan.fixes.length, 1);
      assert.equal(plan.skipped[0]!.reason.startsWith('not strict JSON'), true, 'VS Code settings with comments are not rewritten');
      assert.ok(plan.unregistered.some((s) => s.name === 'slack'));
      applyFix(plan);
      assert.equal(readFileSync(`${file}.bak-1234`, 'utf8'), original);
      const after = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> };
      assert.equal(after.mcpServers.filesystem, undefined);
      assert.deepEqual(after.mcpServers['warden-2'], { command: 'warden', args: ['stdio', '--config', '/etc/warden.yaml'] });
      assert.ok(after.mcpServers.warden, 'the existing warden entry is kept');
      // Rediscovering finds no shadow server in that file any more.
      const again = discover({ home: dir, platform: 'linux', env: {} });
      assert.ok(!again.shadow.some((s) => s.file === file));
      assert.ok(readdirSync(join(dir, '.config', 'Claude')).some((f) => f.includes('.bak-')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a snippet registers unknown servers in warden.yaml', () => {
    const s = upstreamSnippet([
      { client: 'x', file: 'f', format: 'mcpServers', container: ['mcpServers'], scope: 'user', name: 'my server', transport: 'stdio', command: 'uvx', args: ['a'], viaWarden: false },
      { client: 'x', file: 'f', format: 'mcpServers', container: ['mcpServers'], scope: 'user', name: 'docs', transport: 'http', url: 'https://d/mcp', viaWarden: false },
    ]);
    assert.equal(s, 'servers:\n  my-server:\n    command:\n      - uvx\n      - a\n  docs:\n    url: https://d/mcp\n');
  });
});
