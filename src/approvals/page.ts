/**
 * The small HTML pages of the signed-link channel. A GET only ever shows a confirmation form (so
 * chat link-preview bots that fetch URLs decide nothing); the form POSTs back to the same signed
 * URL. Everything shown is escaped; the page loads nothing and cannot be framed.
 */
import type { ServerResponse } from 'node:http';
import type { LinkAction } from './links.ts';
import type { ApprovalRecord } from './store.ts';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const cap = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.6rem;overflow:auto;max-height:20rem}
dt{font-weight:600}button{font-size:1rem;padding:.4rem 1.2rem}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = layout(title, body);
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** The request as a definition list: who, what, why, the (redacted) arguments, what armed the rule. */
export function describeRequest(r: ApprovalRecord): string {
  const json = (v: unknown): string => esc(cap(JSON.stringify(v, null, 2) ?? 'null', 20_000));
  return `<dl><dt>Agent</dt><dd>${esc(r.agent)}</dd><dt>Call</dt><dd>${esc(r.server)} / ${esc(r.tool)}</dd>
<dt>Rule</dt><dd>${esc(r.rule)}</dd><dt>Why</dt><dd>${esc(r.reason)}</dd>
<dt>Arguments (redacted)</dt><dd><pre>${json(r.args)}</pre></dd><dt>Armed by</dt><dd><pre>${json(r.armedBy)}</pre></dd>
<dt>Status</dt><dd>${esc(r.status)}</dd><dt>Expires</dt><dd>${esc(new Date(r.expiresAt).toISOString())}</dd></dl>`;
}

/** The confirmation form: POSTs to the same signed URL (the query string carries exp and sig). */
export function confirmPage(res: ServerResponse, r: ApprovalRecord, action: LinkAction): void {
  const scope = action === 'approve'
    ? `<p><label>Scope <select name="scope"><option value="call">this call only</option>
<option value="session">this session, same tool and arguments</option></select></label></p>`
    : '';
  sendPage(res, 200, action === 'approve' ? 'Approve this call?' : 'Deny this call?', `${describeRequest(r)}
<form method="post"><p><label>Reason<br><textarea name="reason" rows="2" cols="60" maxlength="1000"></textarea></label></p>
${scope}<p><button type="submit">${action === 'approve' ? 'Approve' : 'Deny'}</button></p></form>`);
}
