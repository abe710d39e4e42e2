import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { isWardenError } from '../errors/index.ts';
import type { Verdict } from '../pipeline/index.ts';
import { APPROVAL_STATE_KEYS, createApprovals } from './index.ts';
import { ALICE, approvalsConfig, FakeClock, flush, makeCtx, setup, type TestCtx } from './test-helpers.ts';
import type { Approvals } from './index.ts';

const HOLD = { rule: 'delete-files', reason: 'deletes data' };

function hold(a: Approvals, ctx: TestCtx, h = HOLD): { verdict: Promise<Verdict>; id: string } {
  const verdict = a.onHold(ctx, h);
  // The request is stored synchronously, before the handler first waits.
  const id = /waiting for approval (\S+)/.exec(ctx.progressed.at(-1)?.[1] ?? '')?.[1];
  return { verdict, id: id ?? '' };
}

function denyCode(v: Verdict): string {
  assert.equal(v.kind, 'deny');
  assert.ok(v.kind === 'deny' && isWardenError(v.error));
  return v.kind === 'deny' ? v.error.code : '';
}

describe('approvals: one held call', () => {
  test('approve releases the call once, records who and why, and clears its timers and listener', async () => {
    const { approvals, clock } = setup();
    const ctx = makeCtx();
    const { verdict, id } = hold(approvals, ctx);
    assert.match(id, /^apr_[A-Za-z0-9_-]{22}$/);
    const rec = approvals.get(id)!;
    assert.equal(rec.status, 'pending');
    assert.deepEqual(rec.args, { path: '/tmp/x' });
    assert.equal(rec.rule, 'delete-files');
    assert.equal(rec.reason, 'deletes data');
    assert.equal(approvals.waiting, 1);

    const out = approvals.decide(id, { decision: 'approve', by: 'alice', reason: 'looks fine' });
    assert.ok(out.ok);
    assert.equal(out.released, true);
    assert.deepEqual(await verdict, { kind: 'continue' });
    const after = approvals.get(id)!;
    assert.equal(after.status, 'consumed');
    assert.equal(after.decidedBy, 'alice');
    assert.equal(after.decisionReason, 'looks fine');
    assert.equal(after.uses, 1);
    assert.deepEqual(ctx.state.get(APPROVAL_STATE_KEYS.request), { id, status: 'consumed', decidedBy: 'alice', scope: 'call' });
    assert.equal(approvals.waiting, 0);
    assert.equal(clock.pending, 0);
    assert.equal(getEventListeners(ctx.signal, 'abort').length, 0);

    const again = approvals.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(!again.ok);
    assert.equal(again.error.code, 'WARDEN_APPROVAL_ALREADY_DECIDED');
  });

  test('deny ends the call with WARDEN_APPROVAL_DENIED naming the approver', async () => {
    const { approvals } = setup();
    const { verdict, id } = hold(approvals, makeCtx());
    assert.ok(approvals.decide(id, { decision: 'deny', by: 'alice', reason: 'no' }).ok);
    const v = await verdict;
    assert.equal(denyCode(v), 'WARDEN_APPROVAL_DENIED');
    assert.match(v.kind === 'deny' ? v.error.message : '', /denied by alice/);
    assert.equal(approvals.get(id)!.status, 'denied');
  });

  test('timeout denies with WARDEN_APPROVAL_TIMEOUT, distinct from a denial; keep-alive progress until then', async () => {
    const { approvals, clock } = setup({ timeout: '1m', keepAliveMs: 10_000 });
    const ctx = makeCtx();
    const { verdict, id } = hold(approvals, ctx);
    clock.advance(59_000);
    assert.equal(approvals.get(id)!.status, 'pending');
    assert.deepEqual(ctx.progressed.map((p) => p[0]), [0, 1, 2, 3, 4, 5]);
    clock.advance(1_000);
    const v = await verdict;
    assert.equal(denyCode(v), 'WARDEN_APPROVAL_TIMEOUT');
    assert.match(v.kind === 'deny' ? v.error.message : '', /approval timed out/i);
    assert.equal(approvals.get(id)!.status, 'expired');
    assert.equal(clock.pending, 0);
    const late = approvals.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(!late.ok);
    assert.equal(late.error.code, 'WARDEN_APPROVAL_EXPIRED');
  });

  test('agent cancellation marks the request cancelled; a later approval runs nothing', async () => {
    const { approvals, clock } = setup();
    const ctx = makeCtx();
    const { verdict, id } = hold(approvals, ctx);
    ctx.controller.abort();
    assert.equal(denyCode(await verdict), 'WARDEN_CANCELLED');
    assert.equal(approvals.get(id)!.status, 'cancelled');
    assert.equal(clock.pending, 0);
    const late = approvals.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(!late.ok);
    assert.equal(late.error.code, 'WARDEN_APPROVAL_ALREADY_DECIDED');
  });

  test('an already-cancelled call is denied without a request', async () => {
    const { approvals } = setup();
    const ctx = makeCtx();
    ctx.controller.abort();
    assert.equal(denyCode(await approvals.onHold(ctx, HOLD)), 'WARDEN_CANCELLED');
    assert.equal(approvals.list().length, 0);
  });

  test('with nobody able to decide, a hold is denied at once instead of waiting for the timeout', async () => {
    const { approvals } = setup({ approvers: [] });
    assert.equal(denyCode(await approvals.onHold(makeCtx(), HOLD)), 'WARDEN_APPROVAL_DENIED');
    assert.equal(approvals.list().length, 0);
  });

  test('unknown id', () => {
    const { approvals } = setup();
    const out = approvals.decide('apr_nope', { decision: 'approve', by: 'alice' });
    assert.ok(!out.ok);
    assert.equal(out.error.code, 'WARDEN_APPROVAL_NOT_FOUND');
  });

  test('approve vs deny race: exactly one wins, the call sees that one', async () => {
    const { approvals } = setup();
    const { verdict, id } = hold(approvals, makeCtx());
    const [a, d] = [approvals.decide(id, { decision: 'approve', by: 'alice' }), approvals.decide(id, { decision: 'deny', by: 'alice' })];
    assert.equal([a, d].filter((x) => x.ok).length, 1);
    assert.ok(!d.ok && d.error.code === 'WARDEN_APPROVAL_ALREADY_DECIDED');
    assert.deepEqual(await verdict, { kind: 'continue' });
  });

  test('the store decides races between processes: a row decided elsewhere is not decided again', () => {
    const db = new Database(':memory:');
    const clock = new FakeClock();
    const a = createApprovals({ db, config: approvalsConfig(), now: clock.now, timers: clock });
    void a.onHold(makeCtx(), HOLD);
    const id = a.list()[0]!.id;
    // Another replica (same table) denies first.
    db.prepare(`UPDATE approvals_requests SET status = 'denied', decided_by = 'bob' WHERE id = ?`).run(id);
    const out = a.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(!out.ok);
    assert.equal(out.error.code, 'WARDEN_APPROVAL_ALREADY_DECIDED');
    a.close();
  });
});

