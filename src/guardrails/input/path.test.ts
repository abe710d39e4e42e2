import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Finding } from '../types.ts';
import { createPathDetector } from './path.ts';

const path = createPathDetector();
const attack = (f: Finding[]): boolean => f.some((x) => x.severity === 'high' || x.severity === 'critical');
const roots = ['/srv/app'];
const p = (s: string, r?: string[]): Finding[] => path.scan(s, { field: 'arguments.path', ...(r ? { roots: r } : {}) });

describe('path detector', () => {
  for (const v of ['../../etc/passwd', '..%2f..%2fetc%2fhosts', '%252e%252e%252fsecret', '%c0%ae%c0%ae/%c0%ae%c0%ae/x', '..\\..\\windows\\win.ini', '%uff0e%uff0e%u2215x', '....//....//x', 'x.php%00.jpg', 'file:///etc/hosts', '\\\\attacker\\share\\x', '~/.ssh/id_rsa', '/home/u/.aws/credentials', 'app/.env', '/proc/self/environ', 'C:\\Windows\\System32\\config\\SAM', 'Li4vLi4vLi4vZXRjL3Bhc3N3ZA==']) {
    test(`flags ${v} without roots`, () => assert.ok(attack(p(v)), JSON.stringify(p(v))));
  }
  test('with roots, absolute paths outside them are flagged and inside pass', () => {
    assert.ok(p('/var/log/syslog', roots).some((f) => f.rule === 'path.outside-roots'));
    assert.ok(attack(p('C:/inetpub/wwwroot/index.asp', roots)));
    assert.deepEqual(p('/srv/app/data/report.csv', roots), []);
    assert.deepEqual(p('data/report.csv', roots), []);
    assert.ok(attack(p('data/../../../etc/hosts', roots)));
  });
  test('without roots, plain absolute paths are not findings', () => {
    assert.deepEqual(p('/var/log/syslog'), []);
    assert.deepEqual(p('src/index.ts'), []);
  });
  test('property: any encoding of a ../ chain is flagged', () => {
    const dots = fc.constantFrom('..', '%2e%2e', '%252e%252e', '%c0%ae%c0%ae', '.%2e', '%uff0e%uff0e', '0x2e0x2e');
    const slash = fc.constantFrom('/', '\\', '%2f', '%5c', '%252f', '%c0%af', '%u2215');
    fc.assert(fc.property(fc.array(fc.tuple(dots, slash), { minLength: 1, maxLength: 6 }), (segs) => attack(p(`${segs.map(([d, s]) => d + s).join('')}index.html`))), { numRuns: 300 });
  });
  test('property: ordinary relative file names inside roots pass', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}\.(txt|md|ts|json|csv)$/);
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), { maxLength: 4 }), name, (dirs, n) => !attack(p([...dirs, n].join('/'), roots))), { numRuns: 300 });
  });
  test('1 MB input completes', () => {
    assert.ok(p('../'.repeat(400_000)).some((f) => f.rule === 'path.truncated'));
    assert.ok(Array.isArray(p('%'.repeat(1 << 20))));
  });
});
