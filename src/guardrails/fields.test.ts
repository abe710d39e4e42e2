import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { namedSpan, namedValues, redactSpans, renameKeys, walkStrings } from './fields.ts';

const lim = { maxDepth: 32, maxStrings: 1000, maxChars: 1 << 20 };

describe('leaf names', () => {
  test('a value is named by its key, a list by its key, and a `value` by its `name` or `key` sibling', () => {
    const { leaves } = walkStrings(
      { db_password: 'p', tokens: ['a', 'b'], env: [{ name: 'API_KEY', value: 'v' }], tags: [{ Key: 'owner', Value: 'w' }], n: 7 },
      'arguments',
      lim,
    );
    const names = Object.fromEntries(leaves.filter((l) => !l.objectKeys).map((l) => [l.field, l.name]));
    assert.deepEqual(names, {
      'arguments.db_password': 'db_password',
      'arguments.tokens[0]': 'tokens',
      'arguments.tokens[1]': 'tokens',
      'arguments.env[0].name': 'name',
      'arguments.env[0].value': 'API_KEY',
      'arguments.tags[0].Key': 'Key',
      'arguments.tags[0].Value': 'owner',
      'arguments.n': 'n',
    });
  });

  test('in a result, the protocol\'s own keys name nothing', () => {
    const { leaves } = walkStrings({ content: [{ type: 'text', text: 'hello' }], structuredContent: { secret: 's' } }, '', lim, [], { result: true });
    assert.equal(leaves.find((l) => l.value === 'hello')?.name, undefined);
    assert.equal(leaves.find((l) => l.value === 's')?.name, 'secret');
  });
});