describe('approvals: who may decide', () => {
  test('an agent can never approve its own request, even named as an approver', async () => {
    const { approvals } = setup();
    const { id } = hold(approvals, makeCtx({ agent: 'alice' }));
    const out = approvals.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(!out.ok);
    assert.equal(out.error.code, 'WARDEN_APPROVAL_FORBIDDEN');
    assert.equal(approvals.get(id)!.status, 'pending');
    approvals.close();
  });

  test('approver scopes: bob decides only rule delete-* on server db', () => {
    const { approvals } = setup();
    const { id: files } = hold(approvals, makeCtx({ server: 'files' }), { rule: 'delete-files', reason: 'r' });
    const { id: dbOther } = hold(approvals, makeCtx({ server: 'db' }), { rule: 'payments', reason: 'r' });
    const { id: ok } = hold(approvals, makeCtx({ server: 'db' }), { rule: 'delete-rows', reason: 'r' });
    const a = approvals.decide(files, { decision: 'approve', by: 'bob' });
    const b = approvals.decide(dbOther, { decision: 'approve', by: 'bob' });
    assert.ok(!a.ok && a.error.code === 'WARDEN_APPROVAL_FORBIDDEN');
    assert.ok(!b.ok && b.error.code === 'WARDEN_APPROVAL_FORBIDDEN');
    assert.ok(approvals.decide(ok, { decision: 'approve', by: 'bob' }).ok);
    const stranger = approvals.decide(files, { decision: 'approve', by: 'mallory' });
    assert.ok(!stranger.ok && stranger.error.code === 'WARDEN_APPROVAL_FORBIDDEN');
    approvals.close();
  });

  test('tokens: admin tokens authenticate their approver; anything else does not', () => {
    const { approvals } = setup({ approvers: [{ name: 'carol', tokenHash: `sha256:${'0'.repeat(64)}` }, { name: 'dave', token: 'dave-token-0123456789' }] });
    assert.deepEqual(approvals.approvers.authenticate('dave-token-0123456789'), { name: 'dave', via: 'admin_token' });
    assert.equal(approvals.approvers.authenticate('dave-token-012345678'), undefined);
    assert.equal(approvals.approvers.authenticate(''), undefined);
  });
});

