/**
 * Admin records from processes other than the gateway (the CLI): a key created or revoked, a tool
 * pin approved. They join the same hash chain; SQLite's write lock orders them with the gateway's
 * records (the chain head is read inside each write transaction).
 */
import { dirname, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { auditConfigSchema } from './config.ts';
import { createAuditLog } from './log.ts';

export async function recordAdminAction(db: Database, action: string, details: Record<string, unknown>, actor: string): Promise<void> {
  const dataDir = db.memory || !db.name ? process.cwd() : dirname(resolve(db.name));
  const log = createAuditLog({ db, dataDir, timers: false }, auditConfigSchema.parse({}));
  try {
    await log.admin(action, details, actor);
  } finally {
    await log.close();
  }
}
