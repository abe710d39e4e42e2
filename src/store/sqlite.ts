/**
 * The embedded store: one SQLite database (better-sqlite3, WAL) shared by the audit log, tool
 * pins, API keys and approvals. Each folder creates its own tables; this only opens the file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, loadConfigFile } from '../config/index.ts';

export type { Database } from 'better-sqlite3';

export function openDatabase(dataDir: string, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): Database.Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, 'warden.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/** The data directory for a config: `storage.dataDir` relative to the config file's folder. */
export function dataDirFor(baseDir: string, dataDir: string): string {
  return resolve(baseDir, dataDir);
}

/**
 * The data directory a CLI command uses for `configPath` (default `warden.yaml`), the same one
 * the gateway uses: `storage.dataDir` relative to the config file's folder. `override` (a
 * `--data-dir` flag, relative to `cwd`) wins. A config that cannot be loaded falls back to
 * `<config dir>/.warden`, so read-only commands (`audit verify`, `servers list`) still reach
 * the data of a gateway whose config is broken or needs variables this shell has not set.
 */
export function dataDirForConfig(configPath: string | undefined, override?: string, cwd = process.cwd()): string {
  if (override) return resolve(cwd, override);
  const path = resolve(cwd, configPath ?? 'warden.yaml');
  try {
    const loaded = loadConfigFile(path);
    return dataDirFor(loaded.baseDir, loaded.config.storage.dataDir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return resolve(dirname(path), '.warden');
  }
}

/** `warden.db` in {@link dataDirForConfig}'s directory, or `dbOverride` (a `--db` flag, relative to `cwd`). */
export function dbPathForConfig(configPath: string | undefined, dbOverride?: string, cwd = process.cwd()): string {
  return dbOverride ? resolve(cwd, dbOverride) : join(dataDirForConfig(configPath, undefined, cwd), 'warden.db');
}
