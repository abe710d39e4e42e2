import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkSigner } from './links.ts';

const signer = createLinkSigner('k'.repeat(40), 'https://warden.example.com/');
const NOW = 1_700_000_000_000;

function parts(u: string) {
  const url = new URL(u);
  return { path: url.pathname, exp: url.searchParams.get('exp'), sig: url.searchParams.get('sig') };
}

describe('signed approval links', () => {
  test('a link verifies for its own id and action until it expires', () => {
    const l = parts(signer.url('apr_1', 'approve', NOW + 60_000));
    assert.equal(l.path, '/approvals/apr_1/approve');
    assert.equal(signer.verify('apr_1', 'approve', l.exp, l.sig, NOW), 'ok');
    assert.equal(signer.verify('apr_1', 'approve', l.exp, l.sig, NOW + 60_000), 'expired');
  });

  test('forged links: another id, the other action, a moved expiry, a changed or missing signature, another key', () => {
    const l = parts(signer.url('apr_1', 'approve', NOW + 60_000));
    assert.equal(signer.verify('apr_2', 'approve', l.exp, l.sig, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'deny', l.exp, l.sig, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'approve', String(Number(l.exp) + 3600), l.sig, NOW), 'invalid');
    const flipped = (l.sig![0] === 'A' ? 'B' : 'A') + l.sig!.slice(1);
    assert.equal(signer.verify('apr_1', 'approve', l.exp, flipped, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'approve', l.exp, null, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'approve', null, l.sig, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'approve', '1e99', l.sig, NOW), 'invalid');
    assert.equal(signer.verify('apr_1', 'approve', l.exp, `${l.sig}AA`, NOW), 'invalid');
    const other = parts(createLinkSigner('j'.repeat(40), 'https://warden.example.com').url('apr_1', 'approve', NOW + 60_000));
    assert.equal(signer.verify('apr_1', 'approve', other.exp, other.sig, NOW), 'invalid');
    // An expired forgery is reported as invalid, not as expired.
    assert.equal(signer.verify('apr_1', 'approve', '1', l.sig, NOW), 'invalid');
  });
});