describe('named values in JSON text', () => {
  test('each value is found where it stands, not where a key spells the same', () => {
    const json = '{"token": 1, "label": "token", "list": ["a\\nb", "plain"]}';
    const n = namedValues(json)!;
    // An object's strings, its lists' elements among them, are read in order when it closes (a value's name may follow it).
    assert.equal(n.text, 'label: token\nlist: a\nb\nlist: plain\n');
    assert.deepEqual(
      n.parts.map((p) => json.slice(p.start, p.end)),
      ['token', 'a\\nb', 'plain'],
    );
    // The same characters, read through escapes.
    const at = n.text.indexOf('oke');
    assert.deepEqual(namedSpan(n, at, at + 3), [json.indexOf('"token",') + 2, json.indexOf('"token",') + 5]);
    const esc = n.text.indexOf('a\nb');
    const raw = json.indexOf('a\\nb');
    assert.deepEqual(namedSpan(n, esc, esc + 1), [raw, raw + 1]);
    assert.deepEqual(namedSpan(n, esc + 1, esc + 3), [raw + 1, raw + 4]);
    assert.deepEqual(namedSpan(n, esc + 2, esc + 3), [raw + 3, raw + 4]);
    // A span in a name, or across two lines, is in no value.
    assert.equal(namedSpan(n, 0, 5), undefined);
    assert.equal(namedSpan(n, esc, n.text.indexOf('plain')), undefined);
  });

  test('a `value` is named by a sibling that follows it, and escapes do not hide what comes after', () => {
    // Escapes JSON.stringify never writes (\u0041, \/) are valid JSON: a reader that searched the
    // text for each value as JSON.stringify spells it would lose its place there.
    const json = '[{"value": "\\u0041\\/b", "name": "x"}, {"value": "Zx9", "name": "API_KEY"}, {"2": "y", "1": "z", "b": "w"}]';
    const n = namedValues(json)!;
    assert.equal(n.text, 'x: A/b\nname: x\nAPI_KEY: Zx9\nname: API_KEY\n2: y\n1: z\nb: w\n');
    assert.deepEqual(n.parts.map((p) => json.slice(p.start, p.end)), ['\\u0041\\/b', 'x', 'Zx9', 'API_KEY', 'y', 'z', 'w']);
    // `/b` of `A/b` is `\/b` in the text.
    const slash = n.text.indexOf('/b');
    assert.deepEqual(namedSpan(n, slash, slash + 2), [json.indexOf('\\/b'), json.indexOf('\\/b') + 3]);
  });

  test('a list is named as a walk names it: by its key, or under `value` by a `name` sibling', () => {
    const data = { env: [{ value: ['Zx9', ['Qw3']], name: 'API_KEYS' }, { name: ['not', 'a name'], value: 'u' }], top: ['t'] };
    const n = namedValues(JSON.stringify(data))!;
    assert.equal(n.text, 'API_KEYS: Zx9\nAPI_KEYS: Qw3\nname: API_KEYS\nname: not\nname: a name\nvalue: u\ntop: t\n');
    const { leaves } = walkStrings(data, '', lim);
    const walked = leaves.filter((l) => !l.objectKeys).map((l) => `${l.name}: ${l.value}`);
    assert.deepEqual(new Set(walked), new Set(n.text.trimEnd().split('\n')));
    // A top-level list has no name.
    assert.equal(namedValues('[["a"], "b"]'), undefined);
  });

  test('past its bound the reading stops and says so', () => {
    const json = JSON.stringify({ ['k'.repeat(100)]: Array.from({ length: 50 }, () => 'a') });
    assert.equal(namedValues(json, 1000)?.exhausted, true);
    assert.equal(namedValues(json)?.exhausted, undefined);
    assert.equal(namedValues(json)?.parts.length, 50);
  });

  test('text that is not a JSON object or array, or has no named string, gives nothing', () => {
    for (const t of ['hello', '{broken', '"a string"', '42', '[1, 2]', '["unnamed"]', '  ', '']) assert.equal(namedValues(t), undefined, t);
  });

  test('every value read is found as a value (not a key) that decodes to itself, each once', () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('k', 'name', 'value', 'a"b', 'x\\y', 'line\nbreak'));
    const key = fc.constantFrom('k', 'name', 'value', 'Key', 'Value', 'token', 'a"b', '');
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, value, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(tree, fc.boolean(), (root, pretty) => {
        const json = JSON.stringify(root, null, pretty ? 2 : undefined);
        const n = namedValues(json ?? '');
        const starts = new Set<number>();
        for (const p of n?.parts ?? []) {
          assert.equal(JSON.parse(`"${json!.slice(p.start, p.end)}"`), n!.text.slice(p.from, p.to));
          // Any span of the value maps to written characters that decode to it.
          const [a, b] = [p.from + ((p.to - p.from) >> 2), p.to - ((p.to - p.from) >> 2)];
          if (b > a && !/[\ud800-\udfff]/.test(n!.text.slice(a - 1, b + 1))) {
            const [s, e] = namedSpan(n!, a, b)!;
            assert.equal(JSON.parse(`"${json!.slice(s, e)}"`), n!.text.slice(a, b));
          }
          assert.ok(!starts.has(p.start));
          starts.add(p.start);
          assert.doesNotMatch(json!.slice(p.end + 1), /^\s*:/, 'a key, not a value');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('redaction', () => {
  test('spans are replaced in order, overlapping and nested ones merged, whatever order they come in', () => {
    const s = 'aa SECRET bb MAIL cc TOKENTOKEN dd';
    const at = (w: string) => s.indexOf(w);
    const spans = [
      { start: at('TOKEN'), end: at('TOKEN') + 10, kind: 't' },
      { start: at('SECRET'), end: at('SECRET') + 6, kind: 's' },
      { start: at('TOKEN') + 2, end: at('TOKEN') + 5, kind: 'inner' },
      { start: at('MAIL'), end: at('MAIL') + 4, kind: 'm' },
      { start: at('MAIL') + 2, end: at('MAIL') + 6, kind: 'late' },
    ];
    assert.equal(redactSpans(s, spans), 'aa [REDACTED:s] bb [REDACTED:m]c [REDACTED:t] dd');
    assert.equal(redactSpans(s, []), s);
    assert.equal(redactSpans('KEY', [{ start: 0, end: 3, kind: 'k' }]), '[REDACTED:k]');
  });

  test('keys redacted alike each keep their value, under the next free suffix', () => {
    const root = { a: { t1: 1, keep: 2, t2: 3, t3: 4, '[R]#2': 5 } };
    renameKeys(root, new Map([['t1', '[R]'], ['t2', '[R]'], ['t3', '[R]']]));
    assert.deepEqual(root, { a: { '[R]': 1, keep: 2, '[R]#3': 3, '[R]#4': 4, '[R]#2': 5 } });
    assert.deepEqual(Object.keys(root.a), ['[R]', 'keep', '[R]#3', '[R]#4', '[R]#2']);
    // An own `__proto__` key (as JSON.parse makes one) stays a key.
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "t1": 2}') as Record<string, unknown>;
    renameKeys(parsed, new Map([['t1', '[R]']]));
    assert.deepEqual(Object.keys(parsed), ['__proto__', '[R]']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { x: 1 });
  });
});
