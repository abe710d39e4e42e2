/**
 * Warden's own OAuth client credentials towards an upstream (issue 3), end to end: oidc-provider
 * issues RFC 9068 JWT access tokens bound (RFC 8707) to the upstream, which accepts a call only
 * with such a token verified against the provider's JWKS. Warden fetches, caches and — after a
 * revocation — refreshes the token; a wrong client secret leaves that upstream down, with a clear
 * error and no secret in it, while the rest of Warden keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import { startWarden, type RunningWarden } from '../../src/app.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { startConformanceHttp, type ConformanceHttpServer } from '../fixtures/conformance-server.ts';
import { connect } from '../helpers.ts';
import { startOidcProvider, type OidcServer } from '../fixtures/oidc.ts';

const CLIENT_ID = 'warden-upstream';
const CLIENT_SECRET = 'warden-upstream-client-secret-long-enough';
const WRONG_SECRET = 'not-the-secret-but-also-private';

const listen = async (s: Server): Promise<string> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

describe('upstream OAuth client credentials (oidc-provider → Warden → upstream)', () => {
  let as: OidcServer;
  let issuer: string;
  let fixture: ConformanceHttpServer;
  let guard: Server;
  let resource: string;
  const seen: { auth: string | undefined; verdict: 'ok' | 'rejected' }[] = [];
  const revoked = new Set<string>();
  let tokenRequests = 0;
  let w: RunningWarden;
  const logs: string[] = [];
  let client: Client;

  before(async () => {
    // The upstream's canonical URI is the guard's URL, known once it listens.
    guard = createServer();
    resource = `${await listen(guard)}/mcp`;
    // The authorization server, which binds tokens to that URI.
    as = await startOidcProvider({
      clients: [{ id: CLIENT_ID, secret: CLIENT_SECRET }],
      resource,
      clientAuthMethods: ['client_secret_basic'],
      onRequest: (req) => {
        if (req.url === '/token') tokenRequests++;
      },
    });
    issuer = as.issuer;

    // The upstream: the conformance server behind a guard that checks the token.
    fixture = await startConformanceHttp({ port: 0, onError: () => undefined });
    const target = new URL(fixture.url);
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
    guard.on('request', (req, res) => {
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : '';
      // Hold the body while the token is checked.
      const body = req.pipe(new PassThrough());
      const valid = jwtVerify(token, jwks, { issuer, audience: resource, typ: 'at+jwt' }).then(
        ({ payload }) => !revoked.has(String(payload.jti)) && String(payload.scope ?? '').split(' ').includes('mcp:tools'),
        () => false,
      );
      void valid.then((ok) => {
        seen.push({ auth, verdict: ok ? 'ok' : 'rejected' });
        if (!ok) {
          body.resume();
          return void res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        }
        const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        body.pipe(up);
      });
    });

    process.env.WARDEN_TEST_UP_OAUTH_SECRET = CLIENT_SECRET;
    process.env.WARDEN_TEST_UP_WRONG_SECRET = WRONG_SECRET;
    const oauth = (secretVar: string) =>
      `{ tokenUrl: "${issuer}/token", clientId: ${CLIENT_ID}, clientSecret: "\${env:${secretVar}}", resource: "${resource}", scope: "mcp:tools" }`;
    const dir = mkdtempSync(join(tmpdir(), 'warden-test-'));
    const configPath = join(dir, 'warden.yaml');
    writeFileSync(configPath, `server: { host: 127.0.0.1, port: 0 }
servers:
  up: { url: "${resource}", oauth: ${oauth('WARDEN_TEST_UP_OAUTH_SECRET')} }
  modern: { url: "${resource}", protocol: auto, oauth: ${oauth('WARDEN_TEST_UP_OAUTH_SECRET')} }
  bad: { url: "${resource}", oauth: ${oauth('WARDEN_TEST_UP_WRONG_SECRET')}, restart: { initialDelayMs: 600000, maxDelayMs: 600000 } }
`);
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
    w = await startWarden({ configPath, port: 0, log: createLogger('info', sink), watch: false });
    client = await connect(w.url, { headers: { authorization: 'Bearer the-agents-own-token' } });
  });
  after(async () => {
    await client?.close();
    await w?.stop();
    await fixture?.close();
    guard?.closeAllConnections();
    guard?.close();
    await as?.close();
  });

  test('Warden obtains a token from the authorization server and the guarded upstream accepts it', async () => {
    const r = await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.ok(seen.some((s) => s.verdict === 'ok'));
    for (const s of seen) assert.ok(!s.auth?.includes('the-agents-own-token'), 'agent token forwarded');
  });

  test('the SDK transport (protocol: auto) carries the token too', async () => {
    const r = await client.callTool({ name: 'modern__test_simple_text', arguments: {} });
    assert.equal(r.isError, undefined, JSON.stringify(r));
    const status = (await (await fetch(new URL('/readyz', w.url))).json()) as { upstreams: Record<string, { state: string; era?: string }> };
    assert.equal(status.upstreams.modern?.state, 'ready');
  });

  test('the token is cached: many calls, no new token request', async () => {
    const before = tokenRequests;
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    assert.equal(tokenRequests, before);
  });

  test('a revoked token: the upstream answers 401, Warden fetches a fresh token and the call succeeds', async () => {
    // Revoke every token issued so far (each upstream connection holds its own).
    for (const s of seen.filter((x) => x.verdict === 'ok')) revoked.add(String(decodeJwt(s.auth!.slice(7)).jti));
    const before = tokenRequests;
    const rejectedBefore = seen.filter((s) => s.verdict === 'rejected').length;
    const r = await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.ok(tokenRequests > before, 'a fresh token was requested');
    assert.ok(seen.filter((s) => s.verdict === 'rejected').length > rejectedBefore, 'the revoked token was refused first');
    assert.equal(seen.at(-1)?.verdict, 'ok');
  });

  test('a wrong client secret: that upstream is down with a clear error, no secret in it, Warden keeps serving', async () => {
    const res = await fetch(new URL('/readyz', w.url));
    assert.equal(res.status, 503);
    const body = (await res.json()) as { upstreams: Record<string, { state: string; error?: string }> };
    assert.equal(body.upstreams.bad?.state, 'down');
    assert.match(body.upstreams.bad?.error ?? '', /OAuth token request to http:\/\/127\.0\.0\.1:\d+\/token failed: HTTP 401 invalid_client/);
    assert.equal(body.upstreams.up?.state, 'ready');
    const all = JSON.stringify(body) + logs.join('\n');
    for (const secret of [WRONG_SECRET, CLIENT_SECRET]) assert.ok(!all.includes(secret), 'a client secret leaked');
    for (const s of seen) if (s.auth) assert.ok(!logs.join('\n').includes(s.auth.slice(7)), 'an access token was logged');
    assert.ok(logs.some((l) => l.includes('"upstream":"bad"') && l.includes('invalid_client')), 'the failure is logged');
    // Its tools are absent, the others still answer.
    const tools = await client.listTools();
    assert.ok(!tools.tools.some((t) => t.name.startsWith('bad__')));
    const r = await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    assert.equal(r.isError, undefined);
  });
});
