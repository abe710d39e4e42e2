/**
 * HTTP channels, mounted as extra routes of the HTTP adapter:
 *
 * - Admin API (`Authorization: Bearer <approver token>`):
 *   `GET /admin/approvals[?status=&limit=]`, `GET /admin/approvals/:id`,
 *   `POST /admin/approvals/:id/approve|deny` with JSON `{ reason?, scope?: "call"|"session" }`.
 * - Signed links (webhook channel): `GET /approvals/:id/approve|deny?exp&sig` shows a confirmation
 *   page; only the page's POST decides.
 *
 * Answers are JSON `{ error: { code, message } }` on failure; see errors.ts for the codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Route } from '../transport/http.ts';
import type { ApprovalsCore } from './approvals.ts';
import { ApprovalError } from './errors.ts';
import type { LinkAction } from './links.ts';
import { confirmPage, describeRequest, sendPage } from './page.ts';
import type { ApprovalRecord, ApprovalStatus } from './store.ts';

const MAX_BODY = 16_384;
const ID = '([A-Za-z0-9_-]{1,64})';
const ADMIN_ONE = new RegExp(`^/admin/approvals/${ID}/?$`);
const ADMIN_DECIDE = new RegExp(`^/admin/approvals/${ID}/(approve|deny)/?$`);
const LINK = new RegExp(`^/approvals/${ID}/(approve|deny)/?$`);
const STATUSES = new Set<ApprovalStatus>(['pending', 'approved', 'denied', 'expired', 'cancelled', 'orphaned', 'consumed']);

const decisionBody = z
  .object({ reason: z.string().max(1000).optional(), scope: z.enum(['call', 'session']).optional() })
  .strict();

/** The public JSON form of a request (ISO times). */
export function approvalJson(r: ApprovalRecord): Record<string, unknown> {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: r.id, status: r.status, agent: r.agent, session: r.session, server: r.server, tool: r.tool, exposed: r.exposed,
    rule: r.rule, reason: r.reason, args: r.args, armedBy: r.armedBy, digest: r.digest,
    createdAt: iso(r.createdAt), expiresAt: iso(r.expiresAt), decidedBy: r.decidedBy, decidedAt: iso(r.decidedAt),
    decisionReason: r.decisionReason, scope: r.scope, grantExpiresAt: iso(r.grantExpiresAt), uses: r.uses,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const sendError = (res: ServerResponse, e: ApprovalError): void =>
  sendJson(res, e.http, { error: e.toJSON() }, e.http === 401 ? { 'www-authenticate': 'Bearer realm="warden-admin"' } : {});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApprovalError('WARDEN_INVALID_REQUEST', 'body too large'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const bearer = (req: IncomingMessage): string | undefined => {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S{1,8192})\s*$/i.exec(h) : null;
  return m?.[1];
};

/** The admin API route. */
export function adminRoute(core: ApprovalsCore): Route {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/admin/approvals' && path !== '/admin/approvals/' && !path.startsWith('/admin/approvals/')) return false;
    try {
      const who = await core.authenticate(bearer(req) ?? '');
      if (!who) {
        req.resume();
        throw new ApprovalError('WARDEN_UNAUTHENTICATED');
      }
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (path === '/admin/approvals' || path === '/admin/approvals/')) {
        req.resume();
        const status = url.searchParams.get('status') ?? undefined;
        if (status !== undefined && !STATUSES.has(status as ApprovalStatus)) throw new ApprovalError('WARDEN_INVALID_REQUEST', 'unknown status');
        const limit = Number(url.searchParams.get('limit') ?? 100);
        if (!Number.isInteger(limit) || limit < 1) throw new ApprovalError('WARDEN_INVALID_REQUEST', 'limit must be a positive integer');
        const list = core.list({ status: status as ApprovalStatus | undefined, limit });
        sendJson(res, 200, { approvals: list.map(approvalJson) });
      } else if (req.method === 'GET' && (m = ADMIN_ONE.exec(path))) {
        req.resume();
        const r = core.get(m[1]!);
        if (!r) throw new ApprovalError('WARDEN_APPROVAL_NOT_FOUND');
        sendJson(res, 200, { approval: approvalJson(r) });
      } else if (req.method === 'POST' && (m = ADMIN_DECIDE.exec(path))) {
        const text = (await readBody(req)).trim();
        let body: unknown = {};
        if (text) {
          const ct = String(req.headers['content-type'] ?? '');
          if (!/^application\/json\b/i.test(ct)) throw new ApprovalError('WARDEN_INVALID_REQUEST', 'Content-Type must be application/json');
          try {
            body = JSON.parse(text);
          } catch {
            throw new ApprovalError('WARDEN_INVALID_REQUEST', 'body is not valid JSON');
          }
        }
        const parsed = decisionBody.safeParse(body);
        if (!parsed.success) throw new ApprovalError('WARDEN_INVALID_REQUEST', 'body must be {reason?: string, scope?: "call"|"session"}');
        const out = core.decide(m[1]!, { decision: m[2] as LinkAction, by: who, reason: parsed.data.reason, scope: parsed.data.scope });
        if (!out.ok) throw out.error;
        sendJson(res, 200, { approval: approvalJson(out.record), released: out.released });
      } else {
        req.resume();
        const known = ADMIN_ONE.test(path) || ADMIN_DECIDE.test(path) || path === '/admin/approvals' || path === '/admin/approvals/';
        throw new ApprovalError(known ? 'WARDEN_METHOD_NOT_ALLOWED' : 'WARDEN_NOT_FOUND');
      }
    } catch (err) {
      if (!(err instanceof ApprovalError)) throw err;
      sendError(res, err);
    }
    return true;
  };
}

