import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { FakeClock, makeCtx, setup } from './test-helpers.ts';

let jwksServer: Server;
let jwksUrl: string;
let key: CryptoKey;
let otherKey: CryptoKey;
const ISSUER = 'https://login.example.com';

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  ({ privateKey: otherKey } = await generateKeyPair('ES256'));
  const publicKey = await exportJWK(pair.publicKey);
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ ...publicKey, kid: 'k1', alg: 'ES256', use: 'sig' }] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});

after(() => new Promise((r) => jwksServer.close(r)));

/** The approvals' injected clock starts here (FakeClock); tokens are made relative to it. */
const clockNow = new FakeClock().now();

const sign = (claims: JWTPayload, k: CryptoKey = key, o: { iss?: string; aud?: string; exp?: number } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(o.iss ?? ISSUER).setAudience(o.aud ?? 'warden-admin')
    .setIssuedAt(Math.floor(clockNow / 1000)).setExpirationTime(o.exp ?? Math.floor(clockNow / 1000) + 300).sign(k);

function oidcSetup() {
  return setup({
    approvers: [],
    oidc: { issuer: ISSUER, jwksUrl, audience: 'warden-admin', approverRole: 'warden-approver', servers: ['files'] },
  });
}

describe('OIDC approvers', () => {
  test('a user with the approver role authenticates and decides; recorded by the name claim', async () => {
    const { approvals } = oidcSetup();
    const who = await approvals.authenticate(await sign({ sub: 'u-1', email: 'carol@example.com', roles: ['warden-approver'] }));
    assert.deepEqual(who, { name: 'carol@example.com', via: 'oidc', subject: 'u-1' });
    const ctx = makeCtx();
    const verdict = approvals.onHold(ctx, { rule: 'r', reason: 'x' });
    const id = approvals.list()[0]!.id;
    const out = approvals.decide(id, { decision: 'approve', by: who! });
    assert.ok(out.ok);
    assert.equal(out.record.decidedBy, 'carol@example.com');
    assert.deepEqual(await verdict, { kind: 'continue' });
  });

  test('refused: no role, wrong issuer, wrong audience, another key, expired, not a JWT', async () => {
    const { approvals } = oidcSetup();
    const bad = [
      await sign({ sub: 'u', email: 'a@x', roles: ['viewer'] }),
      await sign({ sub: 'u', email: 'a@x', roles: ['warden-approver'] }, key, { iss: 'https://evil.example.com' }),
      await sign({ sub: 'u', email: 'a@x', roles: ['warden-approver'] }, key, { aud: 'mcp' }),
      await sign({ sub: 'u', email: 'a@x', roles: ['warden-approver'] }, otherKey),
      // Expired an hour ago by the injected clock.
      await sign({ sub: 'u', email: 'a@x', roles: ['warden-approver'] }, key, { exp: Math.floor(clockNow / 1000) - 3600 }),
      'not-a-jwt',
    ];
    for (const t of bad) assert.equal(await approvals.authenticate(t), undefined);
  });

  test('an agent holding an approver-role token from the same issuer cannot decide its own request; scope applies', async () => {
    const { approvals } = oidcSetup();
    const who = (await approvals.authenticate(await sign({ sub: 'agent-1', email: 'bot@example.com', roles: 'warden-approver other' })))!;
    assert.equal(who.subject, 'agent-1');
    void approvals.onHold(makeCtx({ agent: 'agent-1' }), { rule: 'r', reason: 'x' });
    void approvals.onHold(makeCtx({ agent: 'agent-2', server: 'db' }), { rule: 'r', reason: 'x' });
    const pending = approvals.list({ status: 'pending' });
    const own = pending.find((r) => r.agent === 'agent-1');
    const other = pending.find((r) => r.agent === 'agent-2');
    const self = approvals.decide(own!.id, { decision: 'approve', by: who });
    assert.ok(!self.ok && self.error.code === 'WARDEN_APPROVAL_FORBIDDEN');
    const outOfScope = approvals.decide(other!.id, { decision: 'approve', by: who });
    assert.ok(!outOfScope.ok && outOfScope.error.code === 'WARDEN_APPROVAL_FORBIDDEN');
    approvals.close();
  });
});
