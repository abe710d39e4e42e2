/**
 * What an approval is bound to: a SHA-256 digest over (agent, session key, server, tool, canonical
 * arguments). Canonical = JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` are
 * the same request and any changed value is a new one.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.ts';

/** Sorted-key JSON: the one canonical serializer the audit chain hashes with, shared so both agree. */
export { canonicalJson };

/** The fields an approval is bound to. */
export interface DigestInput {
  readonly agent: string;
  readonly session: string;
  readonly server: string;
  readonly tool: string;
  readonly args: unknown;
}

/** Hex SHA-256 of the canonical form of the binding (an array, so fields cannot run into each other). */
export function approvalDigest(d: DigestInput): string {
  const canon = canonicalJson([d.agent, d.session, d.server, d.tool, d.args ?? {}]);
  return createHash('sha256').update(canon).digest('hex');
}
