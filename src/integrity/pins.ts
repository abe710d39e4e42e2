/**
 * The pin store: one row per (server, tool) in `integrity_pins` on the shared SQLite database.
 * `hash`/`definition` are the last APPROVED definition (trust on first use, `pin` or `approve`);
 * a changed definition waiting for review sits in `pending_hash`/`pending_definition` with
 * status `quarantined`, so approving it is one UPDATE and the old one stays for the diff.
 */
import type { Database } from 'better-sqlite3';

export type PinStatus = 'pinned' | 'quarantined';

/** One stored pin. Times are epoch milliseconds. */
export interface PinRecord {
  readonly server: string;
  readonly tool: string;
  readonly hash: string;
  /** Canonical JSON of the pinned definition. */
  readonly definition: string;
  readonly status: PinStatus;
  readonly firstSeen: number;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
  /** The changed definition awaiting approval (null when quarantined at first sight or pinned). */
  readonly pendingHash: string | null;
  readonly pendingDefinition: string | null;
  /** Why it is quarantined (JSON array of strings in the table). */
  readonly reasons: readonly string[];
  readonly updatedAt: number;
}

interface Row {
  server: string; tool: string; hash: string; definition: string; status: PinStatus; first_seen: number;
  approved_by: string | null; approved_at: number | null; pending_hash: string | null;
  pending_definition: string | null; reasons: string; updated_at: number;
}

function toRecord(r: Row): PinRecord {
  let reasons: string[] = [];
  try {
    const v: unknown = JSON.parse(r.reasons);
    if (Array.isArray(v)) reasons = v.map(String);
  } catch {
    reasons = ['(unreadable reasons)'];
  }
  return {
    server: r.server, tool: r.tool, hash: r.hash, definition: r.definition, status: r.status, firstSeen: r.first_seen,
    approvedBy: r.approved_by, approvedAt: r.approved_at, pendingHash: r.pending_hash,
    pendingDefinition: r.pending_definition, reasons, updatedAt: r.updated_at,
  };
}

/** Persistence for pins. Synchronous (better-sqlite3); statements are prepared once. */
export interface PinStore {
  get(server: string, tool: string): PinRecord | undefined;
  list(server?: string): PinRecord[];
  /** Insert or replace a whole row. */
  put(rec: PinRecord): void;
  /** Remove pins (a tool retired on purpose). Returns how many rows went. */
  remove(server: string, tool?: string): number;
  /** Run `fn` in one transaction. */
  tx<T>(fn: () => T): T;
}

/** Creates the `integrity_pins` table if needed and prepares its statements. */
export function createPinStore(db: Database): PinStore {
  db.exec(`CREATE TABLE IF NOT EXISTS integrity_pins (
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    hash TEXT NOT NULL,
    definition TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pinned', 'quarantined')),
    first_seen INTEGER NOT NULL,
    approved_by TEXT,
    approved_at INTEGER,
    pending_hash TEXT,
    pending_definition TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (server, tool)
  )`);
  const getStmt = db.prepare<[string, string], Row>('SELECT * FROM integrity_pins WHERE server = ? AND tool = ?');
  const listAll = db.prepare<[], Row>('SELECT * FROM integrity_pins ORDER BY server, tool');
  const listServer = db.prepare<[string], Row>('SELECT * FROM integrity_pins WHERE server = ? ORDER BY tool');
  const putStmt = db.prepare(`INSERT OR REPLACE INTO integrity_pins
    (server, tool, hash, definition, status, first_seen, approved_by, approved_at, pending_hash, pending_definition, reasons, updated_at)
    VALUES (@server, @tool, @hash, @definition, @status, @first_seen, @approved_by, @approved_at, @pending_hash, @pending_definition, @reasons, @updated_at)`);
  const delOne = db.prepare('DELETE FROM integrity_pins WHERE server = ? AND tool = ?');
  const delServer = db.prepare('DELETE FROM integrity_pins WHERE server = ?');
  return {
    get(server, tool) {
      const r = getStmt.get(server, tool);
      return r ? toRecord(r) : undefined;
    },
    list(server) {
      return (server === undefined ? listAll.all() : listServer.all(server)).map(toRecord);
    },
    put(rec) {
      putStmt.run({
        server: rec.server, tool: rec.tool, hash: rec.hash, definition: rec.definition, status: rec.status,
        first_seen: rec.firstSeen, approved_by: rec.approvedBy, approved_at: rec.approvedAt,
        pending_hash: rec.pendingHash, pending_definition: rec.pendingDefinition,
        reasons: JSON.stringify(rec.reasons), updated_at: rec.updatedAt,
      });
    },
    remove(server, tool) {
      return (tool === undefined ? delServer.run(server) : delOne.run(server, tool)).changes;
    },
    tx(fn) {
      return db.transaction(fn)();
    },
  };
}
