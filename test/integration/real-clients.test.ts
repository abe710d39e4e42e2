/**
 * Real MCP clients against Warden fronting server-everything (issues 2 and 3): the MCP Inspector
 * CLI, `mcp-remote` (the stdio↔HTTP bridge desktop hosts use) driven by an SDK v2 stdio client, the
 * v1 SDK's Streamable HTTP and legacy HTTP+SSE clients, an upstream served over legacy HTTP+SSE,
 * and OAuth 2.1 end to end with `oidc-provider` as the authorization server.
 *
 * Everything binds 127.0.0.1 on ephemeral ports; every child process has a bounded lifetime and is
 * killed in `after`; no child gets the network or a browser (HOME and mcp-remote's token store
 * point into a temp dir, and no flow here ever reaches mcp-remote's browser step).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTP } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport as V1SSE } from '@modelcontextprotocol/sdk/client/sse.js';
import { EVERYTHING, NM, ROOT, connect, startTestWarden, type TestWarden } from '../helpers.ts';

// `@modelcontextprotocol/inspector-cli` is the Inspector's command-line mode on its own (what
// `npx @modelcontextprotocol/inspector --cli` runs in the 1.x line; 2.x bundles a web UI, vite,
// react and a native keyring we do not need). Its `build/cli.js` only re-spawns `node build/index.js`,
// so we run index.js directly with our own Node.
const INSPECTOR_DIR = join(NM, '@modelcontextprotocol/inspector-cli/build');
const INSPECTOR = join(INSPECTOR_DIR, 'index.js');
const MCP_REMOTE = join(NM, 'mcp-remote/dist/proxy.js');
const LOOPBACK = join(ROOT, 'test/fixtures/real-clients/loopback-listen.mjs');

const CHILD_MS = 15_000; // hard cap on any one child process
const TEST_MS = 30_000;
const scratch = mkdtempSync(join(tmpdir(), 'warden-real-clients-'));
// Children get a minimal environment: no proxies, no real HOME (mcp-remote keeps tokens under it).
const childEnv = { ...getDefaultEnvironment(), HOME: scratch, MCP_REMOTE_CONFIG_DIR: join(scratch, 'mcp-auth'), BROWSER: 'false', NO_COLOR: '1' };

after(() => rmSync(scratch, { recursive: true, force: true }));

const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The Inspector CLI as a child process; killed (SIGKILL) if it outlives CHILD_MS. */
function inspector(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    // cwd matters: index.js finds its own package.json via fs.existsSync('../package.json'), which
    // is relative to the working directory, then imports it relative to the module.
    execFile(process.execPath, [INSPECTOR, ...args], { cwd: INSPECTOR_DIR, env: childEnv, timeout: CHILD_MS, killSignal: 'SIGKILL', maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** An SDK v2 client speaking stdio to `mcp-remote`, which speaks HTTP to Warden. */
async function viaMcpRemote(url: string, extra: string[] = [], era: 'legacy' | 'auto' = 'legacy'): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_REMOTE, url, '--transport', 'http-only', '--connect-timeout', '5', ...extra],
    env: childEnv,
    cwd: scratch,
    stderr: 'pipe',
  });
  let log = '';
  transport.stderr?.on('data', (d: Buffer) => void (log = (log + d.toString()).slice(-8000)));
  const client = new Client({ name: 'warden-real-clients', version: '1.0.0' }, { versionNegotiation: { mode: era } });
  try {
    await within(client.connect(transport), CHILD_MS, `mcp-remote connect; its stderr:\n${log}`);
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new Error(`${(err as Error).message}\nmcp-remote stderr:\n${log}`);
  }
  return { client, stderr: () => log };
}

const everythingOnly = (extra = '') => `server: { host: 127.0.0.1, port: 0 }
logging: { level: silent }
servers:
  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }
${extra}`;

