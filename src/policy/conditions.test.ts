import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileCondition, underPath, type ConditionInput } from './conditions.ts';

const agent = { id: 'a', roles: ['r'], via: 'jwt', scopes: [] } as const;
const tool = { server: 's', name: 't' } as const;
const input = (args: unknown): ConditionInput => ({ args, agent, tool });
const holds = (src: string, args: unknown) => {
  const r = compileCondition(src).evaluate(input(args));
  return 'value' in r && r.value === true;
};

/** Any JSON value, including deep nesting, unicode and look-alike strings. */
const json = fc.jsonValue({ maxDepth: 4 });
const lookalike = fc.constantFrom('#ѕupport-x', '#support\u2010x', '#ｓupport-x', '\u202e#support-x', '#Support-x', ' #support-x');

describe('conditions fail closed', () => {
  const channel = compileCondition('args.channel.startsWith("#support-")');
  const amount = compileCondition('args.amount < 100');
  const path = compileCondition('underPath(args.path, "/srv/reports")');

  test('a string condition holds only for a string field that satisfies it', () => {
    fc.assert(
      fc.property(json, (value) => {
        const r = channel.evaluate(input({ channel: value }));
        const ok = 'value' in r && r.value;
        assert.equal(ok, typeof value === 'string' && value.startsWith('#support-'));
      }),
      { numRuns: 500 },
    );
  });

  test('a numeric condition holds only for a number that satisfies it', () => {
    fc.assert(
      fc.property(json, (value) => {
        const r = amount.evaluate(input({ amount: value }));
        const ok = 'value' in r && r.value;
        assert.equal(ok, typeof value === 'number' && value < 100);
      }),
      { numRuns: 500 },
    );
  });

  test('arbitrary argument objects never throw and never hold unless the field qualifies', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (args) => {
        const r = channel.evaluate(input(args));
        const ch = Object.prototype.hasOwnProperty.call(args, 'channel') ? args['channel'] : undefined;
        if ('value' in r && r.value) assert.ok(typeof ch === 'string' && ch.startsWith('#support-'));
      }),
      { numRuns: 500 },
    );
  });

  test('non-object arguments never hold', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(json)), (args) => {
        const r = channel.evaluate(input(args));
        assert.ok('error' in r);
      }),
    );
  });

  test('unicode look-alikes do not pass an allow-list prefix', () => {
    fc.assert(fc.property(lookalike, fc.string(), (prefix, rest) => assert.equal(holds('args.channel.startsWith("#support-")', { channel: prefix + rest }), false)));
  });

  test('underPath never holds for a path that resolves outside the root', () => {
    const seg = fc.constantFrom('..', '.', 'a', 'reports', 'srv', '', 'b\\..', '\0');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), (segs) => {
        const p = `/srv/reports/${segs.join('/')}`;
        const r = path.evaluate(input({ path: p }));
        const ok = 'value' in r && r.value;
        // An independent normaliser (URL path resolution), after collapsing empty segments as POSIX does.
        const resolved = new URL(`file://${p.replace(/\/+/g, '/').replace(/\\/g, '%5C')}`).pathname;
        if (ok) assert.ok(resolved === '/srv/reports' || resolved.startsWith('/srv/reports/'), p);
      }),
      { numRuns: 500 },
    );
  });
});

describe('conditions', () => {
  test('compile refuses non-bool and unknown variables', () => {
    assert.throws(() => compileCondition('1 + 2'), /bool/);
    assert.throws(() => compileCondition('nope == 1'), /Unknown variable/);
    assert.throws(() => compileCondition('args.x ==='), Error);
  });

  test('isAscii and underPath', () => {
    assert.equal(holds('args.c.isAscii()', { c: '#support' }), true);
    assert.equal(holds('args.c.isAscii()', { c: '#ѕupport' }), false);
    assert.equal(underPath('/srv/reports', '/srv/reports/'), true);
    assert.equal(underPath('/srv/reports2', '/srv/reports'), false);
  });
});
