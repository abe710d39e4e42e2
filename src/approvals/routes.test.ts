import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { isWardenError } from '../errors/index.ts';
import type { Verdict } from '../pipeline/index.ts';
import { createApprovals, type Approvals } from './index.ts';
import { ALICE, approvalsConfig, BOB, FakeClock, flush, LINK_KEY, makeCtx } from './test-helpers.ts';

interface Posted { url: string; body: { text: string; blocks: { type: string; elements?: { url?: string }[] }[] } }

let server: Server;
let base: string;
let approvals: Approvals;
let clock: FakeClock;
const posted: Posted[] = [];
let webhookFails = false;

const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
  if (webhookFails) throw new TypeError('fetch failed');
  posted.push({ url: String(url), body: JSON.parse(String(init?.body)) });
  return new Response('ok', { status: 200 });
}) as typeof fetch;

before(async () => {
  clock = new FakeClock();
  approvals = createApprovals({
    db: new Database(':memory:'),
    config: approvalsConfig({ webhook: { url: 'https://hooks.example.com/T/B/X', signingKey: LINK_KEY, publicUrl: 'https://warden.example.com' } }),
    now: clock.now,
    timers: clock,
    fetch: fakeFetch,
  });
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const r of approvals.routes) if (await r(req, res, url)) return;
    res.writeHead(404).end('fallthrough');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  approvals.close();
  await new Promise((r) => server.close(r));
});

function holdOne(args: Record<string, unknown> = { path: `/f${Math.random()}` }, agent = 'agent-1') {
  const ctx = makeCtx({ args, agent });
  const verdict = approvals.onHold(ctx, { rule: 'delete-files', reason: 'deletes data' });
  const id = /waiting for approval (\S+)/.exec(ctx.progressed[0]?.[1] ?? '')![1]!;
  return { id, verdict, ctx };
}

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });

async function errorCode(r: Response): Promise<string> {
  return ((await r.json()) as { error: { code: string } }).error.code;
}

