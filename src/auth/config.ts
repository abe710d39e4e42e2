/**
 * The `auth` section of the config. Strict objects; defaults beside each field.
 *
 * ```yaml
 * auth:
 *   resource: https://warden.example.com/mcp      # Warden's canonical URI (RFC 8707 audience)
 *   rolesClaim: roles                              # optional: roles from a token claim
 *   jwt:
 *     - issuer: https://idp.example.com
 *       keys: [ { kid: k1, algorithms: [ES256], publicKey: "${file:idp.pem}" } ]
 *     - issuer: https://ci.example.com
 *       audience: warden
 *       keys: [ { algorithms: [HS256], secret: "${env:CI_JWT_SECRET}" } ]
 *     - issuer: https://login.example.com
 *       jwks: { url: https://login.example.com/jwks.json, algorithms: [RS256] }
 *   oauth:                                         # MCP authorization: Warden as resource server
 *     issuer: https://as.example.com
 *     requiredScopes: [mcp]
 *   apiKeys: { enabled: true }
 * ```
 */
import { z } from 'zod';

export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
const alg = z.enum([...HMAC_ALGS, ...ASYMMETRIC_ALGS]);
export type JwsAlg = z.infer<typeof alg>;

const keySchema = z
  .object({
    /** Matched against the token header's `kid` when the token has one. */
    kid: z.string().min(1).optional(),
    /** The algorithms this key may verify. Pinned: a token with any other `alg` is refused. */
    algorithms: z.array(alg).min(1),
    /** HMAC secret (use `${env:…}` or `${file:…}`); at least as many bytes as the hash. */
    secret: z.string().optional(),
    /** PEM public key (SPKI) or certificate. */
    publicKey: z.string().optional(),
    /** Public JWK. */
    jwk: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((k) => [k.secret, k.publicKey, k.jwk].filter((x) => x !== undefined).length === 1, {
    message: 'a key needs exactly one of secret, publicKey or jwk',
  });

const jwksSchema = z
  .object({
    url: z.string().url(),
    /** Asymmetric algorithms accepted from this set (HMAC cannot come from a JWKS). */
    algorithms: z.array(z.enum(ASYMMETRIC_ALGS)).min(1),
    /** Longest wait for the JWKS endpoint; verification fails closed after it. */
    timeoutMs: z.number().int().positive().max(30_000).default(3_000),
    /** After a fetch, an unknown `kid` triggers another fetch only after this long. */
    cooldownMs: z.number().int().nonnegative().default(30_000),
    /** Keys are refetched when older than this. */
    cacheMaxAgeMs: z.number().int().positive().default(600_000),
  })
  .strict();

const claimsBase = {
  /** Expected `aud`; default `auth.resource`. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Claim holding the agent id. */
  agentClaim: z.string().min(1).default('sub'),
};

export const jwtIssuerSchema = z
  .object({
    issuer: z.string().min(1),
    ...claimsBase,
    keys: z.array(keySchema).default([]),
    jwks: jwksSchema.optional(),
  })
  .strict()
  .refine((i) => i.keys.length > 0 || i.jwks, { message: 'an issuer needs keys or jwks' });

export const oauthSchema = z
  .object({
    /** The authorization server's issuer identifier. */
    issuer: z.string().url(),
    ...claimsBase,
    /** JWKS URL; default: `jwks_uri` from the issuer's RFC 8414 / OIDC metadata. */
    jwksUrl: z.string().url().optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGS)).min(1).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
    /** Scopes every request needs; missing ones give 403 insufficient_scope. */
    requiredScopes: z.array(z.string().min(1)).default([]),
    /** Advertised in the protected resource metadata. */
    scopesSupported: z.array(z.string().min(1)).optional(),
    /** Override for the `resource_metadata` URL in WWW-Authenticate. */
    resourceMetadataUrl: z.string().url().optional(),
    timeoutMs: z.number().int().positive().max(30_000).default(3_000),
    cooldownMs: z.number().int().nonnegative().default(30_000),
    cacheMaxAgeMs: z.number().int().positive().default(600_000),
  })
  .strict();

export const signingSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** `EdDSA`: an Ed25519 key pair in `keyFile` (created on first use, mode 0600). `HS256`: `secret`. */
    algorithm: z.enum(['EdDSA', 'HS256']).default('EdDSA'),
    secret: z.string().optional(),
    /** Relative to the data directory. */
    keyFile: z.string().default('auth-signing-key.json'),
    issuer: z.string().min(1).default('warden-local'),
    /** Default `auth.resource`, else `warden`. */
    audience: z.string().min(1).optional(),
    /** Longest `--ttl` accepted by `warden token issue`. */
    maxTtlSec: z.number().int().positive().default(30 * 24 * 3600),
  })
  .strict();

export const authConfigSchema = z
  .object({
    /** `none`: local-only quickstart, every request is agent `local.agent`; refused on non-loopback binds. */
    mode: z.enum(['required', 'none']).default('required'),
    allowInsecureNonLoopback: z.boolean().default(false),
    local: z.object({ agent: z.string().min(1).default('local'), roles: z.array(z.string()).optional() }).strict().default({ agent: 'local' }),
    /** Warden's canonical resource URI (RFC 8707), e.g. `https://warden.example.com/mcp`. */
    resource: z.string().url().optional(),
    clockSkewSec: z.number().int().min(0).max(300).default(30),
    /** Tokens longer than this are refused before any parsing. */
    maxTokenBytes: z.number().int().min(512).max(65_536).default(8192),
    /**
     * A verified JWT is remembered (by its SHA-256) this long, so a reused token skips the
     * signature check; exp/nbf are still checked on every use. 0 disables.
     */
    tokenCacheSec: z.number().int().min(0).max(600).default(60),
    tokenCacheMax: z.number().int().positive().max(1_000_000).default(10_000),
    /** Claim carrying roles (array or space-separated string), merged with the agent's roles from config. */
    rolesClaim: z.string().min(1).optional(),
    jwt: z.array(jwtIssuerSchema).default([]),
    oauth: oauthSchema.optional(),
    apiKeys: z
      .object({ enabled: z.boolean().default(true), refreshSec: z.number().int().positive().max(3600).default(5) })
      .strict()
      .default({ enabled: true, refreshSec: 5 }),
    signing: signingSchema.default(signingSchema.parse({})),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
export type AuthConfigInput = z.input<typeof authConfigSchema>;
export type JwtIssuerConfig = z.infer<typeof jwtIssuerSchema>;
export type OAuthConfig = z.infer<typeof oauthSchema>;
export type SigningConfig = z.infer<typeof signingSchema>;
export type KeyConfig = z.infer<typeof keySchema>;
