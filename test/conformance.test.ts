/**
 * The conformance fixture server itself: it must serve both protocol eras over HTTP and stdio, and
 * the official suite (`@modelcontextprotocol/conformance`, run with the Node 22 binary from
 * node_modules) must pass every active server scenario against it. Warden's own comparison run is
 * `npm run conformance` (scripts/conformance.mjs).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startConformanceHttp, type ConformanceHttpServer } from './fixtures/conformance-server.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const NODE22 = join(repoRoot, 'tools/conformance/node_modules/node/bin/node');
const SUITE_CLI = join(repoRoot, 'tools/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js');

const FIXTURE_TOOLS = [
  'json_schema_2020_12_tool', 'test_audio_content', 'test_elicitation', 'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums', 'test_embedded_resource', 'test_error_handling', 'test_image_content',
  'test_multiple_content_types', 'test_reconnection', 'test_sampling', 'test_simple_text',
  'test_tool_with_logging', 'test_tool_with_progress',
];

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** A client that answers sampling and elicitation like the suite's own client does. */
function newClient(mode: 'legacy' | 'modern'): Client {
  const client = new Client(
    { name: 'fixture-test', version: '1.0.0' },
    {
      capabilities: { sampling: {}, elicitation: {} },
      ...(mode === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant', model: 'test-model', content: { type: 'text', text: 'sampled' },
  }));
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { response: 'yes' } }));
  return client;
}

describe('conformance fixture over HTTP', () => {
  let server: ConformanceHttpServer;
  before(async () => { server = await startConformanceHttp({ port: 0 }); });
  after(async () => { await server.close(); });

  test('2025-11-25: opens a session, lists every fixture tool, relays sampling', async () => {
    const client = newClient('legacy');
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, 'a 2025 session id is issued');
      assert.equal(server.sessionCount(), 1);
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, FIXTURE_TOOLS);
      const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
      assert.equal(textOf(sampled), 'LLM response: sampled');
      const failed = await client.callTool({ name: 'test_error_handling', arguments: {} });
      assert.equal(failed.isError, true);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    assert.equal(server.sessionCount(), 0, 'DELETE ends the session');
  });

  test('2026-07-28: stateless, elicitation by input_required, progress relayed', async () => {
    const client = newClient('modern');
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(server.sessionCount(), 0, 'no 2025 session is opened');
      const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'ok?' } });
      assert.equal(textOf(elicited), 'User response: action=accept, content={"response":"yes"}');
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'test_tool_with_progress', arguments: {} },
        { onprogress: (p) => { progress.push(p.progress); } },
      );
      assert.deepEqual(progress, [0, 50, 100]);
      assert.notEqual(textOf(result), 'no-progress-token');
    } finally {
      await client.close();
    }
  });

  test('rejects a non-localhost Host (DNS rebinding) with 403', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: 'http://evil.example.com' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(res.status, 403);
  });
});

describe('conformance fixture over stdio', () => {
  for (const mode of ['legacy', 'modern'] as const) {
    test(`${mode} era: lists tools and calls one`, async () => {
      const client = newClient(mode);
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [join(repoRoot, 'bin/run-ts.js'), join(repoRoot, 'test/fixtures/conformance-server.ts'), '--stdio'],
        stderr: 'ignore',
      });
      await client.connect(transport);
      try {
        assert.equal((await client.listTools()).tools.length, FIXTURE_TOOLS.length);
        const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(textOf(r), 'This is a simple text response for testing.');
      } finally {
        await client.close();
      }
    });
  }
});

describe('official conformance suite against the fixture', () => {
  test('every active server scenario passes', async () => {
    assert.ok(existsSync(NODE22), `Node 22 binary missing at ${NODE22} (devDependency "node"; run npm install)`);
    const server = await startConformanceHttp({ port: 0 });
    const out = mkdtempSync(join(tmpdir(), 'warden-conformance-test-'));
    try {
      const code = await new Promise<number | null>((resolveRun, reject) => {
        const child = spawn(NODE22, [SUITE_CLI, 'server', '--url', server.url, '-o', out], { stdio: 'ignore' });
        const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('suite timed out after 90 s')); }, 90_000);
        child.once('error', reject);
        child.once('exit', (c) => { clearTimeout(timer); resolveRun(c); });
      });
      const scenarios = readdirSync(out).map((dir) => {
        const checks = JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8')) as Array<{ status: string; id: string }>;
        return { dir, failed: checks.filter((c) => c.status === 'FAILURE').map((c) => c.id) };
      });
      assert.equal(scenarios.length, 30, 'the 0.1.16 active server suite has 30 scenarios');
      assert.deepEqual(scenarios.filter((s) => s.failed.length > 0), []);
      assert.equal(code, 0);
    } finally {
      await server.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
