import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalsConfigSchema, parseDuration } from './config.ts';

describe('approvals config', () => {
  test('defaults: 10 minute timeout, 1 hour session scope, 10 s keep-alive, nobody approves', () => {
    const c = approvalsConfigSchema.parse({});
    assert.equal(c.timeout, 600_000);
    assert.equal(c.sessionScopeTtl, 3_600_000);
    assert.equal(c.keepAliveMs, 10_000);
    assert.deepEqual(c.approvers, []);
    assert.deepEqual(c.rules, []);
    assert.equal(c.webhook, undefined);
  });

  test('durations: units or milliseconds; nonsense refused', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration(1500), 1500);
    for (const bad of ['10', '-1m', '1y', '', 0, 1.5, '0s']) assert.equal(parseDuration(bad), undefined, String(bad));
    assert.equal(approvalsConfigSchema.parse({ timeout: '90s' }).timeout, 90_000);
    assert.equal(approvalsConfigSchema.safeParse({ timeout: 'soon' }).success, false);
    // Longer than a Node timer can wait: refused rather than firing at once.
    assert.equal(approvalsConfigSchema.safeParse({ timeout: '30d' }).success, false);
    assert.equal(approvalsConfigSchema.parse({ sessionScopeTtl: '30d' }).sessionScopeTtl, 30 * 86_400_000);
  });

  test('approvers need exactly one of token / tokenHash; tokens are long enough; names unique', () => {
    const bad = [
      { approvers: [{ name: 'a' }] },
      { approvers: [{ name: 'a', token: 'short' }] },
      { approvers: [{ name: 'a', token: 'x'.repeat(20), tokenHash: `sha256:${'0'.repeat(64)}` }] },
      { approvers: [{ name: 'a', tokenHash: 'md5:abc' }] },
      { approvers: [{ name: 'a', token: 'x'.repeat(20) }, { name: 'a', token: 'y'.repeat(20) }] },
      { approvers: [{ name: 'a', token: 'x'.repeat(20), role: 'admin' }] },
      { rules: [{ id: 'r' }, { id: 'r' }] },
      { webhook: { url: 'https://hooks.example.com/x', signingKey: 'short', publicUrl: 'https://w.example.com' } },
      { surprise: true },
    ];
    for (const b of bad) assert.equal(approvalsConfigSchema.safeParse(b).success, false, JSON.stringify(b));
    const ok = approvalsConfigSchema.parse({
      approvers: [{ name: 'ops@example.com', token: 'x'.repeat(20), servers: ['db-*'], rules: ['delete-*'] }],
      webhook: { url: 'https://hooks.example.com/x', signingKey: 'k'.repeat(32), publicUrl: 'https://w.example.com' },
      rules: [{ id: 'pay', labels: ['payment'] }, { id: 'big', tools: ['delete_*'], when: 'args.count > 100' }],
    });
    assert.equal(ok.webhook?.timeoutMs, 5_000);
  });
});