/** The signed-link route; it serves nothing while no webhook (hence no signing key) is configured. */
export function linkRoute(core: ApprovalsCore): Route {
  return async (req, res, url) => {
    const signer = core.signer;
    const m = signer && LINK.exec(url.pathname);
    if (!signer || !m) return false;
    const id = m[1]!;
    const action = m[2] as LinkAction;
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      sendPage(res, 405, 'Method not allowed', '<p>Open the link in a browser.</p>');
      return true;
    }
    const body = req.method === 'POST' ? await readBody(req).catch(() => undefined) : (req.resume(), '');
    const check = signer.verify(id, action, url.searchParams.get('exp'), url.searchParams.get('sig'), core.now());
    if (check === 'invalid') return sendPage(res, 403, 'Invalid link', '<p>This approval link is not valid. Nothing was decided.</p>'), true;
    if (check === 'expired') return sendPage(res, 410, 'Link expired', '<p>This approval link has expired. Nothing was decided.</p>'), true;
    const rec = core.get(id);
    if (!rec) return sendPage(res, 404, 'Unknown request', '<p>No such approval request.</p>'), true;
    if (req.method === 'GET') {
      if (rec.status !== 'pending' && rec.status !== 'orphaned') {
        return sendPage(res, 409, 'Already decided', `<p>This request was already decided; the link cannot be used again.</p>${describeRequest(rec)}`), true;
      }
      confirmPage(res, rec, action);
      return true;
    }
    if (body === undefined) return sendPage(res, 400, 'Bad request', '<p>The form could not be read.</p>'), true;
    const form = new URLSearchParams(body);
    const scopeIn = form.get('scope');
    const scope = scopeIn === 'session' ? 'session' : 'call';
    const out = core.decide(id, { decision: action, by: { name: 'signed-link', via: 'signed_link' }, reason: form.get('reason') ?? undefined, scope });
    if (!out.ok) {
      const title = out.error.code === 'WARDEN_APPROVAL_EXPIRED' ? 'Request expired' : out.error.code === 'WARDEN_APPROVAL_ALREADY_DECIDED' ? 'Already decided' : 'Refused';
      return sendPage(res, out.error.http, title, `<p>${out.error.message.replace(/[<>&]/g, '')}. Nothing was run.</p>`), true;
    }
    const note = out.record.status === 'denied' ? 'Denied.' : out.released ? 'Approved; the call is running now.' : 'Approved. The original call is gone, so nothing ran; the agent may call again.';
    sendPage(res, 200, 'Done', `<p>${note}</p>${describeRequest(out.record)}`);
    return true;
  };
}

/** Every route of the approvals module. */
export function approvalRoutes(core: ApprovalsCore): Route[] {
  return [adminRoute(core), linkRoute(core)];
}
