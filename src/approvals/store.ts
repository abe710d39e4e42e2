/**
 * Approval requests in SQLite (`approvals_requests`). Every state change is one conditional
 * UPDATE (`… WHERE status = 'pending'`) checked with `changes === 1`, so of two deciders racing
 * (approve vs deny, a decision vs the timeout, two replicas of one link) exactly one wins.
 *
 * Statuses: pending → approved | denied | expired | cancelled | orphaned;
 * orphaned → approved | denied (nothing runs; see approvals.ts); approved → consumed (used once).
 */
import type { Database } from 'better-sqlite3';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'orphaned' | 'consumed';
export type ApprovalScope = 'call' | 'session';

/** One approval request as stored (times in ms since the epoch). */
export interface ApprovalRecord {
  readonly id: string;
  readonly digest: string;
  readonly agent: string;
  readonly session: string;
  readonly server: string;
  readonly tool: string;
  /** The namespaced name the agent used. */
  readonly exposed: string;
  /** Redacted arguments (as they were after the guardrails ran). */
  readonly args: unknown;
  readonly rule: string;
  readonly reason: string;
  /** Earlier calls that armed the rule (flow), as recorded; `[]` when unknown. */
  readonly armedBy: unknown;
  readonly status: ApprovalStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly decisionReason: string | null;
  readonly scope: ApprovalScope | null;
  /** Until when an approval keeps matching identical calls (session scope, orphan retry ticket). */
  readonly grantExpiresAt: number | null;
  /** How many calls this approval released. */
  readonly uses: number;
}

interface Row {
  id: string; digest: string; agent: string; session: string; server: string; tool: string; exposed: string;
  args: string; rule: string; reason: string; armed_by: string; status: ApprovalStatus; created_at: number;
  expires_at: number; decided_by: string | null; decided_at: number | null; decision_reason: string | null;
  scope: ApprovalScope | null; grant_expires_at: number | null; uses: number;
}

const parse = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
};

const toRecord = (r: Row): ApprovalRecord => ({
  id: r.id, digest: r.digest, agent: r.agent, session: r.session, server: r.server, tool: r.tool, exposed: r.exposed,
  args: parse(r.args), rule: r.rule, reason: r.reason, armedBy: parse(r.armed_by), status: r.status,
  createdAt: r.created_at, expiresAt: r.expires_at, decidedBy: r.decided_by, decidedAt: r.decided_at,
  decisionReason: r.decision_reason, scope: r.scope, grantExpiresAt: r.grant_expires_at, uses: r.uses,
});

export interface NewRequest {
  readonly id: string; readonly digest: string; readonly agent: string; readonly session: string;
  readonly server: string; readonly tool: string; readonly exposed: string; readonly argsJson: string;
  readonly rule: string; readonly reason: string; readonly armedByJson: string;
  readonly createdAt: number; readonly expiresAt: number;
}

export interface Decision {
  readonly status: 'approved' | 'denied' | 'consumed';
  readonly by: string;
  readonly at: number;
  readonly reason: string | null;
  readonly scope: ApprovalScope;
  readonly grantExpiresAt: number | null;
  /** 1 when the decision itself released a held call. */
  readonly uses: number;
}

export interface ApprovalStore {
  insert(r: NewRequest): void;
  get(id: string): ApprovalRecord | undefined;
  list(q: { status?: ApprovalStatus | undefined; limit: number }): ApprovalRecord[];
  /** Decides a pending (or unexpired orphaned) request; false when someone else already did. */
  decide(id: string, d: Decision, now: number): boolean;
  /** pending → expired | cancelled; false when it was already decided. */
  finish(id: string, status: 'expired' | 'cancelled'): boolean;
  /** Finds an approval still valid for an identical call under the same rule. */
  findGrant(digest: string, rule: string, now: number): ApprovalRecord | undefined;
  /** Uses a grant: a call-scope ticket becomes `consumed` (once); a session grant counts a use. */
  useGrant(id: string, scope: ApprovalScope, now: number): boolean;
  /** At startup: every pending request belongs to a call that no longer exists. */
  orphanPending(): number;
  /** At shutdown: one held call is about to be gone. */
  orphan(id: string): boolean;
  /** Orphaned requests past their expiry become `expired`. */
  expireOrphans(now: number): number;
}