describe('admin API', () => {
  test('needs an approver token: none, a wrong one, or an agent credential is 401', async () => {
    for (const token of [undefined, 'agent-api-key-0123456789', `${ALICE}x`]) {
      const r = await api('/admin/approvals', token ? { token } : {});
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(await errorCode(r), 'WARDEN_UNAUTHENTICATED');
    }
  });

  test('list, show, approve: the held call is released; approving again is 409 and runs nothing', async () => {
    const { id, verdict } = holdOne({ path: '/etc/passwd' });
    const list = (await (await api('/admin/approvals?status=pending', { token: ALICE })).json()) as { approvals: { id: string }[] };
    assert.ok(list.approvals.some((a) => a.id === id));
    const one = (await (await api(`/admin/approvals/${id}`, { token: ALICE })).json()) as { approval: Record<string, unknown> };
    assert.equal(one.approval.rule, 'delete-files');
    assert.deepEqual(one.approval.args, { path: '/etc/passwd' });
    assert.equal(one.approval.reason, 'deletes data');

    const r = await api(`/admin/approvals/${id}/approve`, { method: 'POST', token: ALICE, body: JSON.stringify({ reason: 'ok', scope: 'call' }) });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { approval: { status: string; decidedBy: string }; released: boolean };
    assert.equal(body.released, true);
    assert.equal(body.approval.decidedBy, 'alice');
    assert.deepEqual(await verdict, { kind: 'continue' });

    const again = await api(`/admin/approvals/${id}/approve`, { method: 'POST', token: ALICE });
    assert.equal(again.status, 409);
    assert.equal(await errorCode(again), 'WARDEN_APPROVAL_ALREADY_DECIDED');
  });

  test('deny through the API', async () => {
    const { id, verdict } = holdOne();
    const r = await api(`/admin/approvals/${id}/deny`, { method: 'POST', token: ALICE, body: JSON.stringify({ reason: 'nope' }) });
    assert.equal(r.status, 200);
    const v: Verdict = await verdict;
    assert.ok(v.kind === 'deny' && isWardenError(v.error) && v.error.code === 'WARDEN_APPROVAL_DENIED');
  });

  test('unknown id 404; out-of-scope approver and self-approval 403; bad bodies 400; wrong method 405', async () => {
    assert.equal(await errorCode(await api('/admin/approvals/apr_unknown', { token: ALICE })), 'WARDEN_APPROVAL_NOT_FOUND');
    const unk = await api('/admin/approvals/apr_unknown/approve', { method: 'POST', token: ALICE });
    assert.equal(unk.status, 404);
    assert.equal(await errorCode(unk), 'WARDEN_APPROVAL_NOT_FOUND');

    const { id } = holdOne();
    const bob = await api(`/admin/approvals/${id}/approve`, { method: 'POST', token: BOB });
    assert.equal(bob.status, 403);
    assert.equal(await errorCode(bob), 'WARDEN_APPROVAL_FORBIDDEN');

    const own = holdOne(undefined, 'alice');
    const self = await api(`/admin/approvals/${own.id}/approve`, { method: 'POST', token: ALICE });
    assert.equal(self.status, 403);
    assert.equal(await errorCode(self), 'WARDEN_APPROVAL_FORBIDDEN');

    for (const body of ['{', JSON.stringify({ scope: 'forever' }), JSON.stringify({ extra: 1 }), JSON.stringify([1])]) {
      const r = await api(`/admin/approvals/${id}/approve`, { method: 'POST', token: ALICE, body });
      assert.equal(r.status, 400, body);
      assert.equal(await errorCode(r), 'WARDEN_INVALID_REQUEST');
    }
    const text = await api(`/admin/approvals/${id}/approve`, { method: 'POST', token: ALICE, body: 'reason=x', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 400);
    assert.equal((await api(`/admin/approvals/${id}`, { method: 'DELETE', token: ALICE })).status, 405);
    assert.equal((await api('/admin/approvals?status=bogus', { token: ALICE })).status, 400);
    assert.equal(approvals.get(id)!.status, 'pending');
    assert.equal(approvals.get(own.id)!.status, 'pending');
  });

  test('other paths fall through to the next route', async () => {
    assert.equal(await (await fetch(`${base}/mcp`)).text(), 'fallthrough');
    assert.equal(await (await fetch(`${base}/admin/other`)).text(), 'fallthrough');
  });
});

describe('webhook and signed links', () => {
  const linkOf = (id: string, action: 'approve' | 'deny'): string => {
    const msg = posted.find((p) => JSON.stringify(p.body).includes(id))!;
    const actions = msg.body.blocks.find((b) => b.type === 'actions')!;
    const url = actions.elements!.map((e) => e.url!).find((u) => u.includes(`/${action}?`))!;
    return url.replace('https://warden.example.com', base);
  };

  test('the webhook gets a Slack message with text, blocks, the rule, args and signed links', async () => {
    const { id } = holdOne({ path: '/x', note: '<https://evil.example|Approve>' });
    await flush();
    const msg = posted.find((p) => JSON.stringify(p.body).includes(id));
    assert.ok(msg);
    assert.equal(msg.url, 'https://hooks.example.com/T/B/X');
    assert.match(msg.body.text, /agent-1 wants to call files\/delete_file \(rule delete-files\)/);
    const all = JSON.stringify(msg.body.blocks);
    assert.ok(!all.includes('<https://evil'), 'arguments cannot forge Slack links');
    assert.match(linkOf(id, 'approve'), /\/approvals\/apr_[^/]+\/approve\?exp=\d+&sig=[\w-]{43}$/);
  });

  test('a GET only shows a confirmation page; the POST decides; the link then fails', async () => {
    const { id, verdict } = holdOne();
    await flush();
    const link = linkOf(id, 'approve');
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const html = await page.text();
    assert.match(html, /<form method="post">/);
    assert.match(html, /delete-files/);
    assert.equal(approvals.get(id)!.status, 'pending', 'a GET (link preview) decides nothing');

    const post = await fetch(link, { method: 'POST', body: new URLSearchParams({ reason: 'fine', scope: 'call' }) });
    assert.equal(post.status, 200);
    assert.match(await post.text(), /the call is running now/);
    assert.deepEqual(await verdict, { kind: 'continue' });
    assert.equal(approvals.get(id)!.decidedBy, 'signed-link');

    // Replays and the opposite link: clear errors, nothing runs again.
    assert.equal((await fetch(link, { method: 'POST', body: '' })).status, 409);
    assert.equal((await fetch(link)).status, 409);
    assert.equal((await fetch(linkOf(id, 'deny'), { method: 'POST', body: '' })).status, 409);
    assert.equal(approvals.get(id)!.uses, 1);
  });

  test('forged and expired links are refused and decide nothing', async () => {
    const { id } = holdOne();
    await flush();
    const link = new URL(linkOf(id, 'approve'));
    const forged = new URL(link);
    forged.searchParams.set('sig', 'A'.repeat(43));
    assert.equal((await fetch(forged, { method: 'POST', body: '' })).status, 403);
    const moved = new URL(link);
    moved.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + 86_400));
    assert.equal((await fetch(moved, { method: 'POST', body: '' })).status, 403);
    const other = holdOne();
    const swapped = new URL(link);
    swapped.pathname = `/approvals/${other.id}/approve`;
    assert.equal((await fetch(swapped, { method: 'POST', body: '' })).status, 403);
    assert.equal((await fetch(`${base}/approvals/${id}/approve`)).status, 403);
    assert.equal(approvals.get(id)!.status, 'pending');
    assert.equal(approvals.get(other.id)!.status, 'pending');

    clock.advance(10 * 60_000); // both time out, and the links expire with them
    assert.equal((await fetch(link, { method: 'POST', body: '' })).status, 410);
    assert.equal(approvals.get(id)!.status, 'expired');
  });

  test('a failing webhook never blocks the hold: the call still waits and can be approved', async () => {
    webhookFails = true;
    try {
      const { id, verdict } = holdOne();
      await flush();
      assert.equal(approvals.get(id)!.status, 'pending');
      assert.ok(approvals.decide(id, { decision: 'approve', by: 'alice' }).ok);
      assert.deepEqual(await verdict, { kind: 'continue' });
    } finally {
      webhookFails = false;
    }
  });
});
