import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { SignJWT, exportJWK, base64url } from 'jose';
import { ConfigError } from '../config/index.ts';
import { authConfigSchema, createAuthenticator, type AuthConfigInput, type AuthResult } from './index.ts';

const T0 = Date.UTC(2026, 0, 1) ; // injected clock
const NOW_S = Math.floor(T0 / 1000);
const SECRET = 'a-test-hmac-secret-that-is-long-enough-0123456789';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;

const base: AuthConfigInput = {
  signing: { enabled: false },
  rolesClaim: 'roles',
  jwt: [
    { issuer: 'https://hs.example', audience: 'warden', keys: [{ algorithms: ['HS256'], secret: SECRET }] },
    { issuer: 'https://rs.example', audience: 'warden', keys: [{ kid: 'r1', algorithms: ['RS256'], publicKey: rsaPem }] },
    { issuer: 'https://es.example', audience: 'warden', keys: [{ algorithms: ['ES256'], jwk: ec.publicKey.export({ format: 'jwk' }) as Record<string, unknown> }] },
  ],
};

function make(cfg: AuthConfigInput = base, deps: Parameters<typeof createAuthenticator>[1] = {}) {
  return createAuthenticator(authConfigSchema.parse(cfg), { now: () => T0, rolesFor: (id) => (id === 'bot' ? ['support'] : undefined), ...deps });
}

type Claims = { iss?: string; aud?: string; sub?: string; exp?: number; nbf?: number; [k: string]: unknown };
async function sign(alg: 'HS256' | 'RS256' | 'ES256', claims: Claims, key: unknown = alg === 'HS256' ? new TextEncoder().encode(SECRET) : alg === 'RS256' ? rsa.privateKey : ec.privateKey, kid?: string) {
  const c = { iss: alg === 'HS256' ? 'https://hs.example' : alg === 'RS256' ? 'https://rs.example' : 'https://es.example', aud: 'warden', sub: 'bot', exp: NOW_S + 600, ...claims };
  return new SignJWT(c as never).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setIssuedAt(NOW_S).sign(key as never);
}
const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

function assertRejected(r: AuthResult, reason: RegExp | string, www = /^Bearer realm="warden", error="invalid_token"$/) {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.status, 401);
  assert.equal(r.code, 'WARDEN_UNAUTHENTICATED');
  assert.match(r.wwwAuthenticate, www);
  if (typeof reason === 'string') assert.equal(r.reason, reason);
  else assert.match(r.reason, reason);
}

