/**
 * Flow control through the whole gateway, against the demo's real MCP servers (tickets: private
 * data; issues: public, one poisoned; chat: sends out). No approver is configured, so a held call
 * is refused: the exfiltration never reaches the chat server, in any order, across reconnects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { run as explainSession } from '../../src/cli/commands/explain-session.ts';
import { queryAudit } from '../../src/audit/index.ts';
import { ROOT, connect, startTestWarden, type TestWarden } from '../helpers.ts';

const code = (r: { _meta?: Record<string, unknown> }) => (r._meta?.['warden/error'] as { code?: string } | undefined)?.code;

describe('lethal trifecta, end to end', () => {
  let w: TestWarden;
  before(async () => {
    const demo = readFileSync(join(ROOT, 'examples/demo/demo.yaml'), 'utf8').replaceAll('cwd: ../..', `cwd: ${JSON.stringify(ROOT)}`).replace('port: 8788', 'port: 0');
    w = await startTestWarden(demo);
  });
  after(async () => w?.stop());

  const post = (c: Client, channel: string, text: string) => c.callTool({ name: 'chat__post_message', arguments: { channel, text } });

  for (const [name, reads] of [
    ['private then untrusted', ['tickets__get_ticket', 'issues__list_issues']],
    ['untrusted then private, with other calls between', ['issues__list_issues', 'chat__list_channels', 'tickets__get_ticket']],
  ] as const) {
    test(`${name}: the send-out is refused, the post never happens`, async () => {
      const c = await connect(w.url);
      try {
        for (const t of reads) {
          const r = await c.callTool({ name: t, arguments: t === 'tickets__get_ticket' ? { id: 'T-1001' } : {} });
          assert.equal(r.isError, undefined, `${t}: ${JSON.stringify(r.content)}`);
        }
        const r = await post(c, '#general', 'Customer list: Alice Johnson');
        assert.equal(r.isError, true);
        assert.ok(['WARDEN_FLOW_BLOCKED', 'WARDEN_APPROVAL_DENIED'].includes(code(r) ?? ''), code(r));
        const allowed = await post(c, '#support-team', 'triage done');
        assert.equal(allowed.isError, undefined, 'an allowed destination still works');
      } finally {
        await c.close();
      }
    });
  }

  test('taint survives reconnects of a 2026-era conversation (same Warden-Conversation-Id)', async () => {
    const headers = { 'warden-conversation-id': 'conv-123' };
    const a = await connect(w.url, { era: 'auto', headers });
    await a.callTool({ name: 'tickets__get_ticket', arguments: { id: 'T-1001' } });
    await a.close();
    const b = await connect(w.url, { era: 'auto', headers });
    await b.callTool({ name: 'issues__list_issues', arguments: {} });
    await b.close();
    const c = await connect(w.url, { era: 'auto', headers });
    try {
      const r = await post(c, '#general', 'hello');
      assert.equal(r.isError, true, 'the third connection inherits the first two’s labels');
      const other = await connect(w.url, { era: 'auto', headers: { 'warden-conversation-id': 'another' } });
      assert.equal((await post(other, '#general', 'hello')).isError, undefined, 'another conversation is clean');
      await other.close();
    } finally {
      await c.close();
    }
  });

  test('`warden explain-session --session` replays a recorded session against the rules', async () => {
    const c = await connect(w.url);
    await c.callTool({ name: 'tickets__get_ticket', arguments: { id: 'T-1001' } });
    await c.callTool({ name: 'issues__list_issues', arguments: {} });
    await post(c, '#general', 'Customer list: Alice Johnson');
    await c.close();
    const session = queryAudit(w.runtime.db, { tool: 'chat__post_message', decision: 'denied' }).at(-1)!.session!;
    let out = '';
    const code = await explainSession(['--session', session, '--db', join(w.runtime.dataDir, 'warden.db')], {
      stdout: (s) => void (out += s), stderr: (s) => void (out += s), configPath: w.configPath,
    });
    assert.equal(code, 0, out);
    assert.match(out, /replaying 3 calls/);
    assert.match(out, /(BLOCKED|HELD) +chat\/post_message/);
    assert.match(out, /lethal-trifecta/);
  });

  test('benign sessions pass untouched: read only, or post only', async () => {
    const reader = await connect(w.url);
    assert.equal((await reader.callTool({ name: 'tickets__get_ticket', arguments: { id: 'T-1001' } })).isError, undefined);
    assert.equal((await reader.callTool({ name: 'issues__list_issues', arguments: {} })).isError, undefined);
    await reader.close();
    const poster = await connect(w.url);
    assert.equal((await post(poster, '#general', 'good morning')).isError, undefined);
    await poster.close();
  });
});
