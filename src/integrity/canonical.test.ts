import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, toolHash } from './canonical.ts';
import { lineDiff } from './diff.ts';

describe('canonical tool hash', () => {
  const tool = { name: 'read_file', description: 'Reads a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };

  test('key order does not change the hash', () => {
    const reordered = { inputSchema: { properties: { path: { type: 'string' } }, type: 'object' }, description: 'Reads a file.', name: 'read_file' };
    assert.equal(toolHash(tool), toolHash(reordered));
    assert.match(toolHash(tool), /^sha256:[0-9a-f]{64}$/);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  });

  test('every part of the definition is covered', () => {
    const h = toolHash(tool);
    assert.notEqual(toolHash({ ...tool, title: 'Read' }), h);
    assert.notEqual(toolHash({ ...tool, annotations: { readOnlyHint: true } }), h);
    assert.notEqual(toolHash({ ...tool, outputSchema: { type: 'object' } }), h);
    assert.notEqual(toolHash({ ...tool, inputSchema: { type: 'object', properties: { path: { type: 'string', description: 'x' } } } }), h);
    assert.notEqual(toolHash({ ...tool, icons: [{ src: 'https://x/icon.png' }] } as typeof tool), h);
  });

  test('_meta is excluded unless pinMeta', () => {
    const withMeta = { ...tool, _meta: { build: '123' } };
    assert.equal(toolHash(withMeta), toolHash(tool));
    assert.notEqual(toolHash(withMeta, true), toolHash(tool, true));
  });

  test('hostile nesting does not blow the stack', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10_000; i++) deep = (deep.x = {}) as Record<string, unknown>;
    assert.match(toolHash({ name: 't', inputSchema: root }), /^sha256:/);
  });
});

describe('lineDiff', () => {
  test('shows removed and added lines with context', () => {
    const d = lineDiff('a\nb\nc\nd', 'a\nB\nc\nd');
    assert.equal(d, '@@\n  a\n- b\n+ B\n  c\n  d');
  });
  test('equal texts give an empty diff', () => {
    assert.equal(lineDiff('x\ny', 'x\ny'), '');
  });
});
