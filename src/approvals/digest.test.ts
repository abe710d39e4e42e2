import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { approvalDigest, canonicalJson } from './digest.ts';

const base = { agent: 'a', session: 's', server: 'srv', tool: 't', args: { x: 1, y: [1, { b: 2, a: 1 }] } };

describe('approval digest', () => {
  test('canonical JSON sorts keys at every depth', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: undefined, b: Number.NaN }), '{"b":null}');
  });

  test('key order does not matter; every bound field and any argument change does', () => {
    const d = approvalDigest(base);
    assert.equal(approvalDigest({ ...base, args: { y: [1, { a: 1, b: 2 }], x: 1 } }), d);
    for (const change of [{ agent: 'b' }, { session: 's2' }, { server: 'srv2' }, { tool: 't2' }, { args: { x: 2, y: [1, { b: 2, a: 1 }] } }, { args: { x: '1', y: [1, { b: 2, a: 1 }] } }]) {
      assert.notEqual(approvalDigest({ ...base, ...change }), d, JSON.stringify(change));
    }
    // Fields cannot run into each other.
    assert.notEqual(approvalDigest({ ...base, agent: 'ab', session: 'c' }), approvalDigest({ ...base, agent: 'a', session: 'bc' }));
  });

  test('canonical JSON parses back to the same value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      assert.deepEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
    }), { numRuns: 200 });
  });
});
