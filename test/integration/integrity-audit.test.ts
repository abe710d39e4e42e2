/**
 * Tool integrity and the audit trail through the whole gateway: a tool whose definition changes
 * mid-session disappears and is refused until approved; every call, allowed or denied, has a
 * verifiable record; /metrics is valid Prometheus text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Client } from '@modelcontextprotocol/client';
import { verifyAuditChain, queryAudit } from '../../src/audit/index.ts';
import { ROOT, RUN_TS, connect, startTestWarden, until, type TestWarden } from '../helpers.ts';

describe('tool integrity and audit, end to end', () => {
  let w: TestWarden;
  let client: Client;
  before(async () => {
    w = await startTestWarden(`server: { host: 127.0.0.1, port: 0 }
servers:
  crashy: { command: ${JSON.stringify([process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')])} }
`);
    client = await connect(w.url);
  });
  after(async () => {
    await client?.close();
    await w?.stop();
  });

  test('a tool changed mid-session (rug pull) is hidden and refused until approved', async () => {
    const names = async () => (await client.listTools()).tools.map((t) => t.name);
    assert.ok((await names()).includes('crashy__hello'));
    let changed = false;
    client.setNotificationHandler('notifications/tools/list_changed', () => void (changed = true));
    await client.callTool({ name: 'crashy__mutate', arguments: {} });
    await until(() => changed, 5000, 'list_changed');
    await until(async () => !(await names()).includes('crashy__hello'), 5000, 'hello quarantined');
    const refused = await client.callTool({ name: 'crashy__hello', arguments: { name: 'x' } });
    assert.equal(refused.isError, true);
    assert.equal((refused._meta?.['warden/error'] as { code?: string })?.code, 'WARDEN_UNKNOWN_TOOL');
    const pin = w.runtime.integrity.list('crashy').find((p) => p.tool === 'hello');
    assert.equal(pin?.status, 'quarantined');

    w.runtime.integrity.approve('crashy', 'hello', 'test-admin');
    w.gateway.refreshCatalog();
    assert.ok((await names()).includes('crashy__hello'));
  });

  test('every call has a record on every path, and the chain verifies', async () => {
    await client.callTool({ name: 'crashy__hello', arguments: { name: 'audited' } });
    await client.callTool({ name: 'crashy__nope', arguments: {} });
    const rows = queryAudit(w.runtime.db, { tool: 'crashy__hello' });
    assert.ok(rows.some((r) => r.outcome === 'allowed'), 'allowed call recorded');
    const unknown = queryAudit(w.runtime.db, { tool: 'crashy__nope' });
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0]!.outcome, 'denied');
    const report = verifyAuditChain(w.runtime.db, {});
    assert.equal(report.ok, true, JSON.stringify(report.problems?.slice(0, 3)));
  });

  test('/metrics is Prometheus text with calls, stage latency and upstream health', async () => {
    const r = await fetch(w.url.replace('/mcp', '/metrics'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    // A real Prometheus text-format parser (it ships no types).
    const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (t: string) => Array<{ name: string; metrics: unknown[] }>;
    const families = parse(text);
    const names = families.map((f) => f.name);
    for (const n of ['warden_calls_total', 'warden_upstream_up']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    assert.match(text, /warden_calls_total\{method="tools\/call",outcome="allowed"\} \d+/);
  });
});
