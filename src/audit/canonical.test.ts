import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawJson, canonicalJson } from './canonical.ts';

describe('canonicalJson', () => {
  test('sorts keys at every level and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  test('key order of the input does not change the output', () => {
    assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  });

  test('sorts by UTF-16 code units, as RFC 8785 does', () => {
    assert.equal(canonicalJson({ '\u00e9': 1, z: 2, A: 3, '\ud83d\ude00': 4 }), '{"A":3,"z":2,"é":1,"😀":4}');
  });

  test('numbers and strings as JSON writes them; odd values become stable ones', () => {
    assert.equal(canonicalJson([1.5, -0, 1e21, NaN, Infinity, 'a"\n']), '[1.5,0,1e+21,null,null,"a\\"\\n"]');
    assert.equal(canonicalJson({ u: undefined, f: () => 1, n: null }), '{"n":null}');
    assert.equal(canonicalJson([undefined]), '[null]');
    assert.equal(canonicalJson(10n), '"10"');
    assert.equal(canonicalJson(new Date(0)), '"1970-01-01T00:00:00.000Z"');
    assert.equal(canonicalJson(new Map([['b', 1], ['a', 2]])), '{"a":2,"b":1}');
    assert.equal(canonicalJson(new Set(['x'])), '["x"]');
    assert.equal(canonicalJson(new Uint8Array([1, 2])), '"AQI="');
  });

  test('a cycle never throws; a shared (non-cyclic) value is written in full', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    assert.equal(canonicalJson(a), '{"self":"[Circular]","x":1}');
    const shared = { k: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"k":1},"b":{"k":1}}');
  });

  test('parses back to an equal value for plain JSON', () => {
    const v = { list: [1, 'two', { three: true }], nested: { deep: { deeper: null } } };
    assert.deepEqual(JSON.parse(canonicalJson(v)), v);
  });

  test('pre-serialized values are written verbatim and read back as values', () => {
    const inner = canonicalJson({ b: 2, a: 1 });
    const s = canonicalJson({ z: new RawJson(inner), y: 0 });
    assert.equal(s, '{"y":0,"z":{"a":1,"b":2}}');
    assert.deepEqual(JSON.parse(JSON.stringify({ z: new RawJson(inner) })), { z: { a: 1, b: 2 } });
  });

  test('very deep nesting is cut, not a stack overflow', () => {
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = [v];
    assert.match(canonicalJson(v), /"\[TooDeep\]"/);
  });
});
