/**
 * What an approval is bound to: a SHA-256 digest over (agent, session key, server, tool, canonical
 * arguments). Canonical = JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` are
 * the same request and any changed value is a new one.
 */
import { createHash } from 'node:crypto';

/** Sorted-key JSON. `undefined` members are dropped (as JSON does); non-finite numbers become null. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      return 'null';
  }
}

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
