/**
 * Human approval end to end (issue 6): a real upstream (the crashy fixture's `hello`), the real
 * gateway and HTTP adapter, an SDK client whose call is held, and a person deciding through the
 * CLI or the admin API. Time is a fake clock, so timeouts are advanced, not waited for.
 *
 * The lead has not wired approvals into src/app.ts yet, so the pieces are put together here the
 * way app.ts starts them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { Client } from '@modelcontextprotocol/client';
import { createApprovalRulesStage, createApprovals, type Approvals } from '../../src/approvals/index.ts';
import { ALICE, approvalsConfig, FakeClock } from '../../src/approvals/test-helpers.ts';
import { run as approvalsCli } from '../../src/cli/commands/approvals.ts';
import { loadConfigFile } from '../../src/config/index.ts';
import { Gateway } from '../../src/gateway/index.ts';
import { CONTINUE, type Stage } from '../../src/pipeline/index.ts';
import { silentLogger } from '../../src/telemetry/log.ts';
import { createHttpGateway, type HttpGateway } from '../../src/transport/http.ts';
import { ROOT, RUN_TS, connect, until } from '../helpers.ts';

const crashy = [process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')];
const SELF = 'local-approver-token-0123456789'; // an approver whose name is the agent's id

describe('approvals end to end', () => {
  let gateway: Gateway;
  let http: HttpGateway;
  let approvals: Approvals;
  let db: Database.Database;
  let client: Client;
  let base: string;
  const clock = new FakeClock();
  /** Arguments of every call that reached the upstream. */
  const forwarded: unknown[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-'));
    const path = join(dir, 'warden.yaml');
    writeFileSync(path, `server: { host: 127.0.0.1, port: 0 }
logging: { level: silent }
servers:
  crashy: { command: ${JSON.stringify(crashy)} }
`);
    const loaded = loadConfigFile(path);
    const cfg = approvalsConfig({
      timeout: '10m',
      approvers: [{ name: 'alice', token: ALICE }, { name: 'local', token: SELF }],
      rules: [{ id: 'hello-gate', servers: ['crashy'], tools: ['hello'] }],
    });
    db = new Database(join(dir, 'warden.db'));
    db.pragma('journal_mode = WAL');
    approvals = createApprovals({ db, config: cfg, now: clock.now, timers: clock, log: silentLogger });
    const counter: Stage = { name: 'count', response: (ctx) => (forwarded.push(ctx.params.arguments), CONTINUE) };
    gateway = new Gateway(loaded, { log: silentLogger, extensions: { stages: [createApprovalRulesStage(cfg), counter], onHold: approvals.onHold } });
    await gateway.start();
    http = createHttpGateway({ gateway, server: loaded.config.server, log: silentLogger, routes: approvals.routes });
    const address: AddressInfo = await http.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
    client = await connect(`${base}/mcp`);
  });

  after(async () => {
    await client?.close();
    approvals?.close();
    await gateway?.stop(1000);
    await http?.close();
    db?.close();
  });

  /** Calls `hello`; resolves `id` from the first "waiting for approval" progress notification. */
  function heldCall(name: string) {
    let gotId: (id: string) => void;
    const id = new Promise<string>((r) => (gotId = r));
    const result = client.callTool({ name: 'crashy__hello', arguments: { name } }, {
      onprogress: (p) => {
        const m = /waiting for approval (\S+)/.exec(p.message ?? '');
        if (m) gotId(m[1]!);
      },
    });
    result.catch(() => {}); // observed by each test
    return { id, result };
  }

  const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;
  const admin = (path: string, token: string, body?: unknown) =>
    fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  /** Approval denials reach the agent as tool errors it can read (src/transport/mcp-server.ts). */
  async function errorCodeOf(p: Promise<unknown>, message?: RegExp): Promise<string> {
    const r = (await p) as { isError?: boolean; content: { text: string }[]; _meta?: { 'warden/error'?: { code: string } } };
    assert.equal(r.isError, true, 'expected a tool error');
    if (message) assert.match(r.content[0]!.text, message);
    return r._meta?.['warden/error']?.code ?? 'none';
  }
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await approvalsCli([...argv, '--url', base], { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env: { WARDEN_ADMIN_TOKEN: ALICE } });
    return { code, out, err };
  }

  test('a held call is released by an approval from the CLI, once', async () => {
    const before = forwarded.length;
    const { id, result } = heldCall('cli');
    const approvalId = await id;
    assert.equal(forwarded.length, before, 'nothing reaches the upstream while held');
    const list = await cli(['list']);
    assert.match(list.out, new RegExp(`${approvalId}\\s+pending`));
    const r = await cli(['approve', approvalId, '--reason', 'ok']);
    assert.equal(r.code, 0, r.err);
    assert.match(text(await result), /^hello cli from \d+$/);
    assert.deepEqual(forwarded.slice(before), [{ name: 'cli' }]);

    // Approved twice: a clear error, and it never runs twice.
    const again = await cli(['approve', approvalId]);
    assert.equal(again.code, 1);
    assert.match(again.err, /WARDEN_APPROVAL_ALREADY_DECIDED/);
    assert.equal(forwarded.length, before + 1);
  });

  test('a held call is released by an approval from the API; a denial and a timeout deny it', async () => {
    const a = heldCall('api');
    const r = await admin(`/admin/approvals/${await a.id}/approve`, ALICE, {});
    assert.equal(r.status, 200);
    assert.match(text(await a.result), /^hello api from/);

    const d = heldCall('deny-me');
    assert.equal((await admin(`/admin/approvals/${await d.id}/deny`, ALICE, { reason: 'no' })).status, 200);
    assert.equal(await errorCodeOf(d.result, /denied by alice \(no\)/), 'WARDEN_APPROVAL_DENIED');

    const t = heldCall('slowpoke');
    const tid = await t.id;
    clock.advance(10 * 60_000);
    assert.equal(await errorCodeOf(t.result, /approval timed out/i), 'WARDEN_APPROVAL_TIMEOUT');
    const late = await admin(`/admin/approvals/${tid}/approve`, ALICE, {});
    assert.equal(late.status, 410);
    assert.ok(!forwarded.some((f) => ['deny-me', 'slowpoke'].includes((f as { name: string }).name)));
  });

  test('session scope: an identical call runs without asking; changed arguments are a new request', async () => {
    const first = heldCall('same');
    await admin(`/admin/approvals/${await first.id}/approve`, ALICE, { scope: 'session' });
    await first.result;
    assert.match(text(await client.callTool({ name: 'crashy__hello', arguments: { name: 'same' } })), /^hello same/);

    const changed = heldCall('different');
    const cid = await changed.id;
    assert.notEqual(cid, await first.id);
    const rec = (await (await admin(`/admin/approvals/${cid}`, ALICE)).json()) as { approval: { status: string; args: unknown } };
    assert.equal(rec.approval.status, 'pending');
    assert.deepEqual(rec.approval.args, { name: 'different' });
    await admin(`/admin/approvals/${cid}/deny`, ALICE, {});
    assert.equal(await errorCodeOf(changed.result), 'WARDEN_APPROVAL_DENIED');
  });

  test('an agent cannot approve: no admin token is 401, an approver named as the agent is 403', async () => {
    const h = heldCall('mine');
    const id = await h.id;
    assert.equal((await admin(`/admin/approvals/${id}/approve`, 'not-an-admin-token-123456', {})).status, 401);
    const self = await admin(`/admin/approvals/${id}/approve`, SELF, {});
    assert.equal(self.status, 403);
    assert.equal(((await self.json()) as { error: { code: string } }).error.code, 'WARDEN_APPROVAL_FORBIDDEN');
    await admin(`/admin/approvals/${id}/deny`, ALICE, {});
    assert.equal(await errorCodeOf(h.result), 'WARDEN_APPROVAL_DENIED');
    assert.ok(!forwarded.some((f) => (f as { name: string }).name === 'mine'));
  });

  test('agent cancellation: the request is marked cancelled and nothing runs, even if approved later', async () => {
    const ac = new AbortController();
    let gotId: (id: string) => void;
    const idP = new Promise<string>((r) => (gotId = r));
    const call = client.callTool({ name: 'crashy__hello', arguments: { name: 'cancel-me' } }, {
      signal: ac.signal,
      onprogress: (p) => {
        const m = /waiting for approval (\S+)/.exec(p.message ?? '');
        if (m) gotId(m[1]!);
      },
    });
    call.catch(() => {});
    const id = await idP;
    ac.abort();
    await assert.rejects(call);
    await until(() => approvals.get(id)!.status !== 'pending', 5000, 'the cancellation to reach the gateway');
    assert.equal(approvals.get(id)!.status, 'cancelled');
    assert.equal((await admin(`/admin/approvals/${id}/approve`, ALICE, {})).status, 409);
    assert.ok(!forwarded.some((f) => (f as { name: string }).name === 'cancel-me'));
    assert.equal(approvals.waiting, 0);
  });

  test('200 calls held at once over one session, approved in random order, each gets its own result', async () => {
    const calls = Array.from({ length: 200 }, (_, i) => heldCall(`n${i}`));
    const ids = await Promise.all(calls.map((c) => c.id));
    const order = ids.map((_, i) => i).sort(() => Math.random() - 0.5);
    await Promise.all(order.map((i) => admin(`/admin/approvals/${ids[i]}/approve`, ALICE, {})));
    const results = await Promise.all(calls.map((c) => c.result));
    results.forEach((r, i) => assert.match(text(r), new RegExp(`^hello n${i} from`)));
    assert.equal(approvals.waiting, 0);
    assert.equal(clock.pending, 0);
  });
});
