import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerFields } from './answers.ts';

test('a client answer keeps only the fields the protocol defines for its result', () => {
  const sampled = { role: 'assistant', content: { type: 'text', text: 'hi', extra: 1 }, model: 'm', stopReason: 'endTurn', _meta: { a: 1 }, note: 'x', task: { taskId: 't' } };
  // Inside a field nothing is dropped: it is all judged, whatever its shape.
  assert.deepEqual(answerFields('sampling/createMessage', sampled), { role: 'assistant', content: { type: 'text', text: 'hi', extra: 1 }, model: 'm', stopReason: 'endTurn', _meta: { a: 1 } });
  assert.deepEqual(answerFields('elicitation/create', { action: 'accept', content: { colour: 'red' }, model: 'm', debug: 'x' }), { action: 'accept', content: { colour: 'red' } });
  assert.deepEqual(answerFields('elicitation/create', { action: 'decline', content: undefined }), { action: 'decline' });
});

test('an answer to another method, or one that is not an object, carries nothing', () => {
  assert.deepEqual(answerFields('roots/list', { roots: [{ uri: 'file:///' }] }), {});
  for (const junk of [null, 'accept', 3, [{ action: 'accept' }]]) assert.deepEqual(answerFields('elicitation/create', junk), {});
});
