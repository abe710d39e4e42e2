/**
 * Warden as an OAuth 2.1 resource server against a real authorization server (oidc-provider on
 * 127.0.0.1) issuing RFC 9068 JWT access tokens bound to a resource indicator (RFC 8707).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcServer } from '../../test/fixtures/oidc.ts';
import { authConfigSchema, bearerChallenge, createAuthenticator, protectedResourceMetadataPaths, resourceMetadataUrl } from './index.ts';

const RESOURCE = 'https://warden.test/mcp';
const OTHER = 'https://other-api.test/';
const CLIENT = { id: 'support-agent', secret: 'client-secret-that-is-long-enough-for-tests' };

let as: OidcServer;
let issuer: string;

before(async () => {
  as = await startOidcProvider({ clients: [CLIENT], resource: RESOURCE });
  issuer = as.issuer;
});

after(() => as.close());

const token = (resource: string, scope: string) => as.clientCredentials(CLIENT, resource, scope);

const make = (requiredScopes: string[] = ['mcp:tools']) =>
  createAuthenticator(authConfigSchema.parse({ resource: RESOURCE, signing: { enabled: false }, oauth: { issuer, requiredScopes, scopesSupported: ['mcp:tools'], cooldownMs: 0 } }), {
    rolesFor: (id) => (id === 'support-agent' ? ['support'] : undefined),
  });
const metadata = resourceMetadataUrl(RESOURCE);

describe('OAuth resource server (oidc-provider)', () => {
  test('RFC 9728 metadata and where it is served', () => {
    assert.equal(metadata, 'https://warden.test/.well-known/oauth-protected-resource/mcp');
    assert.deepEqual(protectedResourceMetadataPaths(RESOURCE), ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);
    assert.deepEqual(make().protectedResourceMetadata(), {
      resource: RESOURCE,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Warden MCP gateway',
    });
  });

  test('a token for Warden\'s resource is accepted (issuer metadata → JWKS → signature, aud, scope)', async () => {
    const r = await make().authenticate({ headers: { authorization: `Bearer ${await token(RESOURCE, 'mcp:tools')}` } });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    if (r.ok) assert.deepEqual(r.agent, { id: 'support-agent', roles: ['support'], via: 'oauth', scopes: ['mcp:tools'] });
  });

  test('no token: 401 pointing at the resource metadata', async () => {
    const r = await make().authenticate({ headers: {} });
    assert.ok(!r.ok && r.status === 401 && r.code === 'WARDEN_UNAUTHENTICATED');
    assert.equal(!r.ok && r.wwwAuthenticate, `Bearer resource_metadata="${metadata}"`);
  });

  test('a token minted for another resource (RFC 8707 audience) is 401 invalid_token', async () => {
    const r = await make([]).authenticate({ headers: { authorization: `Bearer ${await token(OTHER, 'other')}` } });
    assert.ok(!r.ok && r.status === 401);
    assert.equal(!r.ok && r.reason, 'wrong audience');
    assert.equal(!r.ok && r.wwwAuthenticate, `Bearer error="invalid_token", resource_metadata="${metadata}"`);
  });

  test('a valid token without the required scope is 403 insufficient_scope', async () => {
    const r = await make(['mcp:tools', 'mcp:admin']).authenticate({ headers: { authorization: `Bearer ${await token(RESOURCE, 'mcp:tools')}` } });
    assert.ok(!r.ok && r.status === 403 && r.code === 'WARDEN_INSUFFICIENT_SCOPE');
    assert.equal(!r.ok && r.wwwAuthenticate, bearerChallenge({ error: 'insufficient_scope', scope: 'mcp:tools mcp:admin', resourceMetadata: metadata }));
  });

  test('an authorization server whose metadata hangs or is garbage fails closed, with a bounded wait', async () => {
    const t = await token(RESOURCE, 'mcp:tools');
    const fakes: (typeof fetch)[] = [
      () => new Promise<Response>(() => {}), // hangs and ignores its abort signal
      async () => new Response('<html>', { status: 200 }),
      async () => new Response(JSON.stringify({ issuer: 'https://impostor.example', jwks_uri: 'https://impostor.example/jwks' }), { status: 200 }),
      async () => { throw new TypeError('fetch failed'); },
    ];
    for (const f of fakes) {
      const a = createAuthenticator(authConfigSchema.parse({ resource: RESOURCE, signing: { enabled: false }, oauth: { issuer, timeoutMs: 100, cooldownMs: 0 } }), { fetch: f });
      const r = await a.authenticate({ headers: { authorization: `Bearer ${t}` } });
      assert.ok(!r.ok && r.status === 401 && r.code === 'WARDEN_UNAUTHENTICATED');
      assert.equal(!r.ok && r.reason, 'key source unavailable');
    }
  });
});
