/**
 * The embedded store: one SQLite database (better-sqlite3, WAL) shared by the audit log, tool
 * pins, API keys and approvals. Each folder creates its own tables; this only opens the file.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

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
