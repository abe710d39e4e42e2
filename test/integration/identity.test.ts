/**
 * Identity and least privilege through the whole gateway: two agents with different roles against
 * the same upstreams, every bad credential refused at the edge with no upstream traffic, argument
 * conditions, and a reload that changes grants without dropping sessions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import { EVERYTHING, ROOT, RUN_TS, connect, startTestWarden, until, type TestWarden } from '../helpers.ts';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(SECRET);
const token = (sub: string, o: { iss?: string; aud?: string; exp?: number; nbf?: number; k?: Uint8Array } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(o.iss ?? 'https://idp.test')
    .setAudience(o.aud ?? 'warden').setIssuedAt(now).setNotBefore(o.nbf ?? now - 5).setExpirationTime(o.exp ?? now + 300).sign(o.k ?? key);
};

const config = (supportExtra = '') => `server: { host: 127.0.0.1, port: 0 }
servers:
  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }
  crashy: { command: ${JSON.stringify([process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')])} }
auth:
  jwt:
    - issuer: https://idp.test
      audience: warden
      keys: [ { algorithms: [HS256], secret: "${SECRET}" } ]
agents:
  support-bot: { roles: [support] }
  ops-bot: { roles: [ops] }
roles:
  support:
    allow:
      - { server: everything, tools: [echo], when: 'args.message.startsWith("#support-")' }
      - { server: crashy, tools: [hello] }
${supportExtra}
  ops:
    allow:
      - { server: everything, tools: ["get-*"] }
`;

describe('identity and least privilege', () => {
  let w: TestWarden;
  let support: Client;
  let ops: Client;
  before(async () => {
    w = await startTestWarden(config());
    support = await connect(w.url, { headers: { authorization: `Bearer ${await token('support-bot')}` } });
    ops = await connect(w.url, { headers: { authorization: `Bearer ${await token('ops-bot')}` } });
  });
  after(async () => {
    await support?.close();
    await ops?.close();
    await w?.stop();
  });

  test('two agents see different tools from the same upstreams', async () => {
    const s = (await support.listTools()).tools.map((t) => t.name).sort();
    const o = (await ops.listTools()).tools.map((t) => t.name);
    assert.deepEqual(s, ['crashy__hello', 'everything__echo']);
    assert.ok(o.length > 0 && o.every((n) => n.startsWith('everything__get-')), o.join(','));
  });

  test('a call to the other agent’s tool is indistinguishable from an unknown tool', async () => {
    const hidden = await ops.callTool({ name: 'crashy__hello', arguments: { name: 'x' } });
    const unknown = await ops.callTool({ name: 'crashy__nope', arguments: { name: 'x' } });
    const strip = (r: unknown) => JSON.stringify(r).replaceAll('crashy__hello', 'N').replaceAll('crashy__nope', 'N');
    assert.equal(strip(hidden), strip(unknown));
    assert.equal(hidden.isError, true);
  });

  test('argument conditions hold, and fail closed on the wrong type', async () => {
    const ok = await support.callTool({ name: 'everything__echo', arguments: { message: '#support-team hi' } });
    assert.equal(ok.isError, undefined);
    for (const message of ['#general hi', '#ѕupport-team look-alike', 42, ['#support-x'], { nested: '#support-x' }]) {
      const r = await support.callTool({ name: 'everything__echo', arguments: { message } as never });
      assert.equal(r.isError, true, JSON.stringify(message));
      assert.equal((r._meta?.['warden/error'] as { code?: string })?.code, 'WARDEN_ARGUMENTS_DENIED');
    }
  });

  test('every bad credential gets 401 with WWW-Authenticate, and nothing reaches an upstream', async () => {
    const before = (await fetch(w.url.replace('/mcp', '/readyz')).then((r) => r.json())) as object;
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string | undefined> = {
      missing: undefined,
      malformed: 'Bearer not.a.jwt',
      expired: `Bearer ${await token('support-bot', { exp: now - 3600, nbf: now - 7200 })}`,
      'not yet valid': `Bearer ${await token('support-bot', { nbf: now + 3600, exp: now + 7200 })}`,
      'wrong issuer': `Bearer ${await token('support-bot', { iss: 'https://evil.test' })}`,
      'wrong audience': `Bearer ${await token('support-bot', { aud: 'someone-else' })}`,
      'wrong key': `Bearer ${await token('support-bot', { k: new TextEncoder().encode('x'.repeat(40)) })}`,
      'alg none': `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'support-bot', iss: 'https://idp.test', aud: 'warden', exp: now + 300 })).toString('base64url')}.`,
      'oversized token (10 KB)': `Bearer ${'a'.repeat(10_000)}`,
      'unknown API key': 'Bearer wdn_' + 'x'.repeat(40),
    };
    for (const [name, authorization] of Object.entries(bad)) {
      const r = await fetch(w.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      assert.equal(r.status, 401, name);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/, name);
      const body = (await r.json()) as { error: { data: { code: string } } };
      assert.equal(body.error.data.code, 'WARDEN_UNAUTHENTICATED', name);
    }
    // A 1 MB header never reaches Warden: Node's HTTP parser refuses it (431) before any handler runs.
    const huge = await fetch(w.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${'a'.repeat(1_000_000)}` }, body: '{}' }).catch((e: Error) => e);
    assert.ok(huge instanceof Error || huge.status === 431, String(huge instanceof Error ? huge.message : huge.status));
    assert.equal(w.http.sessions.size, 2, 'only the two good clients hold sessions');
    assert.deepEqual(await fetch(w.url.replace('/mcp', '/readyz')).then((r) => r.json()), before);
  });

  test('a reload changes grants for new calls without dropping sessions', async () => {
    let changed = false;
    support.setNotificationHandler('notifications/tools/list_changed', () => void (changed = true));
    w.writeConfig(config('      - { server: everything, tools: [get-sum] }'));
    assert.deepEqual(await w.reload(), { ok: true });
    await until(() => changed, 5000, 'list_changed');
    const s = (await support.listTools()).tools.map((t) => t.name);
    assert.ok(s.includes('everything__get-sum'), s.join(','));
    const r = await support.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } });
    assert.equal(r.isError, undefined);
  });
});
