/**
 * Warden as an OAuth 2.1 resource server, per the MCP authorization spec (2025-11-25):
 * RFC 9728 protected resource metadata, `WWW-Authenticate` challenges (RFC 6750 §3 plus
 * `resource_metadata`, RFC 9728 §5.1), and the authorization server's signing keys found through
 * its RFC 8414 / OpenID Connect metadata. The audience is Warden's own canonical URI (RFC 8707),
 * so a token minted for another resource is refused and no token is ever passed upstream.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import type { OAuthConfig } from './config.ts';

const WELL_KNOWN_PR = '/.well-known/oauth-protected-resource';

/**
 * The metadata URL for a resource (RFC 9728 §3.1: the well-known segment goes between host and
 * path): `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`.
 */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}${WELL_KNOWN_PR}${path}`;
}

/** HTTP paths that serve the metadata: the bare form and the path-suffixed form(s). */
export function protectedResourceMetadataPaths(resource?: string): string[] {
  const paths = new Set([WELL_KNOWN_PR, `${WELL_KNOWN_PR}/mcp`]);
  if (resource) paths.add(new URL(resourceMetadataUrl(resource)).pathname);
  return [...paths];
}

/** RFC 9728 §2 metadata document. */
export function buildProtectedResourceMetadata(resource: string, o: OAuthConfig): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [o.issuer],
    bearer_methods_supported: ['header'],
    ...(o.scopesSupported ? { scopes_supported: o.scopesSupported } : {}),
    resource_name: 'Warden MCP gateway',
  };
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;

/** A `Bearer` challenge. Parameters with undefined values are left out. */
export function bearerChallenge(p: { realm?: string; error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request'; scope?: string; resourceMetadata?: string }): string {
  const parts: string[] = [];
  if (p.realm) parts.push(`realm=${quote(p.realm)}`);
  if (p.error) parts.push(`error=${quote(p.error)}`);
  if (p.scope) parts.push(`scope=${quote(p.scope)}`);
  if (p.resourceMetadata) parts.push(`resource_metadata=${quote(p.resourceMetadata)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** Candidate metadata URLs for an issuer, in the order the MCP spec asks clients to try. */
export function discoveryUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const urls = [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${u.origin}/.well-known/openid-configuration${path}`];
  if (path) urls.push(`${u.origin}${path}/.well-known/openid-configuration`);
  return urls;
}

type Fetch = typeof fetch;

async function fetchJson(url: string, f: Fetch, timeoutMs: number, maxBytes = 256 * 1024): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs);
  // Race as well as abort: a fetch (or body) that ignores its signal must not hold a request forever.
  const timedOut = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }));
  const res = await Promise.race([f(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } }), timedOut]);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  const text = await Promise.race([res.text(), timedOut]);
  if (text.length > maxBytes) throw new Error('metadata too large');
  return JSON.parse(text);
}

/** Finds the issuer's `jwks_uri` (RFC 8414 §3.3: the metadata's `issuer` must equal ours). */
export async function discoverJwksUri(issuer: string, f: Fetch, timeoutMs: number): Promise<string> {
  let last = 'no metadata';
  for (const url of discoveryUrls(issuer)) {
    try {
      const md = (await fetchJson(url, f, timeoutMs)) as { issuer?: unknown; jwks_uri?: unknown };
      if (md.issuer !== issuer) {
        last = 'metadata issuer mismatch';
        continue;
      }
      if (typeof md.jwks_uri !== 'string') throw new Error('no jwks_uri');
      return new URL(md.jwks_uri).href;
    } catch (err) {
      last = (err as Error).message;
    }
  }
  throw new Error(`authorization server metadata unavailable: ${last}`);
}

export interface JwksOptions {
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  readonly fetch?: Fetch | undefined;
}

const MAX_JWKS_BYTES = 256 * 1024;

/**
 * Wraps a fetch for jose: the whole exchange (headers AND body) is raced against jose's timeout
 * signal, so a fetch or a body stream that ignores the signal still cannot hold a request, and the
 * body is size-capped before jose parses it.
 */
function boundedFetch(f: Fetch) {
  return async (url: string, init: { signal: AbortSignal; headers: Headers; method: 'GET'; redirect: 'manual' }): Promise<Response> => {
    const timedOut = new Promise<never>((_, reject) => {
      const fire = () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
      if (init.signal.aborted) fire();
      else init.signal.addEventListener('abort', fire, { once: true });
    });
    const res = await Promise.race([f(url, init), timedOut]);
    if (res.status !== 200) return new Response(null, { status: res.status >= 200 && res.status <= 599 ? res.status : 502 });
    const text = await Promise.race([res.text(), timedOut]);
    if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS too large');
    return new Response(text, { status: 200 });
  };
}

/** jose's remote JWKS with bounded wait, cooldown and cache age, and an injectable fetch. */
export function remoteJwks(url: string, o: JwksOptions): RemoteJWKSet {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: o.timeoutMs,
    cooldownDuration: o.cooldownMs,
    cacheMaxAge: o.cacheMaxAgeMs,
    [customFetch]: boundedFetch(o.fetch ?? fetch) as never,
  });
}

/**
 * The OAuth issuer's key resolver: the JWKS URL from config, or discovered on first use (with a
 * bounded wait; a failed discovery is retried only after `cooldownMs`, and fails closed meanwhile).
 */
export function oauthKeyResolver(o: OAuthConfig, deps: { fetch?: Fetch | undefined; now: () => number }): JWTVerifyGetKey {
  const opts: JwksOptions = { timeoutMs: o.timeoutMs, cooldownMs: o.cooldownMs, cacheMaxAgeMs: o.cacheMaxAgeMs, fetch: deps.fetch };
  if (o.jwksUrl) return remoteJwks(o.jwksUrl, opts);
  let set: RemoteJWKSet | undefined;
  let pending: Promise<RemoteJWKSet> | undefined;
  let failedAt = -Infinity;
  return async (header, token) => {
    if (!set) {
      if (deps.now() - failedAt < Math.max(o.cooldownMs, 1000)) throw new Error('authorization server metadata unavailable (cooling down)');
      pending ??= discoverJwksUri(o.issuer, deps.fetch ?? fetch, o.timeoutMs)
        .then((url) => (set = remoteJwks(url, opts)))
        .catch((err: unknown) => {
          failedAt = deps.now();
          throw err;
        })
        .finally(() => (pending = undefined));
      await pending;
    }
    return set!(header, token);
  };
}