/** Creates the table (once) and prepares every statement. */
export function createApprovalStore(db: Database): ApprovalStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS approvals_requests (
      id TEXT PRIMARY KEY,
      digest TEXT NOT NULL,
      agent TEXT NOT NULL,
      session TEXT NOT NULL,
      server TEXT NOT NULL,
      tool TEXT NOT NULL,
      exposed TEXT NOT NULL,
      args TEXT NOT NULL,
      rule TEXT NOT NULL,
      reason TEXT NOT NULL,
      armed_by TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      decided_by TEXT,
      decided_at INTEGER,
      decision_reason TEXT,
      scope TEXT,
      grant_expires_at INTEGER,
      uses INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS approvals_requests_status ON approvals_requests (status, created_at);
    CREATE INDEX IF NOT EXISTS approvals_requests_digest ON approvals_requests (digest, status);
  `);
  const s = {
    insert: db.prepare(`INSERT INTO approvals_requests
      (id, digest, agent, session, server, tool, exposed, args, rule, reason, armed_by, status, created_at, expires_at)
      VALUES (@id, @digest, @agent, @session, @server, @tool, @exposed, @argsJson, @rule, @reason, @armedByJson, 'pending', @createdAt, @expiresAt)`),
    get: db.prepare('SELECT * FROM approvals_requests WHERE id = ?'),
    listAll: db.prepare('SELECT * FROM approvals_requests ORDER BY created_at DESC, id LIMIT ?'),
    listBy: db.prepare('SELECT * FROM approvals_requests WHERE status = ? ORDER BY created_at DESC, id LIMIT ?'),
    decide: db.prepare(`UPDATE approvals_requests
      SET status = @status, decided_by = @by, decided_at = @at, decision_reason = @reason, scope = @scope,
          grant_expires_at = @grantExpiresAt, uses = @uses
      WHERE id = @id AND (status = 'pending' OR (status = 'orphaned' AND expires_at > @now))`),
    finish: db.prepare(`UPDATE approvals_requests SET status = ? WHERE id = ? AND status = 'pending'`),
    findGrant: db.prepare(`SELECT * FROM approvals_requests
      WHERE digest = ? AND rule = ? AND status = 'approved' AND grant_expires_at > ?
      ORDER BY decided_at DESC LIMIT 1`),
    consume: db.prepare(`UPDATE approvals_requests SET status = 'consumed', uses = uses + 1
      WHERE id = ? AND status = 'approved' AND scope = 'call' AND grant_expires_at > ?`),
    useSession: db.prepare(`UPDATE approvals_requests SET uses = uses + 1
      WHERE id = ? AND status = 'approved' AND scope = 'session' AND grant_expires_at > ?`),
    orphanAll: db.prepare(`UPDATE approvals_requests SET status = 'orphaned' WHERE status = 'pending'`),
    orphan: db.prepare(`UPDATE approvals_requests SET status = 'orphaned' WHERE id = ? AND status = 'pending'`),
    expireOrphans: db.prepare(`UPDATE approvals_requests SET status = 'expired' WHERE status = 'orphaned' AND expires_at <= ?`),
  };
  return {
    insert: (r) => void s.insert.run(r),
    get: (id) => {
      const row = s.get.get(id) as Row | undefined;
      return row && toRecord(row);
    },
    list: ({ status, limit }) => ((status ? s.listBy.all(status, limit) : s.listAll.all(limit)) as Row[]).map(toRecord),
    decide: (id, d, now) =>
      s.decide.run({ id, status: d.status, by: d.by, at: d.at, reason: d.reason, scope: d.scope, grantExpiresAt: d.grantExpiresAt, uses: d.uses, now }).changes === 1,
    finish: (id, status) => s.finish.run(status, id).changes === 1,
    findGrant: (digest, rule, now) => {
      const row = s.findGrant.get(digest, rule, now) as Row | undefined;
      return row && toRecord(row);
    },
    useGrant: (id, scope, now) => (scope === 'call' ? s.consume : s.useSession).run(id, now).changes === 1,
    orphanPending: () => s.orphanAll.run().changes,
    orphan: (id) => s.orphan.run(id).changes === 1,
    expireOrphans: (now) => s.expireOrphans.run(now).changes,
  };
}