describe('approvals: binding and scopes', () => {
  test('session scope: an identical later call in the session proceeds; changed args, another session or agent ask again', async () => {
    const { approvals, clock } = setup({ sessionScopeTtl: '1h' });
    const first = hold(approvals, makeCtx({ args: { path: '/a', force: true } }));
    approvals.decide(first.id, { decision: 'approve', by: 'alice', scope: 'session' });
    assert.deepEqual(await first.verdict, { kind: 'continue' });
    assert.equal(approvals.get(first.id)!.status, 'approved');

    // Same fields, keys in another order: the same canonical arguments.
    const again = makeCtx({ args: { force: true, path: '/a' } });
    assert.deepEqual(await approvals.onHold(again, HOLD), { kind: 'continue' });
    assert.equal(approvals.get(first.id)!.uses, 2);
    assert.equal(approvals.list().length, 1);
    assert.ok(again.hits.some((h) => h.stage === 'approvals' && h.action === 'approved'));

    for (const ctx of [makeCtx({ args: { path: '/b', force: true } }), makeCtx({ session: 'mcp:s2', args: { path: '/a', force: true } }), makeCtx({ agent: 'agent-2', args: { path: '/a', force: true } })]) {
      const h = hold(approvals, ctx);
      assert.notEqual(h.id, '');
      assert.equal(approvals.get(h.id)!.status, 'pending');
    }
    // A different rule for the same call is asked again too.
    assert.notEqual(hold(approvals, makeCtx({ args: { path: '/a', force: true } }), { rule: 'other', reason: 'x' }).id, '');
    // After the session scope's validity, identical calls ask again.
    approvals.close();
    clock.advance(3_600_001);
    assert.notEqual(hold(approvals, makeCtx({ args: { path: '/a', force: true } })).id, '');
    approvals.close();
  });

  test('call scope: used once; an identical second call asks again', async () => {
    const { approvals } = setup();
    const first = hold(approvals, makeCtx());
    approvals.decide(first.id, { decision: 'approve', by: 'alice', scope: 'call' });
    await first.verdict;
    const second = hold(approvals, makeCtx());
    assert.notEqual(second.id, '');
    assert.notEqual(second.id, first.id);
    approvals.close();
  });

  test('shows why: armed-by calls from the flow decision, redacted args as given', () => {
    const { approvals } = setup();
    const armedBy = [{ seq: 2, server: 'web', tool: 'fetch', label: 'untrusted' }, { seq: 1, server: 'crm', tool: 'read', label: 'private' }];
    const ctx = makeCtx({ args: { to: 'x@example.com', body: '[REDACTED]' }, state: { 'flow.decision': { action: 'require_approval', firings: [{ rule: 'trifecta', armedBy }] } } });
    const { id } = hold(approvals, ctx, { rule: 'trifecta', reason: 'session has private+untrusted' });
    const r = approvals.get(id)!;
    assert.deepEqual(r.armedBy, armedBy);
    assert.deepEqual(r.args, { to: 'x@example.com', body: '[REDACTED]' });
    assert.equal(r.reason, 'session has private+untrusted');
    approvals.close();
  });

  test('huge arguments are stored truncated; the digest still covers all of them', () => {
    const { approvals } = setup({ maxStoredArgsBytes: 100 });
    const { id } = hold(approvals, makeCtx({ args: { blob: 'x'.repeat(1000) } }));
    assert.equal((approvals.get(id)!.args as { _truncated: boolean })._truncated, true);
    approvals.close();
  });
});

describe('approvals: restart and failure', () => {
  test('pending requests become orphaned on restart; approving one runs nothing; a retry ticket serves one identical call', async () => {
    const db = new Database(':memory:');
    const clock = new FakeClock();
    const before = createApprovals({ db, config: approvalsConfig(), now: clock.now, timers: clock });
    const { id } = hold(before, makeCtx());
    const { id: id2 } = hold(before, makeCtx({ args: { path: '/other' } }));
    // The process dies (no close): a new one opens the same database.
    const after = createApprovals({ db, config: approvalsConfig(), now: clock.now, timers: clock });
    assert.equal(after.get(id)!.status, 'orphaned');
    const out = after.decide(id, { decision: 'approve', by: 'alice' });
    assert.ok(out.ok);
    assert.equal(out.released, false);
    assert.equal(out.record.status, 'approved');
    assert.equal(after.waiting, 0);

    // The agent calls again, identically: the ticket is used once.
    assert.deepEqual(await after.onHold(makeCtx(), HOLD), { kind: 'continue' });
    assert.equal(after.get(id)!.status, 'consumed');
    assert.notEqual(hold(after, makeCtx()).id, '');

    // An orphan past its expiry can no longer be decided.
    clock.advance(10 * 60_000);
    const late = after.decide(id2, { decision: 'approve', by: 'alice' });
    assert.ok(!late.ok);
    assert.equal(late.error.code, 'WARDEN_APPROVAL_EXPIRED');
    assert.ok(after.list({ status: 'expired' }).some((r) => r.id === id2));
    after.close();
  });

  test('close() releases held calls (denied) and orphans their requests', async () => {
    const { approvals, clock } = setup();
    const { verdict, id } = hold(approvals, makeCtx());
    approvals.close();
    assert.equal(denyCode(await verdict), 'WARDEN_SHUTTING_DOWN');
    assert.equal(approvals.get(id)!.status, 'orphaned');
    assert.equal(clock.pending, 0);
  });

  test('a store failure fails closed', async () => {
    const { approvals, db } = setup();
    db.close();
    assert.equal(denyCode(await approvals.onHold(makeCtx(), HOLD)), 'WARDEN_APPROVAL_DENIED');
  });
});

