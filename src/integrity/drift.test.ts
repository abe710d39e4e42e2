import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectConfigDrift } from './drift.ts';

test('weakened controls are called out', () => {
  const d = detectConfigDrift(
    { tls: 'required', allowedHosts: ['api.internal'], url: 'https://x', auth: { verify: true }, deny: ['rm'] },
    { tls: 'optional', allowedHosts: ['api.internal', '*'], url: 'http://x', auth: { verify: false }, deny: [] },
  );
  const byPath = new Map(d.map((f) => [f.path, f]));
  assert.equal(byPath.get('tls')!.kind, 'weakened');
  assert.equal(byPath.get('allowedHosts')!.severity, 'high');
  assert.equal(byPath.get('url')!.message, 'URL downgraded to plaintext');
  assert.equal(byPath.get('auth.verify')!.kind, 'weakened');
  assert.equal(byPath.get('deny')!.kind, 'weakened');
});

test('identical configs give nothing; other changes are plain drift', () => {
  assert.deepEqual(detectConfigDrift({ a: 1, b: ['x'] }, { b: ['x'], a: 1 }), []);
  const d = detectConfigDrift({ timeoutMs: 1000 }, { timeoutMs: 2000, extra: true });
  assert.ok(d.every((f) => f.kind === 'changed'));
  assert.equal(d.length, 2);
});
