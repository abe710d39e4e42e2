/**
 * Bad input at the HTTP edge: each case gets the spec's status, a JSON-RPC error with a
 * catalogue code, and the gateway keeps serving a well-behaved client throughout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { ROOT, RUN_TS, connect, startTestWarden, type TestWarden } from '../helpers.ts';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

describe('bad input at the edge', () => {
  let w: TestWarden;
  let good: Client;
  let sessionId: string;

  before(async () => {
    w = await startTestWarden(`server: { host: 127.0.0.1, port: 0, maxBodyBytes: 4096, maxJsonDepth: 32 }
servers:
  crashy: { command: ${JSON.stringify([process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')])} }
`);
    good = await connect(w.url);
    const r = await fetch(w.url, { method: 'POST', headers: HEADERS, body: JSON.stringify(init) });
    sessionId = r.headers.get('mcp-session-id')!;
    await r.text();
    assert.ok(sessionId);
  });
  after(async () => {
    await good?.close();
    await w?.stop();
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const r = await fetch(w.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', ...headers }, body });
    const text = await r.text();
    const json = text.startsWith('{') ? (JSON.parse(text) as { error?: { code: number; data?: { code?: string } } }) : undefined;
    return { status: r.status, json, text };
  }

  /** fetch() will not send a forged Host header; node:http will. */
  function rawPost(body: string, headers: Record<string, string>): Promise<{ status: number; json?: { error?: { code: number; data?: { code?: string } } } }> {
    const url = new URL(w.url);
    return new Promise((resolve, reject) => {
      const r = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sessionId, ...headers } }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data.startsWith('{') ? JSON.parse(data) : undefined }));
      });
      r.on('error', reject);
      r.end(body);
    });
  }

  const cases: Array<[string, () => Promise<{ status: number; json?: { error?: { code: number; data?: { code?: string } } } }>, number, number, string]> = [
    ['malformed JSON', () => post('{"jsonrpc": "2.0", "id": 1, "method": '), 400, -32700, 'WARDEN_PARSE_ERROR'],
    ['a JSON-RPC batch', () => post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }])), 400, -32600, 'WARDEN_BATCH_UNSUPPORTED'],
    ['not JSON-RPC 2.0', () => post(JSON.stringify({ id: 1, method: 'ping' })), 400, -32600, 'WARDEN_INVALID_REQUEST'],
    ['an oversized body', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(10_000) } })), 413, -32600, 'WARDEN_BODY_TOO_LARGE'],
    ['deep nesting', () => post(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(200)}${']'.repeat(200)}}}`), 400, -32600, 'WARDEN_TOO_DEEP'],
    ['a wrong protocol version', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'mcp-protocol-version': '1999-01-01' }), 400, -32600, 'WARDEN_BAD_PROTOCOL_VERSION'],
    ['a missing session id', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { 'mcp-session-id': '' }), 400, -32600, 'WARDEN_SESSION_REQUIRED'],
    ['an unknown session id', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { 'mcp-session-id': 'nope' }), 404, -32600, 'WARDEN_SESSION_NOT_FOUND'],
    ['a bad Origin', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: 'https://evil.example' }), 403, -32600, 'WARDEN_BAD_ORIGIN'],
    ['a bad Host (DNS rebinding)', () => rawPost(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { host: 'evil.example' }), 403, -32600, 'WARDEN_BAD_HOST'],
    ['a wrong content type', () => post('ping', { 'content-type': 'text/plain' }), 415, -32600, 'WARDEN_UNSUPPORTED_MEDIA_TYPE'],
  ];

  for (const [name, send, status, rpc, code] of cases) {
    test(`${name} → ${status} ${code}, and others are still served`, async () => {
      const r = await send();
      assert.equal(r.status, status);
      assert.equal(r.json?.error?.code, rpc);
      assert.equal(r.json?.error?.data?.code, code);
      const { tools } = await good.listTools();
      assert.ok(tools.length > 0);
    });
  }

  test('an unknown method gets JSON-RPC "method not found"', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'warden/nope', params: {} }));
    assert.equal(r.status, 200);
    assert.match(r.text, /"code":-32601/);
  });

  test('an unknown path and an unsupported HTTP method get catalogue errors', async () => {
    const nf = await fetch(w.url.replace('/mcp', '/nope'));
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as { error: { data: { code: string } } }).error.data.code, 'WARDEN_NOT_FOUND');
    const put = await fetch(w.url, { method: 'PUT', headers: HEADERS, body: '{}' });
    assert.equal(put.status, 405);
    assert.equal(((await put.json()) as { error: { data: { code: string } } }).error.data.code, 'WARDEN_METHOD_NOT_ALLOWED');
  });

  test('a session belongs to the agent and endpoint that opened it; DELETE ends it', async () => {
    const other = await fetch(w.url.replace('/mcp', '/mcp/other'), { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    assert.equal(other.status, 404);
    await other.text();
    const del = await fetch(w.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    assert.equal(del.status, 200);
    const after = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    assert.equal(after.status, 404);
  });
});