describe('JWT', () => {
  const a = make();
  test('valid HS256, RS256 and ES256 tokens give the agent with config and claim roles', async () => {
    for (const alg of ['HS256', 'RS256', 'ES256'] as const) {
      const r = await a.authenticate(bearer(await sign(alg, { roles: ['extra'], scope: 'read write' }, undefined, alg === 'RS256' ? 'r1' : undefined)));
      assert.ok(r.ok, alg);
      if (r.ok) assert.deepEqual(r.agent, { id: 'bot', roles: ['support', 'extra'], via: 'jwt', scopes: ['read', 'write'] });
    }
  });

  test('missing credential: 401 with a bare challenge', async () => {
    const r = await a.authenticate({ headers: {} });
    assert.ok(!r.ok && r.status === 401 && r.code === 'WARDEN_UNAUTHENTICATED');
    assert.equal(!r.ok && r.wwwAuthenticate, 'Bearer realm="warden"');
  });

  test('malformed credentials', async () => {
    for (const h of ['Basic Zm9vOmJhcg==', 'Bearer', 'Bearer a.b', 'Bearer a.b.c.d.e', 'Bearer ..', 'Bearer %%%.%%%.%%%', 'Bearer eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln']) {
      assertRejected(await a.authenticate({ headers: { authorization: h } }), /malformed/);
    }
    assertRejected(await a.authenticate({ headers: { authorization: ['Bearer x', 'Bearer y'] } }), 'several credentials');
  });

  test('expired, and the clock skew bound', async () => {
    assertRejected(await a.authenticate(bearer(await sign('HS256', { exp: NOW_S - 31 }))), 'token expired');
    assert.ok((await a.authenticate(bearer(await sign('HS256', { exp: NOW_S - 29 })))).ok, 'within 30 s skew');
  });

  test('not yet valid', async () => {
    assertRejected(await a.authenticate(bearer(await sign('HS256', { nbf: NOW_S + 120 }))), 'token not yet valid');
  });

  test('no exp is refused', async () => {
    const t = await new SignJWT({ iss: 'https://hs.example', aud: 'warden', sub: 'bot' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    assertRejected(await a.authenticate(bearer(t)), /claim exp|exp/);
  });

  test('wrong issuer', async () => {
    assertRejected(await a.authenticate(bearer(await sign('HS256', { iss: 'https://evil.example' }))), 'wrong issuer');
  });

  test('wrong audience', async () => {
    assertRejected(await a.authenticate(bearer(await sign('ES256', { aud: 'some-other-api' }))), 'wrong audience');
  });

  test('wrong key', async () => {
    assertRejected(await a.authenticate(bearer(await sign('ES256', {}, otherEc.privateKey))), 'bad signature');
    assertRejected(await a.authenticate(bearer(await sign('HS256', {}, new TextEncoder().encode('x'.repeat(40))))), 'bad signature');
  });

  test('alg none', async () => {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const payload = enc({ iss: 'https://hs.example', aud: 'warden', sub: 'bot', exp: NOW_S + 600 });
    for (const alg of ['none', 'None', 'NONE']) {
      assertRejected(await a.authenticate(bearer(`${enc({ alg })}.${payload}.`)), 'unsigned token (alg none)');
    }
  });

  test('HS/RS confusion: an HS256 token signed with the RSA public key as secret', async () => {
    const t = await sign('HS256', { iss: 'https://rs.example' }, new TextEncoder().encode(rsaPem));
    assertRejected(await a.authenticate(bearer(t)), /algorithm HS256 not allowed/);
  });

  test('a token from one issuer is never verified with another issuer\'s key', async () => {
    // Valid ES256 signature, but claims the HS issuer: routed to HS keys, whose pins refuse ES256.
    assertRejected(await a.authenticate(bearer(await sign('ES256', { iss: 'https://hs.example' }))), /algorithm ES256 not allowed/);
  });

  test('a 1 MB token is refused by size before parsing', async () => {
    const huge = 'A'.repeat(1 << 20);
    assertRejected(await a.authenticate(bearer(`${huge}.${huge}.${huge}`)), 'token too large');
    const t = await sign('HS256', { pad: 'x'.repeat(9000) });
    assertRejected(await a.authenticate(bearer(t)), 'token too large');
  });

  test('the verified-token cache re-checks expiry and never matches an altered token', async () => {
    let now = T0;
    const c = make(base, { now: () => now });
    const t = await sign('ES256', { exp: NOW_S + 60 });
    assert.ok((await c.authenticate(bearer(t))).ok);
    assert.ok((await c.authenticate(bearer(t))).ok, 'cache hit');
    const [h, p, sig] = t.split('.');
    const flipped = `${h}.${p}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    assertRejected(await c.authenticate(bearer(flipped)), 'bad signature');
    now = T0 + 60_000 + 31_000; // past exp + skew
    assertRejected(await c.authenticate(bearer(t)), 'token expired');
  });

  test('a bad sub claim is refused', async () => {
    assertRejected(await a.authenticate(bearer(await sign('HS256', { sub: 42 as unknown as string }))), /claim sub/);
  });
});

describe('remote JWKS', () => {
  let hang: Server;
  let garbage: Server;
  let good: Server;
  const url = (s: Server, p = '/jwks') => `http://127.0.0.1:${(s.address() as AddressInfo).port}${p}`;
  const listen = (s: Server) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  before(async () => {
    const jwk = { ...(await exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' };
    hang = createServer(() => {}); // never answers
    garbage = createServer((req, res) => {
      if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not json</html>');
      else if (req.url === '/500') res.writeHead(500).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "nope"}');
    });
    good = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await Promise.all([listen(hang), listen(garbage), listen(good)]);
  });
  after(() => {
    for (const s of [hang, garbage, good]) {
      s.closeAllConnections();
      s.close();
    }
  });
  const withJwks = (u: string) =>
    make({ signing: { enabled: false }, jwt: [{ issuer: 'https://es.example', audience: 'warden', jwks: { url: u, algorithms: ['ES256'], timeoutMs: 150, cooldownMs: 0 } }] });

  test('a JWKS endpoint that works', async () => {
    const r = await withJwks(url(good)).authenticate(bearer(await sign('ES256', {}, undefined, 'e1')));
    assert.ok(r.ok, r.ok ? '' : r.reason);
  });

  test('a JWKS endpoint that hangs: bounded wait, then 401', async () => {
    assertRejected(await withJwks(url(hang)).authenticate(bearer(await sign('ES256', {}, undefined, 'e1'))), 'JWKS endpoint timed out');
  });

  test('a JWKS endpoint that returns garbage: 401', async () => {
    for (const p of ['/jwks', '/html', '/500']) {
      assertRejected(await withJwks(url(garbage, p)).authenticate(bearer(await sign('ES256', {}, undefined, 'e1'))), /JWKS|unavailable|rejected/);
    }
  });

  test('a JWKS fetch that ignores its abort signal is still bounded', async () => {
    const a = createAuthenticator(
      authConfigSchema.parse({ signing: { enabled: false }, jwt: [{ issuer: 'https://es.example', audience: 'warden', jwks: { url: 'https://jwks.invalid/keys', algorithms: ['ES256'], timeoutMs: 100 } }] }),
      { now: () => T0, fetch: () => new Promise<Response>(() => {}) },
    );
    assertRejected(await a.authenticate(bearer(await sign('ES256', {}, undefined, 'e1'))), 'JWKS endpoint timed out');
  });

  test('an HS token cannot use a JWKS issuer', async () => {
    assertRejected(await withJwks(url(good)).authenticate(bearer(await sign('HS256', { iss: 'https://es.example' }))), /algorithm HS256 not allowed/);
  });
});

describe('API keys', () => {
  test('create, use, revoke; a revoked key is 401', async () => {
    const db = new Database(':memory:');
    let now = T0;
    const a = make({ signing: { enabled: false } }, { db, now: () => now });
    const { createApiKeyStore } = await import('./apikeys.ts');
    const store = createApiKeyStore(db, { now: () => now });
    const created = store.create('bot', 'ci');
    assert.match(created.key, /^wdn_[A-Za-z0-9_-]{43}$/);
    const ok = await a.authenticate(bearer(created.key));
    assert.ok(ok.ok && ok.agent.id === 'bot' && ok.agent.via === 'api_key' && ok.agent.roles[0] === 'support');
    assert.ok((await a.authenticate({ headers: { 'x-api-key': created.key } })).ok);
    // Only the hash is stored.
    const rows = db.prepare('SELECT * FROM auth_api_keys').all() as Record<string, unknown>[];
    assert.ok(!JSON.stringify(rows).includes(created.key.slice(4)));
    assert.ok(store.revoke(created.id));
    assert.equal(store.revoke(created.id), false);
    // Another store (another process) revoked it: seen after refreshSec.
    now += 5_000;
    assertRejected(await a.authenticate(bearer(created.key)), 'unknown or revoked API key');
    assertRejected(await a.authenticate(bearer('wdn_' + 'x'.repeat(43))), 'unknown or revoked API key');
    assertRejected(await a.authenticate(bearer('wdn_short')), 'unknown or revoked API key');
    assert.equal(store.list()[0]?.revokedAt, now - 5_000);
  });

  test('a key created by another process works at once', async () => {
    const db = new Database(':memory:');
    const a = make({ signing: { enabled: false } }, { db });
    const { createApiKeyStore } = await import('./apikeys.ts');
    const k = createApiKeyStore(db).create('bot');
    assert.ok((await a.authenticate(bearer(k.key))).ok);
  });

  test('both headers at once is refused', async () => {
    const a = make({ signing: { enabled: false } }, { db: new Database(':memory:') });
    assertRejected(await a.authenticate({ headers: { authorization: 'Bearer x', 'x-api-key': 'y' } }), 'several credentials');
  });
});

describe('config', () => {
  test('keys that do not fit their algorithm are refused at load, naming the path', () => {
    const bad = (keys: unknown[]) => () => make({ signing: { enabled: false }, jwt: [{ issuer: 'i', audience: 'a', keys: keys as never }] });
    assert.throws(bad([{ algorithms: ['HS256'], publicKey: rsaPem }]), (e: unknown) => e instanceof ConfigError && /auth\.jwt\[0\]\.keys\[0\]: algorithm HS256/.test(e.problems[0] ?? ''));
    assert.throws(bad([{ algorithms: ['ES256'], publicKey: rsaPem }]), ConfigError);
    assert.throws(bad([{ algorithms: ['HS256'], secret: 'short' }]), (e: unknown) => e instanceof ConfigError && /shorter than 32 bytes/.test(e.problems[0] ?? '') && !e.message.includes('short"'));
    assert.throws(bad([{ algorithms: ['RS256'], publicKey: 'not a pem' }]), ConfigError);
  });

  test('audience is required, and oauth requires auth.resource', () => {
    assert.throws(() => make({ signing: { enabled: false }, jwt: [{ issuer: 'i', keys: [{ algorithms: ['HS256'], secret: SECRET }] }] }), /auth\.jwt\[0\]\.audience/);
    assert.throws(() => make({ signing: { enabled: false }, oauth: { issuer: 'https://as.example' } }), /auth\.resource/);
  });

  test('no way to authenticate is a config error', () => {
    assert.throws(() => make({ signing: { enabled: false } }), /no way to authenticate/);
  });

  test('skew is bounded to 5 minutes', () => {
    assert.equal(authConfigSchema.safeParse({ clockSkewSec: 301 }).success, false);
  });

  test('mode none: every request is the local agent', async () => {
    const a = make({ mode: 'none', local: { agent: 'local', roles: ['admin'] } });
    const r = await a.authenticate({ headers: {} });
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.agent, { id: 'local', roles: ['admin'], via: 'local', scopes: [] });
  });
});
