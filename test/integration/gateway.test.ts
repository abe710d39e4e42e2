/**
 * Warden in front of the real npm servers (server-everything, server-filesystem, server-memory)
 * and a crash-test fixture, driven by the SDK client over Streamable HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { EVERYTHING, FILESYSTEM, MEMORY, ROOT, RUN_TS, connect, startTestWarden, until, type TestWarden } from '../helpers.ts';

const crashy = [process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')];

function config(extra = ''): string {
  return `server: { host: 127.0.0.1, port: 0, pageSize: 10 }
logging: { level: silent }
servers:
  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }
  files: { command: ${JSON.stringify([process.execPath, FILESYSTEM, join(ROOT, 'examples/files')])} }
  memory: { command: ${JSON.stringify([process.execPath, MEMORY])}, env: { MEMORY_FILE_PATH: "\${configDir}/memory.jsonl" } }
  crashy: { command: ${JSON.stringify(crashy)}, restart: { initialDelayMs: 100, maxDelayMs: 500 }, env: { VISIBLE: "yes" } }
${extra}`;
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]!.text);

describe('gateway core against real MCP servers', () => {
  let w: TestWarden;
  let client: Client;

  before(async () => {
    process.env.WARDEN_TEST_SECRET = 'must-not-reach-upstreams';
    w = await startTestWarden(config());
    client = await connect(w.url);
  });
  after(async () => {
    await client?.close();
    await w?.stop();
  });

  test('aggregates every server’s tools under namespaced names, following pagination', async () => {
    const { tools } = await client.listTools(); // the SDK walks our 10-item pages
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('everything__echo'));
    assert.ok(names.includes('files__read_text_file'));
    assert.ok(names.includes('memory__create_entities'));
    assert.ok(names.includes('crashy__hello'));
    assert.equal(new Set(names).size, names.length, 'no duplicates');
    assert.ok(names.every((n) => /^[A-Za-z0-9_.-]{1,128}$/.test(n)));
    const page = (await client.request({ method: 'tools/list', params: {} } as never)) as { tools: unknown[]; nextCursor?: string };
    assert.equal(page.tools.length, 10);
    assert.ok(page.nextCursor);
  });

  test('calls reach the right server with the upstream’s own tool name', async () => {
    assert.equal(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } })), 'Echo: hi');
    const file = await client.callTool({ name: 'files__read_text_file', arguments: { path: join(ROOT, 'examples/files/report.txt') } });
    assert.match(text(file), /Quarterly report/);
    const outside = await client.callTool({ name: 'files__read_text_file', arguments: { path: '/etc/passwd' } });
    assert.equal(outside.isError, true, 'the filesystem server stays confined to examples/files');
    await client.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'warden', entityType: 'gateway', observations: ['test'] }] } });
    const graph = await client.callTool({ name: 'memory__read_graph', arguments: {} });
    assert.match(JSON.stringify(graph), /warden/);
  });

  test('resources and prompts are aggregated and readable', async () => {
    const { resources } = await client.listResources();
    assert.ok(resources.length > 0);
    const first = resources.find((r) => r.uri.startsWith('demo://'))!;
    const read = await client.readResource({ uri: first.uri });
    assert.equal(read.contents[0]!.uri, first.uri);
    const { prompts } = await client.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'everything__simple-prompt'));
    const got = await client.getPrompt({ name: 'everything__simple-prompt' });
    assert.ok(got.messages.length > 0);
  });

  test('an unknown tool is a tool error carrying the catalogue code, and never reaches an upstream', async () => {
    const r = await client.callTool({ name: 'everything__nope', arguments: {} });
    assert.equal(r.isError, true);
    assert.equal((r._meta?.['warden/error'] as { code?: string })?.code, 'WARDEN_UNKNOWN_TOOL');
    assert.match(text(r), /Unknown tool: everything__nope/);
  });

  test('progress from the upstream reaches the client under the client’s own token', async () => {
    const seen: number[] = [];
    const r = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
      { onprogress: (p) => seen.push(p.progress), resetTimeoutOnProgress: true },
    );
    assert.match(text(r), /completed/);
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  test('cancellation by the client aborts the upstream call, and the gateway keeps serving', async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: 'crashy__slow', arguments: {} }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await assert.rejects(call);
    assert.match(text(await client.callTool({ name: 'crashy__hello', arguments: { name: 'x' } })), /hello x/);
  });

  test('stdio children get a scrubbed environment: what the config passes plus the SDK’s non-secret basics', async () => {
    const names = text(await client.callTool({ name: 'crashy__env', arguments: {} })).split(',');
    assert.ok(names.includes('VISIBLE'));
    assert.ok(names.includes('PATH'));
    assert.ok(!names.includes('WARDEN_TEST_SECRET'), 'Warden’s own environment does not leak');
    const allowed = new Set(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'VISIBLE']);
    assert.deepEqual(names.filter((n) => !allowed.has(n)), []);
  });

  test('server-to-client sampling inside a call reaches this client and its answer comes back', async () => {
    const sampler = await connect(w.url, { capabilities: { sampling: {} } });
    sampler.setRequestHandler('sampling/createMessage', async () => ({
      model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the test client' },
    }));
    try {
      const r = await sampler.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } });
      assert.match(JSON.stringify(r), /sampled by the test client/);
    } finally {
      await sampler.close();
    }
  });

  test('a crashed upstream drops out with list_changed, then returns after restart', async () => {
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changes++);
    const before = text(await client.callTool({ name: 'crashy__hello', arguments: { name: 'a' } }));
    await client.callTool({ name: 'crashy__crash', arguments: {} }).catch(() => undefined);
    await until(() => w.gateway.status().crashy?.state !== 'ready', 10_000, 'crashy down');
    await until(async () => w.gateway.status().crashy?.state === 'ready', 15_000, 'crashy restarted');
    await until(() => changes >= 2, 5_000, 'list_changed notifications (drop and return)');
    const afterRestart = text(await client.callTool({ name: 'crashy__hello', arguments: { name: 'a' } }));
    assert.notEqual(before, afterRestart, 'a new process answers');
  });

  test('an upstream’s own list_changed re-aggregates and notifies clients', async () => {
    let changed = false;
    client.setNotificationHandler('notifications/tools/list_changed', () => void (changed = true));
    await client.callTool({ name: 'crashy__add_tool', arguments: {} });
    await until(() => changed, 5_000, 'list_changed');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'crashy__extra'));
  });

  test('/readyz reports each upstream', async () => {
    const r = await fetch(w.url.replace('/mcp', '/readyz'));
    const body = (await r.json()) as { upstreams: Record<string, { state: string }> };
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(body.upstreams).sort(), ['crashy', 'everything', 'files', 'memory']);
  });

  test('config reload changes the aggregate without dropping the session', async () => {
    let changed = false;
    client.setNotificationHandler('notifications/tools/list_changed', () => void (changed = true));
    w.writeConfig(config().replace('  memory: {', '  memory: { prefix: mem,'));
    assert.deepEqual(await w.reload(), { ok: true });
    await until(() => changed, 5_000, 'list_changed after reload');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'mem__read_graph'));
    assert.ok(!tools.some((t) => t.name === 'memory__read_graph'));
    // An invalid config is refused and the old one keeps running.
    w.writeConfig(readFileSync(w.configPath, 'utf8') + '\nunknownKey: 1\n');
    const bad = await w.reload();
    assert.equal(bad.ok, false);
    assert.match(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'still here' } })), /still here/);
  });
});

describe('2026-07-28 clients', () => {
  let w: TestWarden;
  before(async () => {
    w = await startTestWarden(`server: { host: 127.0.0.1, port: 0 }\nservers:\n  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }\n`);
  });
  after(async () => w?.stop());

  test('a modern client negotiates 2026-07-28 statelessly and calls through Warden', async () => {
    const c = await connect(w.url, { era: 'auto' });
    try {
      assert.equal(c.getProtocolEra(), 'modern');
      const { tools } = await c.listTools();
      assert.ok(tools.some((t) => t.name === 'everything__echo'));
      assert.equal(text(await c.callTool({ name: 'everything__echo', arguments: { message: 'modern' } })), 'Echo: modern');
      assert.equal(w.http.sessions.size, 0, 'no 2025-era session was opened');
    } finally {
      await c.close();
    }
  });
});
