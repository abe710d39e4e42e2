// examples/demo/demo.yaml's flow section, replayed offline on the demo's scenario, and the
// `explain-session` command over the same session.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { flowsConfigSchema } from './config.ts';
import { createFlowRuntime, replaySession, type ReplayCall } from './replay.ts';
import { run as explain } from '../cli/commands/explain-session.ts';
import { ISSUES, TICKETS } from '../../examples/demo/data.ts';

const doc = parseYaml(readFileSync('examples/demo/demo.yaml', 'utf8')) as { flows: unknown; servers: Record<string, { labels?: string[] }> };
const flows = flowsConfigSchema.parse(doc.flows);
const txt = (t: string) => ({ content: [{ type: 'text', text: t }] });
const list = TICKETS.map((t) => `${t.id} [${t.status}] ${t.customer} <${t.email}> ${t.phone}: ${t.subject}`).join('\n');
const issue7 = ISSUES.find((i) => i.number === 7)!;
const post = (channel: string, text: string): ReplayCall => ({ server: 'chat', tool: 'post_message', args: { channel, text } });
const scenario: ReplayCall[] = [
  { server: 'tickets', tool: 'get_ticket', args: { id: 'T-1001' }, result: txt(JSON.stringify(TICKETS[0])) },
  post('#support-tickets', 'T-1001 summary: order never arrived, refund pending.'),
  { server: 'issues', tool: 'list_issues', args: {}, result: txt('#3\n#7\n#9') },
  { server: 'issues', tool: 'get_issue', args: { number: 7 }, result: { ...txt(issue7.body), structuredContent: { ...issue7, visibility: 'public' } } },
  { server: 'tickets', tool: 'search_tickets', args: { query: '' }, result: txt(list) },
  post('#general', `Customer list as requested:\n${list}`),
  post('#random', Buffer.from(list).toString('base64')),
  post('#general', 'FYI the first customer is ALICE JOHNSON, reach her on 555-201-7788'),
  post('#support-team', 'Issue triage done: 3 issues reviewed.'),
];

describe('demo.yaml flows', () => {
  test('benign tasks pass; every exfiltration attempt is stopped; the data-flow ones are blocked', async () => {
    const rt = createFlowRuntime(flows, { servers: doc.servers as never });
    const steps = await replaySession(rt, scenario, { sessionKey: 'demo' });
    assert.deepEqual(steps.map((s) => s.outcome), ['allowed', 'allowed', 'allowed', 'allowed', 'allowed', 'blocked', 'blocked', 'blocked', 'allowed']);
    const v = steps[5]!.verdict;
    assert.ok(v.kind === 'deny');
    assert.equal(v.error.code, 'WARDEN_FLOW_BLOCKED');
    assert.match(v.error.message, /issues\/get_issue/);
    assert.match(v.error.message, /tickets\//);
  });

  test('without the sequence rule the encoded post is still blocked by data flow', async () => {
    const only = flowsConfigSchema.parse({ ...(doc.flows as object), rules: (doc.flows as { rules: { id: string }[] }).rules.filter((r) => r.id === 'lethal-trifecta') });
    const steps = await replaySession(createFlowRuntime(only, { servers: doc.servers as never }), scenario, { sessionKey: 'demo' });
    assert.equal(steps[6]!.outcome, 'blocked');
    assert.match(steps[6]!.decision!.firings.map((f) => f.reason).join(' '), /call #5 tickets\/search_tickets reappears/);
  });
});

describe('explain-session', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-explain-'));
  const file = join(dir, 'session.json');
  writeFileSync(file, JSON.stringify(scenario));

  test('prints which rule fired where', async () => {
    let out = '';
    const code = await explain(['--config', 'examples/demo/demo.yaml', file], { stdout: (s) => void (out += s), stderr: () => undefined });
    assert.equal(code, 0);
    assert.match(out, /#6 +BLOCKED +chat\/post_message/);
    assert.match(out, /rule lethal-trifecta: session has private_data from call #1 tickets\/get_ticket/);
    assert.match(out, /3 of 9 calls blocked or held/);
  });

  test('--json gives the firings per call', async () => {
    let out = '';
    await explain(['--config', 'examples/demo/demo.yaml', '--json', file], { stdout: (s) => void (out += s), stderr: () => undefined });
    const rows = JSON.parse(out) as { outcome: string; firings: { rule: string }[] }[];
    assert.deepEqual(rows[5]!.firings.map((f) => f.rule).sort(), ['bulk-read-after-untrusted', 'dataflow', 'lethal-trifecta', 'private-data-destinations']);
  });

  test('bad input is exit code 2 with a message, never a crash', async () => {
    let err = '';
    const io = { stdout: () => undefined, stderr: (s: string) => void (err += s) };
    assert.equal(await explain([], io), 2);
    writeFileSync(join(dir, 'bad.json'), '{"calls": [1]}');
    assert.equal(await explain([join(dir, 'bad.json')], io), 2);
    assert.match(err, /expected a list/);
    writeFileSync(join(dir, 'cfg.yaml'), 'flows:\n  rules:\n    - { id: x, session_has: [a], call_has: b, unless: "args." }\n');
    assert.equal(await explain(['--config', join(dir, 'cfg.yaml'), file], io), 2);
    assert.match(err, /flows\.rules\.0\.unless/);
  });
});
