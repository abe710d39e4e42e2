/**
 * Warden's client credentials token source against a tiny token endpoint on 127.0.0.1: caching
 * with an injected clock, one request for many callers, and fail closed on every kind of bad
 * answer without the secret in the error.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, parseConfig } from '../config/index.ts';
import { WardenError } from '../errors/index.ts';
import { authorizedFetch, createOAuthTokenSource, type UpstreamAuthorization } from './oauth-client.ts';
import { LeanHttpTransport } from './http-transport.ts';

const SECRET = 'sëcret with spaces+and:colons';

interface Seen { authorization?: string; body: URLSearchParams }
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let base: string;
let handler: Handler;
let seen: Seen[] = [];

const ok = (token: string, extra: Record<string, unknown> = {}): Handler => (_req, res) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 120, ...extra }));

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ authorization: req.headers.authorization, body: new URLSearchParams(body) });
      handler(req, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  seen = [];
  handler = ok('tok-1');
});

function source(clock: { t: number } = { t: 1_000_000 }, extra: Record<string, unknown> = {}): UpstreamAuthorization {
  return createOAuthTokenSource(
    { tokenUrl: `${base}/token`, clientId: 'warden client', clientSecret: SECRET, timeoutMs: 2000, refreshSkewSec: 60, ...extra },
    { now: () => clock.t },
  );
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<WardenError> {
  const err = await p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
  assert.ok(err instanceof WardenError, String(err));
  assert.equal(err.code, 'WARDEN_UPSTREAM_AUTH_FAILED');
  assert.match(err.message, pattern);
  assert.ok(!err.message.includes(SECRET) && !err.message.includes(encodeURIComponent(SECRET)), err.message);
  assert.ok(!JSON.stringify(err.data).includes(SECRET));
  return err;
}

describe('client credentials grant', () => {
  test('sends the grant with client_secret_basic and the configured parameters', async () => {
    const auth = source(undefined, { scope: 'mcp:tools read', resource: 'https://up.test/mcp', audience: 'up-api' });
    assert.equal(await auth.authorization(), 'Bearer tok-1');
    assert.equal(seen.length, 1);
    const s = seen[0]!;
    assert.equal(s.body.get('grant_type'), 'client_credentials');
    assert.equal(s.body.get('scope'), 'mcp:tools read');
    assert.equal(s.body.get('resource'), 'https://up.test/mcp');
    assert.equal(s.body.get('audience'), 'up-api');
    assert.ok(!s.body.has('client_secret'), 'the secret goes in the Basic header, not the body');
    // RFC 6749 §2.3.1: id and secret are form-urlencoded, then Basic-encoded.
    const [id, secret] = Buffer.from(s.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    assert.equal(decodeURIComponent(id!.replace(/\+/g, ' ')), 'warden client');
    assert.equal(decodeURIComponent(secret!.replace(/\+/g, ' ')), SECRET);
  });

  test('caches the token until expires_in minus the skew, then fetches a new one', async () => {
    const clock = { t: 1_000_000 };
    const auth = source(clock);
    assert.equal(await auth.authorization(), 'Bearer tok-1');
    handler = ok('tok-2');
    clock.t += 59_000; // expires_in 120 - skew 60 = refresh at 60 s
    assert.equal(await auth.authorization(), 'Bearer tok-1');
    assert.equal(seen.length, 1);
    clock.t += 2_000;
    assert.equal(await auth.authorization(), 'Bearer tok-2');
    assert.equal(seen.length, 2);
  });

  test('a token shorter-lived than the skew is used for half its life', async () => {
    const clock = { t: 0 };
    handler = ok('short', { expires_in: 30 });
    const auth = source(clock);
    await auth.authorization();
    clock.t = 14_000;
    await auth.authorization();
    assert.equal(seen.length, 1);
    clock.t = 16_000;
    await auth.authorization();
    assert.equal(seen.length, 2);
  });

  test('concurrent callers share one token request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    handler = (req, res) => {
      arrived();
      void gate.then(() => ok('shared')(req, res, 0));
    };
    const auth = source();
    const all = Promise.all(Array.from({ length: 8 }, () => auth.authorization()));
    await reached; // the request is at the endpoint and every caller is waiting on it
    assert.equal(await Promise.race([all.then(() => 'answered'), Promise.resolve('waiting')]), 'waiting');
    release();
    assert.deepEqual(new Set(await all), new Set(['Bearer shared']));
    assert.equal(seen.length, 1);
  });

  test('invalidate drops only the refused token', async () => {
    const auth = source();
    const first = await auth.authorization();
    auth.invalidate('Bearer some-older-token');
    assert.equal(await auth.authorization(), first);
    assert.equal(seen.length, 1);
    handler = ok('tok-2');
    auth.invalidate(first);
    assert.equal(await auth.authorization(), 'Bearer tok-2');
    assert.equal(seen.length, 2);
  });
});

describe('fails closed', () => {
  test('a wrong secret: the error names the endpoint and the OAuth error, never the secret', async () => {
    // An authorization server that (badly) echoes the credentials back must not leak them either.
    handler = (req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${SECRET} in ${req.headers.authorization}` }));
    const err = await rejects(source().authorization(), /OAuth token request to http:\/\/127\.0\.0\.1:\d+\/token failed: HTTP 401 invalid_client/);
    assert.match(err.message, /\[redacted\]/);
  });

  test('a failure is not cached: the next call asks again', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const auth = source();
    await rejects(auth.authorization(), /HTTP 503/);
    handler = ok('recovered');
    assert.equal(await auth.authorization(), 'Bearer recovered');
  });

  test('no answer within timeoutMs', async () => {
    handler = () => undefined; // never answers
    await rejects(source(undefined, { timeoutMs: 150 }).authorization(), /no answer within 150 ms/);
  });

  test('an unreachable endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const auth = createOAuthTokenSource({ tokenUrl: `http://127.0.0.1:${port}/token`, clientId: 'c', clientSecret: SECRET, timeoutMs: 2000, refreshSkewSec: 60 });
    await rejects(auth.authorization(), /cannot reach the token endpoint \(ECONNREFUSED\)/);
  });

  const garbage: [string, Handler, RegExp][] = [
    ['not JSON', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'), /not a JSON object/],
    ['a JSON array', (_q, r) => r.writeHead(200).end('[1]'), /not a JSON object/],
    ['no access_token', (_q, r) => r.writeHead(200).end('{"token_type":"Bearer"}'), /no usable access_token/],
    ['a token that would split the header', ok('abc\r\nx-injected: 1'), /no usable access_token/],
    ['a DPoP-bound token', ok('tok', { token_type: 'DPoP' }), /unsupported token_type "DPoP"/],
    ['an oversized body', (_q, r) => r.writeHead(200).end(JSON.stringify({ access_token: 'x'.repeat(100_000) })), /too large/],
  ];
  for (const [what, h, pattern] of garbage) {
    test(`garbage from the token endpoint: ${what}`, async () => {
      handler = h;
      await rejects(source().authorization(), pattern);
    });
  }
});

describe('401 from the upstream: one fresh token, one retry', () => {
  /** An upstream that accepts only `Bearer good`, recording the Authorization it saw. */
  async function upstream(): Promise<{ url: URL; auths: (string | undefined)[]; close(): void }> {
    const auths: (string | undefined)[] = [];
    const s = createServer((req, res) => {
      auths.push(req.headers.authorization);
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer good') return void res.writeHead(401).end();
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { ok: true } }));
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { url: new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/mcp`), auths, close: () => (s.closeAllConnections(), s.close()) };
  }

  test('the lean transport retries once with a fresh token', async () => {
    const up = await upstream();
    handler = (req, res, n) => ok(n === 1 ? 'revoked' : 'good')(req, res, n);
    const t = new LeanHttpTransport(up.url, { authorization: source() });
    const got: unknown[] = [];
    t.onmessage = (m) => void got.push(m);
    await t.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.deepEqual(up.auths, ['Bearer revoked', 'Bearer good']);
    assert.deepEqual(got, [{ jsonrpc: '2.0', id: 1, result: { ok: true } }]);
    await t.close();
    up.close();
  });

  test('the lean transport gives up after the second 401', async () => {
    const up = await upstream();
    handler = (req, res, n) => ok(`bad-${n}`)(req, res, n);
    const t = new LeanHttpTransport(up.url, { authorization: source() });
    await assert.rejects(t.send({ jsonrpc: '2.0', id: 1, method: 'ping' }), /upstream HTTP 401/);
    assert.deepEqual(up.auths, ['Bearer bad-1', 'Bearer bad-2']);
    await t.close();
    up.close();
  });

  test('authorizedFetch (SDK transports) sets the header and retries once', async () => {
    const up = await upstream();
    handler = (req, res, n) => ok(n === 1 ? 'revoked' : 'good')(req, res, n);
    const f = authorizedFetch(source());
    const res = await f(up.url, { method: 'POST', headers: { authorization: 'Bearer agent-token', 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":7,"method":"ping"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { jsonrpc: '2.0', id: 7, result: { ok: true } });
    assert.deepEqual(up.auths, ['Bearer revoked', 'Bearer good']);
    up.close();
  });
});

describe('servers.<name>.oauth config', () => {
  const yaml = (oauth: string, extra = '') => `servers:\n  a: { url: "https://up.example.com/mcp", oauth: ${oauth}${extra} }\n`;
  const problems = (text: string): string[] => {
    try {
      parseConfig(text, { env: { S: SECRET } });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return [...err.problems];
    }
    return [];
  };

  test('defaults, and the secret comes from the environment', () => {
    const { config } = parseConfig(yaml('{ tokenUrl: "https://as.example.com/token", clientId: w, clientSecret: "${env:S}" }'), { env: { S: SECRET } });
    const a = config.servers.a as { oauth?: Record<string, unknown> };
    assert.deepEqual(a.oauth, { tokenUrl: 'https://as.example.com/token', clientId: 'w', clientSecret: SECRET, timeoutMs: 10_000, refreshSkewSec: 60 });
  });

  test('a plain-http token endpoint off this machine is refused (RFC 6749 §3.2)', () => {
    assert.match(problems(yaml('{ tokenUrl: "http://as.example.com/token", clientId: w, clientSecret: "${env:S}" }')).join(), /servers\.a\.oauth\.tokenUrl.*must be https/);
    assert.deepEqual(problems(yaml('{ tokenUrl: "http://127.0.0.1:9/token", clientId: w, clientSecret: "${env:S}" }')), []);
  });

  test('oauth and a static Authorization header cannot both be set; unknown keys are refused', () => {
    assert.match(problems(yaml('{ tokenUrl: "https://as.example.com/token", clientId: w, clientSecret: "${env:S}" }', ', headers: { Authorization: "Bearer x" }')).join(), /servers\.a\.oauth.*keep one/);
    assert.match(problems(yaml('{ tokenUrl: "https://as.example.com/token", clientId: w, clientSecret: "${env:S}", grant: password }')).join(), /servers\.a\.oauth\.grant.*unknown key/);
  });
});