describe('real clients against Warden (auth.mode none)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startTestWarden(everythingOnly());
  });
  after(async () => {
    await w?.stop();
  });

  test('MCP Inspector CLI: tools/list shows the namespaced tools', { timeout: TEST_MS }, async () => {
    const r = await inspector([w.url, '--transport', 'http', '--method', 'tools/list']);
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    assert.ok(names.includes('everything__echo'), names.join(','));
    assert.ok(names.length > 5 && names.every((n) => n.startsWith('everything__')), names.join(','));
  });

  test('MCP Inspector CLI: tools/call everything__echo returns the echo', { timeout: TEST_MS }, async () => {
    const r = await inspector([w.url, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'everything__echo', '--tool-arg', 'message=hello from the inspector']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(text(JSON.parse(r.stdout)), 'Echo: hello from the inspector');
  });

  test('MCP Inspector CLI: resources/list and prompts/get come through too', { timeout: TEST_MS }, async () => {
    const res = await inspector([w.url, '--transport', 'http', '--method', 'resources/list']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok((JSON.parse(res.stdout) as { resources: unknown[] }).resources.length > 0);
    const p = await inspector([w.url, '--transport', 'http', '--method', 'prompts/get', '--prompt-name', 'everything__simple-prompt']);
    assert.equal(p.code, 0, p.stderr);
    assert.ok((JSON.parse(p.stdout) as { messages: unknown[] }).messages.length > 0);
  });

  test('mcp-remote (2025-11-25 era) bridges an SDK v2 stdio client to Warden: list and call', { timeout: TEST_MS }, async () => {
    const { client } = await viaMcpRemote(w.url);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'everything__echo'));
      assert.ok(tools.every((t) => t.name.startsWith('everything__')));
      assert.equal(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'via mcp-remote' } })), 'Echo: via mcp-remote');
      const unknown = await client.callTool({ name: 'everything__nope', arguments: {} });
      assert.equal(unknown.isError, true, 'an unknown tool is still a tool error through the bridge');
    } finally {
      await client.close();
    }
  });

  test('mcp-remote --protocol auto speaks 2026-07-28 to Warden for a 2025-era stdio client', { timeout: TEST_MS }, async () => {
    const sessions = new Set(w.http.sessions.keys());
    const { client, stderr } = await viaMcpRemote(w.url, ['--protocol', 'auto']);
    try {
      assert.equal(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'modern' } })), 'Echo: modern');
      assert.match(stderr(), /speaks MCP 2026-07-28/, 'mcp-remote found the modern era on Warden');
      // The bridge answered the handshake itself and went stateless: Warden opened no 2025 session.
      assert.deepEqual(new Set(w.http.sessions.keys()), sessions);
    } finally {
      await client.close();
    }
  });

  test('v1 SDK (@modelcontextprotocol/sdk) Streamable HTTP client, 2025-11-25: list and call', { timeout: TEST_MS }, async () => {
    const client = new V1Client({ name: 'v1-client', version: '1.0.0' });
    const transport = new V1StreamableHTTP(new URL(w.url));
    await within(client.connect(transport), CHILD_MS, 'v1 connect');
    try {
      assert.equal(transport.protocolVersion, '2025-11-25');
      assert.ok(transport.sessionId, 'a 2025-era session id from Warden');
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'everything__echo'));
      assert.equal(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'v1' } })), 'Echo: v1');
    } finally {
      await transport.terminateSession(); // DELETE
      await client.close();
    }
  });

  test('v1 SDK legacy HTTP+SSE client: Warden serves no HTTP+SSE endpoint, and says so', { timeout: TEST_MS }, async () => {
    // Warden downstream speaks Streamable HTTP only (both eras); the 2024-11-05 HTTP+SSE transport
    // (GET an event stream, receive an `endpoint` event, POST to it) is not served. A legacy-only
    // client fails at connect; the gap is reported, not papered over.
    for (const url of [w.url, w.url.replace(/\/mcp$/, '/sse')]) {
      const client = new V1Client({ name: 'v1-sse-client', version: '1.0.0' });
      const err = await within(client.connect(new V1SSE(new URL(url))).then(() => undefined, (e: unknown) => e as Error), CHILD_MS, 'v1 sse connect');
      await client.close().catch(() => undefined);
      assert.ok(err instanceof Error, `${url}: a legacy SSE client should not connect`);
      const r = await fetch(url, { headers: { accept: 'text/event-stream' } });
      await r.body?.cancel();
      assert.ok(r.status >= 400 && r.status < 500, `${url}: ${r.status}`);
      assert.notEqual(r.headers.get('content-type'), 'text/event-stream');
    }
  });
});
