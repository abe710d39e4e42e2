import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildGrantsReport, formatGrantsReport } from './grants-report.ts';

const DAY = 86_400_000;
const now = 100 * DAY;

test('lists never-called and rare tools and suggests a smaller role', () => {
  let askedSince = -1;
  const r = buildGrantsReport({
    grants: { 'support-bot': ['tickets__get_ticket', 'tickets__search', 'github__get_issue', 'chat__post_message', 'tickets__delete'] },
    countCalls: (since) => {
      askedSince = since;
      return [
        { agent: 'support-bot', tool: 'tickets__get_ticket', calls: 120 },
        { agent: 'support-bot', tool: 'tickets__search', calls: 40 },
        { agent: 'support-bot', tool: 'chat__post_message', calls: 1 },
        { agent: 'support-bot', tool: 'old__tool', calls: 3 },
      ];
    },
    days: 30,
    now,
  });
  assert.equal(askedSince, 70 * DAY);
  const a = r.agents[0]!;
  assert.equal(a.granted, 5);
  assert.deepEqual(a.neverCalled, ['github__get_issue', 'tickets__delete']);
  assert.deepEqual(a.rare, [{ tool: 'chat__post_message', calls: 1 }]);
  assert.deepEqual(a.calledButNotGranted, ['old__tool']);
  const role = parse(a.suggestedRole) as { roles: Record<string, { allow: Array<{ server: string; tools: string[] }> }>; agents: Record<string, { roles: string[] }> };
  assert.deepEqual(role.roles['support-bot-least-privilege']!.allow, [
    { server: 'chat', tools: ['post_message'] },
    { server: 'tickets', tools: ['get_ticket', 'search'] },
  ]);
  assert.deepEqual(role.agents['support-bot']!.roles, ['support-bot-least-privilege']);
  const text = formatGrantsReport(r);
  assert.match(text, /never called: github__get_issue, tickets__delete/);
  assert.match(text, /called rarely: chat__post_message \(1\)/);
});

test('an agent that called nothing gets an empty role suggestion; bad counts are ignored', () => {
  const r = buildGrantsReport({
    grants: new Map([['idle', ['a__x']]]),
    countCalls: () => [{ agent: 'idle', tool: 'a__x', calls: Number.NaN }],
    now,
  });
  assert.deepEqual(r.agents[0]!.neverCalled, ['a__x']);
  assert.match(r.agents[0]!.suggestedRole, /called nothing in 30 days/);
});
