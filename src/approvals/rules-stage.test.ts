import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalsConfigSchema } from './config.ts';
import { createApprovalRulesStage } from './rules-stage.ts';
import { makeCtx } from './test-helpers.ts';

const stage = createApprovalRulesStage(approvalsConfigSchema.parse({
  rules: [
    { id: 'payments', labels: ['payment'], description: 'money moves' },
    { id: 'big-delete', tools: ['delete_*'], servers: ['db'], when: 'args.count > 100' },
    { id: 'prod-writes', servers: ['prod-*'], tools: ['write'] },
  ],
}));

const run = (o: Parameters<typeof makeCtx>[0]) => stage.request(makeCtx(o));

describe('approval rules stage', () => {
  test('holds by label (tool labels or the labels flow judged the call with)', () => {
    const v = run({ server: 'bank', tool: 'transfer', labels: ['payment'] });
    assert.equal(v.kind, 'hold');
    assert.ok(v.kind === 'hold' && v.rule === 'payments' && /labelled payment/.test(v.reason) && /money moves/.test(v.reason));
    assert.equal((run({ server: 'bank', tool: 'transfer', state: { 'flow.callLabels': ['payment'] } }) ).kind, 'hold');
    assert.deepEqual(run({ server: 'bank', tool: 'balance', labels: ['private'] }), { kind: 'continue' });
  });

  test('holds by tool, server and argument condition together', () => {
    assert.equal((run({ server: 'db', tool: 'delete_rows', args: { count: 500 } }) ).kind, 'hold');
    assert.deepEqual(run({ server: 'db', tool: 'delete_rows', args: { count: 5 } }), { kind: 'continue' });
    assert.deepEqual(run({ server: 'files', tool: 'delete_rows', args: { count: 500 } }), { kind: 'continue' });
    assert.deepEqual(run({ server: 'db', tool: 'select', args: { count: 500 } }), { kind: 'continue' });
    assert.equal((run({ server: 'prod-eu', tool: 'write' }) ).kind, 'hold');
  });

  test('a condition that cannot be evaluated holds (fail closed)', () => {
    const v = run({ server: 'db', tool: 'delete_rows', args: { count: 'many' } });
    assert.equal(v.kind, 'hold');
    assert.ok(v.kind === 'hold' && /could not be evaluated/.test(v.reason));
    assert.equal((run({ server: 'db', tool: 'delete_rows', args: {} }) ).kind, 'hold');
  });

  test('only tools/call; invalid CEL is refused at load naming the key', () => {
    assert.deepEqual([...stage.methods!], ['tools/call']);
    assert.throws(() => createApprovalRulesStage({ rules: [{ id: 'x', when: 'args.(' }] }), /approvals\.rules\.0\.when/);
  });
});
