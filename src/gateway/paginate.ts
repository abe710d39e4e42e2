/**
 * Downstream pagination of aggregate lists. Cursors are opaque to agents: base64url of
 * `<catalog version>:<offset>`. A cursor from an older catalog restarts from the beginning
 * of the current one rather than skipping or repeating items silently mid-change.
 */
import { WardenError } from '../errors/index.ts';

export function paginate<T>(items: readonly T[], key: string, cursor: unknown, pageSize: number, version: number): Record<string, unknown> {
  let offset = 0;
  if (cursor !== undefined) {
    if (typeof cursor !== 'string') throw new WardenError('WARDEN_INVALID_PARAMS', 'cursor must be a string');
    const m = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!m) throw new WardenError('WARDEN_INVALID_PARAMS', 'invalid cursor');
    offset = Number(m[1]) === version ? Number(m[2]) : 0;
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize < items.length ? Buffer.from(`${version}:${offset + pageSize}`).toString('base64url') : undefined;
  return next ? { [key]: page, nextCursor: next } : { [key]: page };
}
