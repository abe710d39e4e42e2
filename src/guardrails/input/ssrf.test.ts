import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Finding } from '../types.ts';
import { createSsrfDetector } from './ssrf.ts';

const ssrf = createSsrfDetector();
const attack = (f: Finding[]): boolean => f.some((x) => x.severity === 'high' || x.severity === 'critical');
const url = (s: string): Finding[] => ssrf.scan(s, { field: 'arguments.url' });

describe('ssrf detector', () => {
  for (const u of [
    'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://0/',
    'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://localhost:8080', 'http://app.localhost/',
    'http://db.internal/', 'http://printer.local/', 'http://127.0.0.1.nip.io/', 'http://evil@127.0.0.1/', 'http://a\\@127.0.0.1/',
    'http://10.0.0.5/', 'http://192.168.1.1/', 'http://%31%32%37.0.0.1/', 'file:///etc/passwd', 'gopher://example.com:25/_x',
    'dict://example.com:11211/', 'ftp://example.com/', 'ldap://example.com/', 'jar:http://example.com!/', 'http://0xa9fea9fe/',
  ]) {
    test(`flags ${u}`, () => assert.ok(attack(url(u)), JSON.stringify(url(u))));
  }
  test('metadata endpoints are critical', () => {
    assert.ok(url('http://169.254.169.254/').some((f) => f.rule === 'ssrf.metadata' && f.severity === 'critical'));
  });
  test('public URLs pass', () => {
    for (const u of ['https://example.com/', 'https://api.github.com/repos/x/y', 'http://8.8.8.8/', 'https://en.wikipedia.org/wiki/SSRF']) assert.deepEqual(url(u), [], u);
  });
  test('host fields without a scheme are judged', () => {
    assert.ok(attack(ssrf.scan('127.0.0.1', { field: 'arguments.host' })));
    assert.deepEqual(ssrf.scan('example.org', { field: 'arguments.host' }), []);
  });
  test('URLs inside free text are found', () => {
    assert.ok(attack(ssrf.scan('please fetch http://169.254.169.254/latest/ and summarise', { field: 'arguments.prompt' })));
  });

  test('property: every inet_aton notation of a loopback address is flagged', () => {
    const part = (n: number, style: number): string => (style === 0 ? String(n) : style === 1 ? `0x${n.toString(16)}` : `0${n.toString(8)}`);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (b, c, d, styles, parts) => {
        const n = (127 * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d) >>> 0;
        const s = styles as [number, number, number, number];
        let host: string;
        if (parts === 1) host = part(n, s[0]);
        else if (parts === 2) host = `${part(127, s[0])}.${part(n & 0xffffff, s[1])}`;
        else if (parts === 3) host = `${part(127, s[0])}.${part(b, s[1])}.${part((c << 8) | d, s[2])}`;
        else host = `${part(127, s[0])}.${part(b, s[1])}.${part(c, s[2])}.${part(d, s[3])}`;
        return attack(url(`http://${host}/`)) && attack(url(`http://user:pw@${host}:8080/x`));
      }),
      { numRuns: 300 },
    );
  });

  test('a hex label is an address only on rebinding services', () => {
    assert.deepEqual(url('https://a0.e0000a00.com/x'), []);
    assert.ok(url('http://7f000001.nip.io/').length > 0);
  });

  test('property: public dotted hostnames are not flagged', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/);
    fc.assert(
      fc.property(label, label, fc.constantFrom('com', 'org', 'net', 'io', 'dev'), (a, b, tld) => url(`https://${a}.${b}.${tld}/path?q=1`).length === 0),
      { numRuns: 300 },
    );
  });

  test('1 MB input completes with a truncation finding', () => {
    const f = url('http://'.repeat(150_000));
    assert.ok(f.some((x) => x.rule === 'ssrf.truncated'));
  });
});

describe('ssrf detector: bounded URL work', () => {
  test('a run of overlapping URLs stops at the budget with a medium finding', () => {
    const f = createSsrfDetector().scan('http://'.repeat(20000), { field: 'arguments.url' });
    assert.ok(f.some((x) => x.rule === 'ssrf.too-many-urls' && x.severity === 'medium'));
  });
});
