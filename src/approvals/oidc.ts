/**
 * OIDC approvers: people who present an ID/access token from a configured issuer, verified with
 * jose against the issuer's JWKS (bounded wait, cooldown, cache age), carrying the approver role.
 * The token's `sub` is kept so an agent holding a token from the same issuer still cannot decide
 * its own request.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Approver } from './approvers.ts';
import type { ApprovalsConfig } from './config.ts';

export type OidcConfig = NonNullable<ApprovalsConfig['oidc']>;

export interface OidcApprovers {
  /** The approver this token proves, or undefined (bad token, wrong issuer/audience, no role). Never throws. */
  verify(token: string): Promise<Approver | undefined>;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function hasRole(claims: JWTPayload, claim: string, role: string): boolean {
  // A dotted claim path (`realm_access.roles`) reaches into nested objects.
  let v: unknown = claims;
  for (const part of claim.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (typeof v === 'string') return v.split(/\s+/).includes(role);
  return Array.isArray(v) && v.includes(role);
}

/** Builds the verifier once (the JWKS client caches keys). */
export function createOidcApprovers(cfg: OidcConfig, opts: { now?: () => number } = {}): OidcApprovers {
  const jwks = createRemoteJWKSet(new URL(cfg.jwksUrl), {
    timeoutDuration: cfg.timeoutMs,
    cooldownDuration: cfg.cooldownMs,
    cacheMaxAge: cfg.cacheMaxAgeMs,
  });
  const now = opts.now ?? Date.now;
  return {
    async verify(token) {
      if (!JWT.test(token)) return undefined;
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: cfg.issuer,
          audience: cfg.audience,
          algorithms: cfg.algorithms,
          currentDate: new Date(now()),
          clockTolerance: 30,
        });
        if (!hasRole(payload, cfg.roleClaim, cfg.approverRole)) return undefined;
        const name = payload[cfg.nameClaim];
        if (typeof name !== 'string' || !name || typeof payload.sub !== 'string') return undefined;
        return { name: name.slice(0, 128), via: 'oidc', subject: payload.sub };
      } catch {
        return undefined; // expired, bad signature, JWKS unreachable: fail closed
      }
    },
  };
}
