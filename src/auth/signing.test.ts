import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authConfigSchema, createAuthenticator, loadSigningKey, parseTtl, signingSchema } from './index.ts';

test('the Ed25519 key file is created on first use with mode 0600 and reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sign-'));
  try {
    const k1 = loadSigningKey(signingSchema.parse({}), { dataDir: dir })!;
    assert.equal(statSync(join(dir, 'auth-signing-key.json')).mode & 0o777, 0o600);
    const t = await k1.issue('bot', { ttlSec: 3600 });
    // The server loads the same key and accepts the token.
    const a = createAuthenticator(authConfigSchema.parse({}), { dataDir: dir, rolesFor: () => ['r'] });
    const r = await a.authenticate({ headers: { authorization: `Bearer ${t}` } });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    if (r.ok) assert.deepEqual(r.agent, { id: 'bot', roles: ['r'], via: 'jwt', scopes: [] });
    // Expired after its TTL (clock injected).
    const later = createAuthenticator(authConfigSchema.parse({}), { dataDir: dir, now: () => Date.now() + 3700_000 });
    const r2 = await later.authenticate({ headers: { authorization: `Bearer ${t}` } });
    assert.equal(!r2.ok && r2.reason, 'token expired');
    chmodSync(join(dir, 'auth-signing-key.json'), 0o644);
    assert.throws(() => loadSigningKey(signingSchema.parse({}), { dataDir: dir }), /auth\.signing\.keyFile: .*readable by other users/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HS256 signing from a configured secret; weak secrets and long TTLs refused', async () => {
  const cfg = signingSchema.parse({ algorithm: 'HS256', secret: 's'.repeat(40), maxTtlSec: 7200 });
  const k = loadSigningKey(cfg, {})!;
  assert.equal(k.audience, 'warden');
  const t = await k.issue('bot', { ttlSec: 60 });
  const a = createAuthenticator(authConfigSchema.parse({ signing: { algorithm: 'HS256', secret: 's'.repeat(40) } }));
  assert.ok((await a.authenticate({ headers: { authorization: `Bearer ${t}` } })).ok);
  await assert.rejects(k.issue('bot', { ttlSec: 7201 }), RangeError);
  assert.throws(() => loadSigningKey(signingSchema.parse({ algorithm: 'HS256', secret: 'short' }), {}), /auth\.signing\.secret/);
});

test('parseTtl', () => {
  assert.equal(parseTtl('1h'), 3600);
  assert.equal(parseTtl('90s'), 90);
  assert.equal(parseTtl('15m'), 900);
  assert.equal(parseTtl('7d'), 604800);
  assert.equal(parseTtl('120'), 120);
  for (const bad of ['', '1y', '-1h', '1.5h', 'h']) assert.equal(parseTtl(bad), undefined, bad);
});
