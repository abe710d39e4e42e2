import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { createApprovals, type Approvals } from '../../approvals/index.ts';
import { ALICE, approvalsConfig, FakeClock, makeCtx } from '../../approvals/test-helpers.ts';
import type { Verdict } from '../../pipeline/index.ts';
import { run } from './approvals.ts';

let server: Server;
let url: string;
let approvals: Approvals;

before(async () => {
  const clock = new FakeClock();
  approvals = createApprovals({ db: new Database(':memory:'), config: approvalsConfig(), now: clock.now, timers: clock });
  server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    for (const r of approvals.routes) if (await r(req, res, u)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  approvals.close();
  await new Promise((r) => server.close(r));
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = { WARDEN_ADMIN_TOKEN: ALICE }, extra: { signal?: AbortSignal; pollMs?: number } = {}) {
  let out = '';
  let err = '';
  const code = await run([...argv, '--url', url], { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env, ...extra });
  return { code, out, err };
}

function holdOne(args: Record<string, unknown> = { path: `/p${Math.random()}` }): { id: string; verdict: Promise<Verdict> } {
  const ctx = makeCtx({ args });
  const verdict = approvals.onHold(ctx, { rule: 'delete-files', reason: 'deletes data' });
  return { id: /waiting for approval (\S+)/.exec(ctx.progressed[0]![1]!)![1]!, verdict };
}

describe('warden approvals', () => {
  test('list and show a pending request', async () => {
    const { id } = holdOne({ path: '/srv/data' });
    const list = await cli(['list']);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`${id}\\s+pending .* agent-1 .* files/delete_file +delete-files`));
    const show = await cli(['show', id]);
    assert.equal(show.code, 0);
    assert.match(show.out, /why +deletes data/);
    assert.match(show.out, /"path": "\/srv\/data"/);
    const json = JSON.parse((await cli(['show', id, '--json'])).out) as { id: string };
    assert.equal(json.id, id);
  });

  test('approve releases the call; approving again is an error with its code', async () => {
    const { id, verdict } = holdOne();
    const r = await cli(['approve', id, '--reason', 'ok', '--scope', 'session']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /approved; the held call is running/);
    assert.deepEqual(await verdict, { kind: 'continue' });
    assert.equal(approvals.get(id)!.scope, 'session');
    const again = await cli(['approve', id]);
    assert.equal(again.code, 1);
    assert.match(again.err, /WARDEN_APPROVAL_ALREADY_DECIDED/);
  });

  test('deny', async () => {
    const { id, verdict } = holdOne();
    assert.equal((await cli(['deny', id, '--reason', 'no'])).code, 0);
    assert.equal((await verdict).kind, 'deny');
  });

  test('errors: no token, a wrong token, unknown id, bad usage', async () => {
    const none = await cli(['list'], {});
    assert.equal(none.code, 2);
    assert.match(none.err, /token/);
    const wrong = await cli(['list'], { WARDEN_ADMIN_TOKEN: 'agent-key-0123456789abcdef' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /WARDEN_UNAUTHENTICATED/);
    const unknown = await cli(['approve', 'apr_missing']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /WARDEN_APPROVAL_NOT_FOUND/);
    assert.equal((await cli(['approve'])).code, 2);
    assert.equal((await cli(['approve', 'x', '--scope', 'forever'])).code, 2);
    assert.equal((await cli(['deny', 'x', '--scope', 'session'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });

  test('list --watch prints new requests and status changes until stopped', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const { id } = holdOne();
    let polls = 0;
    const counting = (async (input: string | URL | Request, init?: RequestInit) => {
      polls++;
      const res = await fetch(input, init);
      if (polls === 1) approvals.decide(id, { decision: 'deny', by: 'alice' });
      if (polls === 2) ac.abort();
      return res;
    }) as typeof fetch;
    const code = await run(['list', '--watch', '--url', url], {
      stdout: (s) => void lines.push(s), stderr: () => {}, env: { WARDEN_ADMIN_TOKEN: ALICE }, fetch: counting, signal: ac.signal, pollMs: 1,
    });
    assert.equal(code, 0);
    const mine = lines.filter((l) => l.includes(id));
    assert.equal(mine.length, 2);
    assert.match(mine[0]!, /pending/);
    assert.match(mine[1]!, /denied/);
  });
});
