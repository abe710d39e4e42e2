import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runDefenseBench } from './bench.ts';

// Read-only public data beside the repo (../shared/evals), never copied in.
const dir = fileURLToPath(new URL('../../../shared/evals/mcp-defense-bench/', import.meta.url));
const outcomes = runDefenseBench(dir);

test('mcp-defense-bench integrity fixtures are all present', () => {
  const vectors = new Set(outcomes.map((o) => o.vector));
  for (const v of ['tool-poisoning', 'rug-pull', 'mid-session-tool-injection', 'config-drift']) assert.ok(vectors.has(v), v);
});

for (const o of outcomes) {
  test(`${o.id}: attack caught as expected, benign control passes`, () => {
    assert.equal(o.attack.detected, o.attack.expectDetect, 'detect');
    if (o.attack.expectEnforce) assert.equal(o.attack.enforced, true, 'enforce');
    assert.deepEqual(o.control, { detected: false, enforced: false });
  });
}
