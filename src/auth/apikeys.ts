/**
 * API keys: `wdn_` + 32 random bytes (base64url). Only the SHA-256 of a key is stored (table
 * `auth_api_keys`); the key itself is returned once, by `create`, and never again.
 *
 * Why no constant-time comparison: a presented key is hashed and the hash is looked up in a Map.
 * Timing can at most reveal something about the hash of the attacker's OWN guess, never a prefix
 * of a stored key (SHA-256 destroys the byte-by-byte correlation a timing attack relies on), and
 * with 256 bits of entropy a fast hash is enough — there is nothing to brute-force (unlike
 * passwords, which need a slow KDF).
 *
 * The hash→agent map lives in memory. It is rebuilt on this process's own create/revoke, at most
 * every `refreshSec` otherwise (so another process's revoke, e.g. `warden keys revoke`, is seen
 * within that bound), and on a miss at most once a second (so a key just created by the CLI works
 * at once, while a flood of bogus keys costs one cheap query a second).
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export const API_KEY_PATTERN = /^wdn_[A-Za-z0-9_-]{43}$/;

export interface ApiKeyInfo {
  readonly id: string;
  readonly agent: string;
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface ApiKeyStore {
  /** Creates a key for `agent`. The returned `key` is shown once and not stored. */
  create(agent: string, label?: string): ApiKeyInfo & { readonly key: string };
  /** Revokes a key by id; false when there is no such active key. */
  revoke(id: string): boolean;
  list(): ApiKeyInfo[];
  /** The key's id and agent, or undefined for an unknown, malformed or revoked key. */
  lookup(key: string): { readonly id: string; readonly agent: string } | undefined;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function createApiKeyStore(db: Database.Database, opts: { now?: () => number; refreshSec?: number } = {}): ApiKeyStore {
  const now = opts.now ?? Date.now;
  const refreshMs = (opts.refreshSec ?? 5) * 1000;
  db.exec(`CREATE TABLE IF NOT EXISTS auth_api_keys (
    id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    label TEXT
  )`);
  const insert = db.prepare('INSERT INTO auth_api_keys (id, agent, hash, created_at, label) VALUES (?, ?, ?, ?, ?)');
  const revokeStmt = db.prepare('UPDATE auth_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const active = db.prepare('SELECT id, agent, hash FROM auth_api_keys WHERE revoked_at IS NULL');
  const all = db.prepare('SELECT id, agent, label, created_at AS createdAt, revoked_at AS revokedAt FROM auth_api_keys ORDER BY created_at, id');

  let cache = new Map<string, { id: string; agent: string }>();
  let loadedAt = -Infinity;
  let missReloadAt = -Infinity;
  const reload = (): void => {
    const next = new Map<string, { id: string; agent: string }>();
    for (const r of active.all() as { id: string; agent: string; hash: string }[]) next.set(r.hash, Object.freeze({ id: r.id, agent: r.agent }));
    cache = next;
    loadedAt = now();
  };

  return {
    create(agent, label) {
      const key = `wdn_${randomBytes(32).toString('base64url')}`;
      const id = `key_${randomBytes(8).toString('hex')}`;
      const createdAt = now();
      insert.run(id, agent, hashApiKey(key), createdAt, label ?? null);
      reload();
      return { id, agent, label: label ?? null, createdAt, revokedAt: null, key };
    },
    revoke(id) {
      const changed = revokeStmt.run(now(), id).changes > 0;
      reload();
      return changed;
    },
    list: () => all.all() as ApiKeyInfo[],
    lookup(key) {
      if (!API_KEY_PATTERN.test(key)) return undefined;
      const t = now();
      // Fail closed on a store error: an exception here becomes a 401 in the authenticator.
      if (t - loadedAt >= refreshMs) reload();
      const h = hashApiKey(key);
      let hit = cache.get(h);
      if (!hit && t - missReloadAt >= 1000) {
        missReloadAt = t;
        reload();
        hit = cache.get(h);
      }
      return hit;
    },
  };
}
