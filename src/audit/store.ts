/**
 * The audit tables and the statements over them, prepared once per database.
 *
 * `audit_records` is append-only: triggers refuse UPDATE, and DELETE of anything above the
 * signed prune anchor. That stops accidents, not an administrator (who can drop a trigger); the
 * hash chain, the signed head and the exported checkpoints are what catch deliberate edits.
 */
import type { Database, Statement } from 'better-sqlite3';

/** The hash before the first record. */
export const GENESIS_HASH = '0'.repeat(64);

const DDL = `
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  agent TEXT,
  session TEXT,
  server TEXT,
  tool TEXT,
  name TEXT,
  method TEXT,
  outcome TEXT,
  trace_id TEXT,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_agent ON audit_records(agent, seq);
CREATE INDEX IF NOT EXISTS audit_records_session ON audit_records(session, seq);
CREATE INDEX IF NOT EXISTS audit_records_tool ON audit_records(tool, seq);
CREATE INDEX IF NOT EXISTS audit_records_ts ON audit_records(ts);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, ts INTEGER NOT NULL,
  key_id TEXT NOT NULL, sig TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, ts INTEGER NOT NULL,
  key_id TEXT NOT NULL, sig TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL,
  key_id TEXT NOT NULL, sig TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
WHEN OLD.seq > COALESCE((SELECT seq FROM audit_anchor WHERE id = 1), 0)
BEGIN SELECT RAISE(ABORT, 'audit records are append-only (prune moves the anchor first)'); END;
`;

/** A row of `audit_records`. */
export interface RecordRow {
  seq: number;
  ts: number;
  kind: string;
  agent: string | null;
  session: string | null;
  server: string | null;
  tool: string | null;
  name: string | null;
  method: string | null;
  outcome: string | null;
  trace_id: string | null;
  body: string;
  prev_hash: string;
  hash: string;
}

/** The insert's parameters: seq, ts, one per {@link COLUMN_FIELDS} entry (in order), body, prev_hash, hash. */
export type InsertArgs = (string | number | null)[];

/** A signed statement about the chain: the head, the prune anchor, or a checkpoint. */
export interface SignedPoint {
  seq: number;
  hash: string;
  ts: number;
  key_id: string;
  sig: string;
  kind?: string;
}

/** The columns indexed for queries; each must equal the same field of the hashed body (verify checks). */
export const COLUMN_FIELDS = {
  kind: 'kind', agent: 'agent', session: 'session', server: 'server', tool: 'tool', name: 'name',
  method: 'method', outcome: 'outcome', trace_id: 'traceId',
} as const;

export interface AuditStore {
  readonly db: Database;
  /** (seq, ts, the {@link COLUMN_FIELDS} columns in their order, body, prev_hash, hash). */
  insert: Statement<InsertArgs>;
  head: Statement<[], SignedPoint>;
  setHead: Statement<[SignedPoint]>;
  anchor: Statement<[], SignedPoint>;
  setAnchor: Statement<[SignedPoint]>;
  last: Statement<[], { seq: number; hash: string }>;
  bySeq: Statement<[number], RecordRow>;
  addCheckpoint: Statement<[SignedPoint & { kind: string }]>;
  lastCheckpoint: Statement<[], SignedPoint>;
  firstAtOrAfter: Statement<[number], { seq: number }>;
  deleteUpTo: Statement<[number]>;
  /** Changes made through this connection, and the counter other connections' commits move. */
  stamp: Statement<[], { t: number; d: number }>;
}

/** True when the audit tables exist (the CLI reads a database without creating anything). */
export function hasAuditTables(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_records'").get() !== undefined;
}

/** Creates the tables (idempotent) and prepares the statements. */
export function openAuditStore(db: Database): AuditStore {
  db.exec(DDL);
  return {
    db,
    // Positional parameters: binding 14 named ones from an object costs more than the insert's own JS.
    insert: db.prepare(`INSERT INTO audit_records
      (seq, ts, ${Object.keys(COLUMN_FIELDS).join(', ')}, body, prev_hash, hash)
      VALUES (${Array(5 + Object.keys(COLUMN_FIELDS).length).fill('?').join(', ')})`),
    head: db.prepare('SELECT seq, hash, ts, key_id, sig FROM audit_head WHERE id = 1'),
    setHead: db.prepare(`INSERT INTO audit_head (id, seq, hash, ts, key_id, sig) VALUES (1, @seq, @hash, @ts, @key_id, @sig)
      ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, ts = excluded.ts, key_id = excluded.key_id, sig = excluded.sig`),
    anchor: db.prepare('SELECT seq, hash, ts, key_id, sig FROM audit_anchor WHERE id = 1'),
    setAnchor: db.prepare(`INSERT INTO audit_anchor (id, seq, hash, ts, key_id, sig) VALUES (1, @seq, @hash, @ts, @key_id, @sig)
      ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, ts = excluded.ts, key_id = excluded.key_id, sig = excluded.sig`),
    last: db.prepare('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1'),
    bySeq: db.prepare('SELECT * FROM audit_records WHERE seq = ?'),
    addCheckpoint: db.prepare(`INSERT INTO audit_checkpoints (seq, hash, ts, kind, key_id, sig)
      VALUES (@seq, @hash, @ts, @kind, @key_id, @sig)`),
    lastCheckpoint: db.prepare('SELECT seq, hash, ts, kind, key_id, sig FROM audit_checkpoints ORDER BY id DESC LIMIT 1'),
    firstAtOrAfter: db.prepare('SELECT seq FROM audit_records WHERE ts >= ? ORDER BY seq LIMIT 1'),
    deleteUpTo: db.prepare('DELETE FROM audit_records WHERE seq <= ?'),
    stamp: db.prepare('SELECT total_changes() AS t, data_version AS d FROM pragma_data_version'),
  };
}
