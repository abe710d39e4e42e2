import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { flowsConfigSchema, parseFlowsConfig } from './config.ts';
import { flowSessionKey } from './session-key.ts';

describe('flows config', () => {
  test('defaults include the lethal trifecta rule', () => {
    const c = parseFlowsConfig(undefined);
    assert.equal(c.rules.length, 1);
    assert.equal(c.rules[0]!.id, 'lethal-trifecta');
    assert.equal(c.annotations, 'merge');
    assert.equal(c.dataflow.raise, 'block');
  });

  test('a bare list (the DESIGN sketch) is read as rules', () => {
    const c = parseFlowsConfig([
      { id: 'lethal-trifecta', session_has: ['private_data', 'untrusted_content'], call_has: 'external_sink', action: 'require_approval' },
      { id: 'no-destruction-after-untrusted', session_has: ['untrusted_content'], call_has: 'destructive', action: 'block' },
    ]);
    assert.equal(c.rules.length, 2);
    assert.equal(c.destinations.length, 0);
  });

  test('bad CEL, unknown keys, duplicate ids and empty steps are refused with their path', () => {
    const bad = (v: unknown, path: RegExp) => {
      const r = flowsConfigSchema.safeParse(v);
      assert.equal(r.success, false);
      assert.match(JSON.stringify(r.error!.issues.map((i) => i.path.join('.'))), path);
    };
    bad({ rules: [{ id: 'x', session_has: ['a'], call_has: 'b', unless: 'args.' }] }, /rules\.0\.unless/);
    bad({ rules: [{ id: 'x', session_has: ['a'], call_has: 'b', typo: 1 }] }, /rules\.0/);
    bad({ rules: [{ id: 'x', session_has: ['a'], call_has: 'b' }, { id: 'x', session_has: ['a'], call_has: 'b' }] }, /rules\.1\.id/);
    bad({ rules: [{ id: 's', sequence: [{}, { tools: ['a'] }] }] }, /rules\.0/);
    bad({ dynamic: [{ when: '1 +', add: ['x'] }] }, /dynamic\.0\.when/);
    bad({ rules: [{ id: 'x', session_has: ['bad label'], call_has: 'b' }] }, /rules\.0/);
  });
});

describe('session keys', () => {
  test('MCP session id, then conversation id (header over _meta), then agent', () => {
    assert.equal(flowSessionKey({ mcpSessionId: 'abc', agentId: 'bot' }), 'mcp:abc');
    assert.equal(flowSessionKey({ headers: { 'warden-conversation-id': 'c1' }, meta: { 'warden/conversation': 'c2' }, agentId: 'bot' }), 'conv:bot:c1');
    assert.equal(flowSessionKey({ meta: { 'warden/conversation': 'c2' }, agentId: 'bot' }), 'conv:bot:c2');
    assert.equal(flowSessionKey({ headers: { 'warden-conversation-id': 'has space' }, agentId: 'bot' }), 'agent:bot');
    assert.equal(flowSessionKey({ agentId: 'bot' }), 'agent:bot');
  });
});
