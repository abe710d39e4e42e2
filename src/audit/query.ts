/**
 * Reading the trail: filters, tail, a session's story, and JSONL/CSV export. Used by the CLI
 * (and the dashboard later); never on the request path.
 */
import type { Database } from 'better-sqlite3';
import type { AuditBody } from './record.ts';
import { hasAuditTables } from './store.ts';
import type { RecordRow } from './store.ts';

export interface AuditQuery {
  readonly agent?: string;
  /** The namespaced name the agent used, or the name on the upstream. */
  readonly tool?: string;
  readonly session?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  readonly until?: number;
  /** Outcome: allowed, denied, held, approved, failed, cancelled, admin. */
  readonly decision?: string;
  readonly kind?: 'call' | 'admin';
  /** Only records after this seq (for follow). */
  readonly afterSeq?: number;
  readonly limit?: number;
  /** Newest first when 'desc'. Default 'asc'. */
  readonly order?: 'asc' | 'desc';
}

/** A record as read back: its hashed body plus its chain hash. */
export type AuditEntry = AuditBody & { readonly hash: string };

function sql(q: AuditQuery): { text: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.agent !== undefined) (where.push('agent = @agent'), (params.agent = q.agent));
  if (q.tool !== undefined) (where.push('(tool = @tool OR name = @tool)'), (params.tool = q.tool));
  if (q.session !== undefined) (where.push('session = @session'), (params.session = q.session));
  if (q.since !== undefined) (where.push('ts >= @since'), (params.since = q.since));
  if (q.until !== undefined) (where.push('ts <= @until'), (params.until = q.until));
  if (q.decision !== undefined) (where.push('outcome = @decision'), (params.decision = q.decision));
  if (q.kind !== undefined) (where.push('kind = @kind'), (params.kind = q.kind));
  if (q.afterSeq !== undefined) (where.push('seq > @afterSeq'), (params.afterSeq = q.afterSeq));
  let text = `SELECT seq, body, hash FROM audit_records${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.order === 'desc' ? 'DESC' : 'ASC'}`;
  if (q.limit !== undefined) (text += ' LIMIT @limit'), (params.limit = q.limit);
  return { text, params };
}

function entry(row: Pick<RecordRow, 'seq' | 'body' | 'hash'>): AuditEntry {
  let body: AuditBody;
  try {
    body = JSON.parse(row.body) as AuditBody;
  } catch {
    // A damaged record is still shown (verify says what is wrong with it).
    body = { v: 1, seq: row.seq, ts: 0, kind: 'call', details: { unreadable: true } };
  }
  return { ...body, hash: row.hash };
}

/** Streams matching records (export). */
export function* iterateAudit(db: Database, q: AuditQuery = {}): Generator<AuditEntry> {
  if (!hasAuditTables(db)) return;
  const { text, params } = sql(q);
  for (const row of db.prepare(text).iterate(params) as IterableIterator<RecordRow>) yield entry(row);
}

export function queryAudit(db: Database, q: AuditQuery = {}): AuditEntry[] {
  return [...iterateAudit(db, q)];
}

/** The last `n` records, oldest first. */
export function tailAudit(db: Database, n: number, q: AuditQuery = {}): AuditEntry[] {
  return queryAudit(db, { ...q, order: 'desc', limit: n }).reverse();
}

/** Every record of a session, in order. */
export function sessionStory(db: Database, session: string): AuditEntry[] {
  return queryAudit(db, { session });
}

const hms = (ts: number) => new Date(ts).toISOString().slice(11, 19);

/** One readable line: `12:00:01 support-bot called tickets__get_ticket → allowed (1.2 ms)`. */
export function storyLine(e: AuditEntry): string {
  if (e.kind === 'admin') return `${hms(e.ts)} admin ${e.method ?? '?'}${e.agent ? ` by ${e.agent}` : ''}`;
  const what =
    e.method === 'tools/call' ? `called ${e.tool ?? '?'}`
    : e.method === 'resources/read' ? `read ${e.tool ?? 'a resource'}`
    : e.method === 'prompts/get' ? `got prompt ${e.tool ?? '?'}`
    : e.method?.endsWith('/list') ? `listed ${e.method.slice(0, -5)}`
    : `sent ${e.method ?? '?'}`;
  const parts = [`${hms(e.ts)} ${e.agent ?? '?'} ${what} → ${e.outcome ?? '?'}`];
  if (e.errorCode) parts.push(e.errorCode);
  const fired = (e.hits ?? []).filter((h) => h.action !== 'allow').map((h) => `${h.stage}:${h.rule}`);
  if (fired.length) parts.push(`rules ${fired.join(', ')}`);
  const added = (e.labelsAfter ?? []).filter((l) => !(e.labelsBefore ?? []).includes(l));
  if (added.length) parts.push(`+labels ${added.join(', ')}`);
  const by = approverOf(e.approval);
  if (by) parts.push(`approved by ${by}`);
  if (e.durationUs !== undefined) parts.push(`${(e.durationUs / 1000).toFixed(1)} ms`);
  return parts.join(' · ');
}

function approverOf(a: unknown): string | undefined {
  if (!a || typeof a !== 'object') return typeof a === 'string' ? a : undefined;
  const o = a as Record<string, unknown>;
  const v = o.approver ?? o.by ?? o.decidedBy;
  return typeof v === 'string' ? v : undefined;
}

/** CSV columns, in order. */
export const CSV_COLUMNS = [
  'seq', 'time', 'kind', 'agent', 'session', 'virtualServer', 'server', 'tool', 'method', 'outcome', 'errorCode',
  'rules', 'durationUs', 'traceId', 'argsSha256', 'resultSha256', 'hash',
] as const;

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
function cell(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

export function csvRow(e: AuditEntry): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: e.seq, time: new Date(e.ts).toISOString(), kind: e.kind, agent: e.agent, session: e.session,
    virtualServer: e.virtualServer, server: e.server, tool: e.tool, method: e.method, outcome: e.outcome,
    errorCode: e.errorCode, rules: (e.hits ?? []).map((h) => h.rule).join(' '), durationUs: e.durationUs,
    traceId: e.traceId, argsSha256: e.argsSha256, resultSha256: e.resultSha256, hash: e.hash,
  };
  return CSV_COLUMNS.map((c) => cell(values[c])).join(',');
}
