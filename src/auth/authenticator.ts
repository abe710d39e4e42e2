/**
 * createAuthenticator: turns the credential on an HTTP request into an {@link AgentIdentity}, or
 * a 401/403 with the right `WWW-Authenticate`. Everything (keys, JWKS resolvers, the API-key
 * cache) is built once here; `authenticate` never throws and never logs or returns a secret.
 *
 * The edge calls it before anything reaches the pipeline, so a bad credential costs no upstream
 * traffic. Credentials: `Authorization: Bearer <JWT | wdn_ API key>` or `X-API-Key: wdn_…`.
 */
import type Database from 'better-sqlite3';
import { ConfigError } from '../config/index.ts';
import type { AgentIdentity } from '../pipeline/types.ts';
import { createApiKeyStore, type ApiKeyStore } from './apikeys.ts';
import type { AuthConfig } from './config.ts';
import { createJwtVerifier, type Issuer } from './jwt.ts';
import { importStaticKey, type StaticKey } from './keys.ts';
import { bearerChallenge, buildProtectedResourceMetadata, oauthKeyResolver, remoteJwks, resourceMetadataUrl } from './oauth.ts';
import { loadSigningKey } from './signing.ts';

export interface AuthRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly remoteAddress?: string;
}

export type AuthResult =
  | { readonly ok: true; readonly agent: AgentIdentity }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'WARDEN_UNAUTHENTICATED' | 'WARDEN_INSUFFICIENT_SCOPE' | 'WARDEN_FORBIDDEN';
      /** Send as the `WWW-Authenticate` header. */
      readonly wwwAuthenticate: string;
      /** For logs only; never contains a secret. */
      readonly reason: string;
    };

export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthResult>;
  /** RFC 9728 metadata to serve at the protected-resource well-known paths; undefined without OAuth. */
  protectedResourceMetadata(): object | undefined;
  close(): void;
}

export interface AuthenticatorDeps {
  /** The shared SQLite database (API keys); without it API keys are off. */
  readonly db?: Database.Database;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /** Data directory holding Warden's signing key (`auth.signing.keyFile`). */
  readonly dataDir?: string;
  /** Roles config gives an agent id; pass `(id) => policy.rolesFor(id)` so a reload is seen. */
  readonly rolesFor?: (agentId: string) => readonly string[] | undefined;
}

const BEARER = /^Bearer +([^\s,]+) *$/i;
const AGENT_ID_MAX = 256;

function header(req: AuthRequest, name: string): string | string[] | undefined {
  return req.headers[name];
}

function claimList(v: unknown, max = 64): string[] | undefined {
  if (typeof v === 'string') return v.split(' ').filter(Boolean).slice(0, max);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).slice(0, max);
  return undefined;
}

/** Builds the issuers; every problem names its key path. */
function buildIssuers(cfg: AuthConfig, deps: AuthenticatorDeps, problems: string[]): Issuer[] {
  const now = deps.now ?? Date.now;
  const issuers: Issuer[] = [];
  cfg.jwt.forEach((j, i) => {
    const audience = j.audience ?? cfg.resource;
    if (!audience) problems.push(`auth.jwt[${i}].audience: required when auth.resource is not set`);
    const keys: StaticKey[] = [];
    j.keys.forEach((k, n) => {
      try {
        keys.push(importStaticKey(k));
      } catch (err) {
        problems.push(`auth.jwt[${i}].keys[${n}]: ${(err as Error).message}`);
      }
    });
    const algorithms = new Set<string>([...keys.flatMap((k) => [...k.algorithms]), ...(j.jwks?.algorithms ?? [])]);
    const remote = j.jwks
      ? remoteJwks(j.jwks.url, { timeoutMs: j.jwks.timeoutMs, cooldownMs: j.jwks.cooldownMs, cacheMaxAgeMs: j.jwks.cacheMaxAgeMs, fetch: deps.fetch })
      : undefined;
    issuers.push({ issuer: j.issuer, audience: audience ?? '', agentClaim: j.agentClaim, via: 'jwt', algorithms, keys, remote, requiredScopes: [] });
  });
  if (cfg.oauth) {
    const o = cfg.oauth;
    const audience = o.audience ?? cfg.resource;
    if (!cfg.resource) problems.push('auth.resource: required with auth.oauth (the audience tokens must carry, RFC 8707)');
    issuers.push({
      issuer: o.issuer, audience: audience ?? '', agentClaim: o.agentClaim, via: 'oauth',
      algorithms: new Set(o.algorithms), keys: [], remote: oauthKeyResolver(o, { fetch: deps.fetch, now }), requiredScopes: o.requiredScopes,
    });
  }
  try {
    const s = loadSigningKey(cfg.signing, { dataDir: deps.dataDir, resource: cfg.resource, create: true });
    if (s) issuers.push({ issuer: s.issuer, audience: s.audience, agentClaim: 'sub', via: 'jwt', algorithms: new Set([s.alg]), keys: [s.verifyKey], remote: undefined, requiredScopes: [] });
  } catch (err) {
    problems.push((err as Error).message);
  }
  const seen = new Set<string>();
  for (const i of issuers) {
    if (seen.has(i.issuer)) problems.push(`auth: issuer '${i.issuer}' is configured twice`);
    seen.add(i.issuer);
  }
  return issuers;
}

/**
 * Builds the authenticator. Throws {@link ConfigError} (naming key paths) for unusable config:
 * a key that does not fit its algorithms, a weak HMAC secret, OAuth without `auth.resource`, or
 * `mode: required` with no way to authenticate.
 */
