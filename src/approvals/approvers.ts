/**
 * Approvers: people holding admin tokens from the `approvals.approvers` config. Tokens are
 * hashed (SHA-256) at load and compared in constant time; the clear token is not kept. Admin
 * tokens are a namespace of their own: an agent's API key or JWT is never looked up here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { compileGlobs, type GlobTest } from '../shared/glob.ts';
import type { ApproverConfig } from './config.ts';
import { ApprovalError } from './errors.ts';

/** An authenticated approver. */
export interface Approver {
  readonly name: string;
  /** How the person was authenticated. */
  readonly via: 'admin_token' | 'signed_link' | 'oidc';
  /** The token subject (OIDC), also compared with the requesting agent. */
  readonly subject?: string;
}

interface Entry {
  readonly name: string;
  readonly hash: Buffer;
  readonly rules: GlobTest;
  readonly servers: GlobTest;
}

export interface Approvers {
  /** The approver whose token this is, or undefined. Every entry is compared, in constant time. */
  authenticate(token: string): Approver | undefined;
  /** Refuses when the approver may not decide this request (scope, or it is the requesting agent). */
  check(by: Approver, req: { agent: string; rule: string; server: string }): ApprovalError | undefined;
  readonly size: number;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Builds the approver table once at load. */
export function createApprovers(list: readonly ApproverConfig[], oidcScope?: { rules?: readonly string[] | undefined; servers?: readonly string[] | undefined }): Approvers {
  const oidc = oidcScope ? { rules: compileGlobs(oidcScope.rules), servers: compileGlobs(oidcScope.servers) } : undefined;
  const entries: Entry[] = list.map((a) => ({
    name: a.name,
    hash: a.token !== undefined ? sha256(a.token) : Buffer.from(a.tokenHash!.slice('sha256:'.length), 'hex'),
    rules: compileGlobs(a.rules),
    servers: compileGlobs(a.servers),
  }));
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    size: entries.length,
    authenticate(token) {
      if (!token) return undefined;
      const h = sha256(token);
      let found: Entry | undefined;
      // No early exit: the time taken does not say which (or whether an) entry matched.
      for (const e of entries) if (timingSafeEqual(h, e.hash) && !found) found = e;
      return found && { name: found.name, via: 'admin_token' };
    },
    check(by, req) {
      // Whatever credential it holds, the requesting agent never approves its own call.
      if (by.name === req.agent || by.subject === req.agent) return new ApprovalError('WARDEN_APPROVAL_FORBIDDEN', 'an agent cannot decide its own request');
      if (by.via === 'signed_link') return undefined; // the link was minted for exactly this request
      const e = by.via === 'oidc' ? (oidc && { name: by.name, ...oidc }) : byName.get(by.name);
      if (!e) return new ApprovalError('WARDEN_APPROVAL_FORBIDDEN', 'not an approver');
      if (!e.rules(req.rule)) return new ApprovalError('WARDEN_APPROVAL_FORBIDDEN', `may not decide rule ${req.rule}`);
      if (!e.servers(req.server)) return new ApprovalError('WARDEN_APPROVAL_FORBIDDEN', `may not decide calls to server ${req.server}`);
      return undefined;
    },
  };
}
