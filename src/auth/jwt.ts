/**
 * JWT verification with jose, for every configured issuer (static keys, remote JWKS, the OAuth
 * authorization server, Warden's own signing key).
 *
 * Order matters for cost and safety: size bound → shape → header (refuse `none`) → route by `iss`
 * → algorithm pinned per issuer/key → signature and claims (`iss`, `aud`, `exp` required, `nbf`,
 * bounded skew) in jose. Nothing here throws: every failure is a {@link JwtFailure}.
 */
import { createHash } from 'node:crypto';
import { errors, jwtVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from 'jose';
import { candidates, type StaticKey } from './keys.ts';

/** One trusted issuer, built once at load. */
export interface Issuer {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly agentClaim: string;
  readonly via: 'jwt' | 'oauth';
  /** Algorithms accepted from this issuer (the union of its keys' pins). */
  readonly algorithms: ReadonlySet<string>;
  readonly keys: readonly StaticKey[];
  /** Remote key resolver (JWKS), when configured. */
  readonly remote: JWTVerifyGetKey | undefined;
  readonly requiredScopes: readonly string[];
}

export interface JwtOptions {
  readonly clockSkewSec: number;
  readonly maxTokenBytes: number;
  readonly now: () => number;
  /** How long a verified token is remembered (0 = never). */
  readonly cacheSec?: number;
  /** Most remembered tokens. */
  readonly cacheMax?: number;
}

interface Cached {
  readonly payload: JWTPayload;
  readonly issuer: Issuer;
  /** ms bounds derived from exp/nbf with the skew applied. */
  readonly notAfter: number;
  readonly notBefore: number;
  readonly until: number;
}

export type JwtSuccess = { readonly ok: true; readonly payload: JWTPayload; readonly issuer: Issuer };
export type JwtFailure = { readonly ok: false; readonly reason: string };

// Compact JWS only: three base64url parts. A JWE (five parts) or anything else is malformed.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function fail(reason: string): JwtFailure {
  return { ok: false, reason };
}

/** Maps jose's error codes to log-safe reasons (never the token, never key material). */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'iss') return 'wrong issuer';
    return `claim ${err.claim} invalid (${err.reason})`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JWKSTimeout) return 'JWKS endpoint timed out';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no JWKS key matches the token';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several JWKS keys match the token';
  if (err instanceof errors.JWKSInvalid) return 'JWKS endpoint returned an invalid key set';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JOSEError) return `token rejected (${err.code})`;
  // Non-JOSE errors: a JWKS that is not JSON, a network failure, a discovery failure.
  return 'key source unavailable';
}

/**
 * Builds the verifier. `issuers` are keyed by their exact `iss` string; a token is checked only
 * against the issuer it names, so one issuer's keys can never vouch for another's tokens.
 */
export function createJwtVerifier(issuers: readonly Issuer[], opts: JwtOptions) {
  const byIss = new Map(issuers.map((i) => [i.issuer, i]));
  const skew = opts.clockSkewSec;

  const cacheMs = (opts.cacheSec ?? 60) * 1000;
  const cacheMax = opts.cacheMax ?? 10_000;
  // Verified-token cache. WebCrypto's signature check costs ~50 µs on Node 20, and an agent
  // presents the same access token on every call for its whole lifetime. The key is the SHA-256
  // of the EXACT token (signature included), so only a byte-identical, already-verified token
  // hits; exp and nbf are re-checked on every use; an entry lives at most `cacheSec`, which
  // bounds how long a token signed by a key since removed from a JWKS is still honoured.
  const cache = new Map<string, Cached>();

  function remember(digest: string, payload: JWTPayload, issuer: Issuer, now: number): void {
    if (cacheMs <= 0) return;
    if (cache.size >= cacheMax) cache.delete(cache.keys().next().value!); // oldest first
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 + skew * 1000 : now;
    const nbf = typeof payload.nbf === 'number' ? payload.nbf * 1000 - skew * 1000 : -Infinity;
    cache.set(digest, { payload, issuer, notAfter: exp, notBefore: nbf, until: now + cacheMs });
  }

  return async function verifyJwt(token: string): Promise<JwtSuccess | JwtFailure> {
    if (token.length > opts.maxTokenBytes) return fail('token too large');
    if (!COMPACT_JWS.test(token)) return fail('malformed token');
    const now = opts.now();
    const digest = cacheMs > 0 ? createHash('sha256').update(token).digest('base64') : '';
    const hit = cacheMs > 0 ? cache.get(digest) : undefined;
    if (hit) {
      if (now < hit.until && now < hit.notAfter && now >= hit.notBefore) return { ok: true, payload: hit.payload, issuer: hit.issuer };
      cache.delete(digest); // stale or expired: verify afresh (which gives the precise reason)
    }
    const result = await verifyFresh(token, now);
    if (result.ok) remember(digest, result.payload, result.issuer, now);
    return result;
  };

  async function verifyFresh(token: string, now: number): Promise<JwtSuccess | JwtFailure> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token); // unverified: used only to pick the issuer, then verified below
    } catch {
      return fail('malformed token');
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return fail('unsigned token (alg none)');
    if (header.crit !== undefined) return fail('unsupported crit header');
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    const issuer = iss === undefined ? undefined : byIss.get(iss);
    if (!issuer) return fail('wrong issuer');
    if (!issuer.algorithms.has(alg)) return fail(`algorithm ${alg} not allowed for this issuer`);
    const options = {
      issuer: issuer.issuer,
      audience: issuer.audience as string | string[],
      algorithms: [alg],
      clockTolerance: skew,
      currentDate: new Date(now),
      requiredClaims: ['exp'],
    };
    try {
      const kid = typeof header.kid === 'string' ? header.kid : undefined;
      const keys = candidates(issuer.keys, alg, kid);
      let lastErr: unknown;
      // Static keys first; several candidates only when a rotation left keys without kids.
      for (const k of keys) {
        try {
          const { payload } = await jwtVerify(token, k.key as KeyObject, options);
          return { ok: true, payload, issuer };
        } catch (err) {
          if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
          lastErr = err;
        }
      }
      if (issuer.remote) {
        const { payload } = await jwtVerify(token, issuer.remote, options);
        return { ok: true, payload, issuer };
      }
      return fail(lastErr ? reasonOf(lastErr) : 'no key for this token');
    } catch (err) {
      return fail(reasonOf(err));
    }
  }
}
