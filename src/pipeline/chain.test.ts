import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../errors/index.ts';
import { createPipeline } from './chain.ts';
import { toolCallContext } from './context.ts';
import { CONTINUE, type CallContext, type Outcome, type Stage } from './types.ts';

function ctx(method = 'tools/call'): CallContext {
  return toolCallContext({}, { method, params: { name: 't', arguments: { x: 1 } }, target: undefined });
}

test('request stages run in order, forward, then response stages in reverse', async () => {
  const order: string[] = [];
  const stage = (n: string): Stage => ({ name: n, request: () => (order.push(`req ${n}`), CONTINUE), response: () => (order.push(`res ${n}`), CONTINUE) });
  const p = createPipeline({ stages: [stage('a'), stage('b')], forward: async () => (order.push('forward'), { ok: true }) });
  assert.deepEqual(await p.run(ctx()), { ok: true });
  assert.deepEqual(order, ['req a', 'req b', 'forward', 'res b', 'res a']);
});

test('the first deny ends the chain: nothing reaches the upstream, observers see it', async () => {
  let forwarded = false;
  const seen: Outcome[] = [];
  const p = createPipeline({
    stages: [{ name: 'deny', request: () => ({ kind: 'deny', error: new WardenError('WARDEN_FLOW_BLOCKED'), rule: 'r1' }) }, { name: 'never', request: () => assert.fail('ran after deny') }],
    forward: async () => ((forwarded = true), {}),
    observers: [(_c, o) => void seen.push(o)],
  });
  const c = ctx();
  await assert.rejects(p.run(c), (e: WardenError) => e.code === 'WARDEN_FLOW_BLOCKED');
  assert.equal(forwarded, false);
  assert.deepEqual(seen, ['denied']);
  assert.equal(c.hits[0]!.rule, 'r1');
});

test('a stage that throws fails closed with WARDEN_STAGE_FAILED', async () => {
  const errors: string[] = [];
  const p = createPipeline({ stages: [{ name: 'buggy', request: () => { throw new Error('boom'); } }], forward: async () => assert.fail('forwarded'), onStageError: (s) => void errors.push(s) });
  await assert.rejects(p.run(ctx()), (e: WardenError) => e.code === 'WARDEN_STAGE_FAILED');
  assert.deepEqual(errors, ['buggy']);
});

test('modify verdicts replace params on the way in and the result on the way out', async () => {
  const p = createPipeline({
    stages: [{ name: 'm', request: () => ({ kind: 'modify', params: { name: 't', arguments: { x: 2 } } }), response: () => ({ kind: 'modify', result: { redacted: true } }) }],
    forward: async (c) => ({ got: (c.params.arguments as { x: number }).x }),
  });
  assert.deepEqual(await p.run(ctx()), { redacted: true });
});

test('holds go to the hold handler; without one they are denied', async () => {
  const hold: Stage = { name: 'h', request: () => ({ kind: 'hold', rule: 'trifecta', reason: 'r' }) };
  const denied = createPipeline({ stages: [hold], forward: async () => ({}) });
  await assert.rejects(denied.run(ctx()), (e: WardenError) => e.code === 'WARDEN_APPROVAL_DENIED');
  const seen: Outcome[] = [];
  const approved = createPipeline({ stages: [hold], forward: async () => ({ ran: true }), onHold: async () => CONTINUE, observers: [(_c, o) => void seen.push(o)] });
  assert.deepEqual(await approved.run(ctx()), { ran: true });
  assert.deepEqual(seen, ['approved']);
});

test('an approved hold applies what the holding stage would have changed (a redaction), never the raw result', async () => {
  const hold: Stage = { name: 'h', response: () => ({ kind: 'hold', rule: 'r', reason: 'x', then: { result: { text: '[REDACTED:email]' } } }) };
  const p = createPipeline({ stages: [hold], forward: async () => ({ text: 'bob@example.com' }), onHold: async () => CONTINUE });
  assert.deepEqual(await p.run(ctx()), { text: '[REDACTED:email]' });
});

test('stages scoped to methods do not run for others', async () => {
  let ran = 0;
  const p = createPipeline({ stages: [{ name: 's', methods: new Set(['tools/call']), request: () => (ran++, CONTINUE) }], forward: async () => ({}) });
  await p.run(ctx('prompts/get'));
  assert.equal(ran, 0);
  await p.run(ctx('tools/call'));
  assert.equal(ran, 1);
});