describe('approvals: reload', () => {
  test('a new config swaps approvers and timeouts for new holds; a held call keeps waiting with its own deadline', async () => {
    const { approvals, clock } = setup({ timeout: '1m' });
    const held = hold(approvals, makeCtx());
    approvals.reload(approvalsConfig({ timeout: '5m', approvers: [{ name: 'dave', token: 'dave-token-0123456789' }] }));
    assert.equal(approvals.approvers.authenticate(ALICE), undefined);
    assert.equal(approvals.approvers.authenticate('dave-token-0123456789')?.name, 'dave');
    const later = hold(approvals, makeCtx({ args: { other: 1 } }));
    clock.advance(60_000);
    assert.equal(denyCode(await held.verdict), 'WARDEN_APPROVAL_TIMEOUT');
    assert.equal(approvals.get(later.id)!.status, 'pending');
    assert.ok(approvals.decide(later.id, { decision: 'approve', by: 'dave' }).ok);
    assert.deepEqual(await later.verdict, { kind: 'continue' });
  });
});

describe('approvals: 200 held at once', () => {
  test('approved in random order, each released exactly once with its own verdict; nothing left behind', async () => {
    const { approvals, clock } = setup();
    const calls = Array.from({ length: 200 }, (_, i) => {
      const ctx = makeCtx({ args: { n: i } });
      const h = hold(approvals, ctx);
      let settled = 0;
      const done = h.verdict.then((v) => {
        settled++;
        return { i, v, settled: () => settled };
      });
      return { ctx, id: h.id, done };
    });
    assert.equal(approvals.waiting, 200);
    assert.equal(new Set(calls.map((c) => c.id)).size, 200);
    const order = calls.map((_, i) => i).sort(() => Math.random() - 0.5);
    for (const i of order) {
      const c = calls[i]!;
      const out = approvals.decide(c.id, { decision: i % 7 === 0 ? 'deny' : 'approve', by: 'alice' });
      assert.ok(out.ok);
      // A second decision never releases anything again.
      assert.ok(!approvals.decide(c.id, { decision: 'approve', by: 'alice' }).ok);
    }
    const results = await Promise.all(calls.map((c) => c.done));
    await flush();
    for (const r of results) {
      assert.equal(r.settled(), 1);
      assert.equal(r.v.kind, r.i % 7 === 0 ? 'deny' : 'continue');
      assert.equal(approvals.get(calls[r.i]!.id)!.args && (approvals.get(calls[r.i]!.id)!.args as { n: number }).n, r.i);
    }
    assert.equal(approvals.waiting, 0);
    assert.equal(clock.pending, 0);
    for (const c of calls) assert.equal(getEventListeners(c.ctx.signal, 'abort').length, 0);
  });
});

describe('approvals: memory', () => {
  test('after 200 decided holds nothing keeps a call context alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { approvals, clock } = setup();
    const refs: WeakRef<object>[] = [];
    const verdicts: Promise<Verdict>[] = [];
    const ids: string[] = [];
    // In a plain function: a suspended async frame would keep its last locals (a ctx) alive itself.
    (() => {
      for (let i = 0; i < 200; i++) {
        const ctx = makeCtx({ args: { n: i } });
        refs.push(new WeakRef(ctx));
        const h = hold(approvals, ctx);
        verdicts.push(h.verdict);
        ids.push(h.id);
      }
    })();
    ids.forEach((id, i) => approvals.decide(id, { decision: i % 2 ? 'approve' : 'deny', by: 'alice' }));
    // Some time out instead: none are left, so nothing fires.
    clock.advance(60 * 60_000);
    await Promise.all(verdicts);
    verdicts.length = 0;
    // WeakRef targets are kept until the current job ends; collect on a later turn.
    for (let i = 0; i < 3 && refs.some((r) => r.deref()); i++) {
      await flush();
      gc();
    }
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    assert.equal(alive, 0, `${alive} contexts still reachable: ${refs.map((r, i) => (r.deref() ? i : -1)).filter((i) => i >= 0)}`);
    assert.equal(approvals.waiting, 0);
  });
});