export function createAuthenticator(config: AuthConfig, deps: AuthenticatorDeps = {}): Authenticator {
  const now = deps.now ?? Date.now;
  const rolesFor = deps.rolesFor ?? (() => undefined);

  if (config.mode === 'none') {
    const id = config.local.agent;
    return {
      authenticate: async () => ({
        ok: true,
        agent: Object.freeze({ id, roles: Object.freeze([...(config.local.roles ?? rolesFor(id) ?? [])]), via: 'local' as const, scopes: Object.freeze([]) }),
      }),
      protectedResourceMetadata: () => undefined,
      close: () => {},
    };
  }

  const problems: string[] = [];
  const issuers = buildIssuers(config, deps, problems);
  const apiKeys: ApiKeyStore | undefined = config.apiKeys.enabled && deps.db ? createApiKeyStore(deps.db, { now, refreshSec: config.apiKeys.refreshSec }) : undefined;
  if (issuers.length === 0 && !apiKeys) problems.push('auth: no way to authenticate (configure auth.jwt, auth.oauth, auth.signing or API keys with a database), or set auth.mode: none for local use');
  if (problems.length) throw new ConfigError(problems);

  const verifyJwt = createJwtVerifier(issuers, { clockSkewSec: config.clockSkewSec, maxTokenBytes: config.maxTokenBytes, now, cacheSec: config.tokenCacheSec, cacheMax: config.tokenCacheMax });
  const metadataUrl = config.oauth && config.resource ? (config.oauth.resourceMetadataUrl ?? resourceMetadataUrl(config.resource)) : undefined;
  const realm = metadataUrl ? undefined : 'warden';
  const metadata = config.oauth && config.resource ? Object.freeze(buildProtectedResourceMetadata(config.resource, config.oauth)) : undefined;

  const missing: AuthResult = Object.freeze({ ok: false, status: 401, code: 'WARDEN_UNAUTHENTICATED', wwwAuthenticate: bearerChallenge({ realm, resourceMetadata: metadataUrl }), reason: 'no credential' });
  const invalidChallenge = bearerChallenge({ realm, error: 'invalid_token', resourceMetadata: metadataUrl });
  const invalid = (reason: string): AuthResult => ({ ok: false, status: 401, code: 'WARDEN_UNAUTHENTICATED', wwwAuthenticate: invalidChallenge, reason });

  function identity(id: string, via: AgentIdentity['via'], claimRoles: readonly string[] | undefined, scopes: readonly string[]): AgentIdentity {
    const fromConfig = rolesFor(id) ?? [];
    const roles = claimRoles?.length ? [...new Set([...fromConfig, ...claimRoles])] : [...fromConfig];
    return Object.freeze({ id, roles: Object.freeze(roles), via, scopes: Object.freeze([...scopes]) });
  }

  async function authenticate(req: AuthRequest): Promise<AuthResult> {
    const auth = header(req, 'authorization');
    const apiKeyHeader = header(req, 'x-api-key');
    if (Array.isArray(auth) || Array.isArray(apiKeyHeader)) return invalid('several credentials');
    if (auth === undefined && apiKeyHeader === undefined) return missing;
    if (auth !== undefined && apiKeyHeader !== undefined) return invalid('several credentials');
    // Size bound before any parsing: a 1 MB header is refused by length alone.
    const raw = (auth ?? apiKeyHeader)!;
    if (raw.length > config.maxTokenBytes + 16) return invalid('token too large');
    let token: string;
    if (auth !== undefined) {
      const m = BEARER.exec(auth);
      if (!m) return invalid('malformed Authorization header (expect Bearer)');
      token = m[1]!;
    } else token = raw.trim();

    if (token.startsWith('wdn_')) {
      if (!apiKeys) return invalid('API keys are not enabled');
      let hit: { id: string; agent: string } | undefined;
      try {
        hit = apiKeys.lookup(token);
      } catch {
        return invalid('API key store unavailable'); // fail closed
      }
      if (!hit) return invalid('unknown or revoked API key');
      return { ok: true, agent: identity(hit.agent, 'api_key', undefined, []) };
    }
    if (auth === undefined) return invalid('X-API-Key carries only API keys');

    const r = await verifyJwt(token);
    if (!r.ok) return invalid(r.reason);
    const p = r.payload;
    const sub = p[r.issuer.agentClaim];
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > AGENT_ID_MAX) return invalid(`claim ${r.issuer.agentClaim} missing or invalid`);
    const scopes = claimList(p['scope']) ?? claimList(p['scp']) ?? [];
    const claimRoles = config.rolesClaim ? claimList(p[config.rolesClaim]) : undefined;
    const lacking = r.issuer.requiredScopes.filter((s) => !scopes.includes(s));
    if (lacking.length) {
      return {
        ok: false, status: 403, code: 'WARDEN_INSUFFICIENT_SCOPE',
        wwwAuthenticate: bearerChallenge({ realm, error: 'insufficient_scope', scope: r.issuer.requiredScopes.join(' '), resourceMetadata: metadataUrl }),
        reason: `missing scopes: ${lacking.join(' ')}`,
      };
    }
    return { ok: true, agent: identity(sub, r.issuer.via, claimRoles, scopes) };
  }

  return {
    authenticate: (req) => authenticate(req).catch(() => invalid('internal error while authenticating')),
    protectedResourceMetadata: () => metadata,
    close: () => {},
  };
}
