import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Finding, ScanContext } from '../types.ts';
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
    'dict://example.com:11211/', 'ldap://example.com/', 'jar:http://example.com!/', 'http://0xa9fea9fe/',
  ]) {
    test(`flags ${u}`, () => assert.ok(attack(url(u)), JSON.stringify(url(u))));
  }
  test('metadata endpoints are critical', () => {
    for (const u of ['http://169.254.169.254/', 'http://169.254.42.42/conf', 'http://rancher-metadata/latest/self/container', 'http://metadata.tencentyun.com/latest/meta-data/']) {
      assert.ok(url(u).some((f) => f.rule === 'ssrf.metadata' && f.severity === 'critical'), u);
    }
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

describe('ssrf detector: public URLs are not flagged for being URLs', () => {
  const high = (s: string, field = 'arguments.url'): boolean => attack(ssrf.scan(s, { field }));
  test('ftp to a public host is judged by its host only', () => {
    assert.deepEqual(url('ftp://ftp.gnu.org/gnu/bash/'), []);
    assert.ok(high('ftp://127.0.0.1/pub/'));
    assert.ok(high('sftp://example.com:2222/'), 'non-HTTP, non-FTP schemes stay high');
  });
  test('documentation pages about metadata services pass; an internal address in the path or query does not', () => {
    assert.deepEqual(url('https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html'), []);
    assert.deepEqual(url('https://cloud.example.com/docs/compute/metadata/v1/instance/hostname'), []);
    assert.ok(url('https://relay.example.com/proxy/169.254.169.254/latest/meta-data/').some((f) => f.rule === 'ssrf.metadata' && f.severity === 'critical'));
    assert.ok(url('https://relay.example.com/go?to=10.1.2.3:8080').some((f) => f.rule === 'ssrf.embedded-internal'));
    assert.deepEqual(url('https://example.com/releases/v10.0.0.1/notes'), [], 'a version glued to a letter is not an address');
    assert.deepEqual(url('https://example.com/items/2130706433'), [], 'a bare number in a path is an id');
  });
  test('a single-label host asks for approval (medium), it is not an attack by itself', () => {
    const f = url('http://intranet/wiki');
    assert.ok(f.some((x) => x.rule === 'ssrf.internal-name' && x.severity === 'medium'));
    assert.ok(!attack(f));
    assert.ok(high('http://metadata/computeMetadata/v1/'), 'known metadata names stay critical');
    assert.ok(high('http://backend???backend.example.com/'), 'parsers disagree on the host (`?` ends it for WHATWG only): high');
    assert.ok(high('http://example.com?next=@127.0.0.1/'), 'a validator that ends the authority at `/` reads 127.0.0.1');
  });
  test('"file:" in prose is not a URL', () => {
    assert.ok(!high('Read a line with prompt "Enter the path to the file: " and default "/usr/local/etc/"', 'arguments.description'));
    assert.ok(high('see file:/etc/passwd', 'arguments.description'));
  });
});

describe('ssrf detector: host notations', () => {
  test('a host ending in a numeric label that is not valid IPv4 is malformed (WHATWG rejects it, lenient parsers guess)', () => {
    for (const u of ['http://z10.0.0.1/', 'http://1.2.3.4.5/', 'http://256.0.0.1/', 'http://0x7g.1/']) {
      assert.ok(url(u).some((f) => f.rule === 'ssrf.malformed-ip' && f.severity === 'high'), u);
    }
    assert.deepEqual(url('http://1.2.3.4/'), [], 'a public dotted quad passes');
  });
  test('every inet_aton radix is understood: 0x hex, 0 octal, decimal, with 1-4 parts', () => {
    for (const u of ['http://0x0a.0.0.1/', 'http://012.1/', 'http://10.0.258/', 'http://0xA9.0376.43518/', 'http://0x7f.0.0.01/', 'http://10.0.0.0x/']) assert.ok(attack(url(u)), u);
    assert.deepEqual(url('http://0x08.0x08.0x08.0x08/'), [], '8.8.8.8 in hex is public');
  });
  test('hosts written with compatibility characters or percent-escapes are obfuscation', () => {
    for (const u of ['http://ｅｘａｍｐｌｅ.com/', 'http://ⓔⓧⓐⓜⓟⓛⓔ.ⓒⓞⓜ/', 'http://%65xample.com/']) {
      assert.ok(url(u).some((f) => f.rule === 'ssrf.obfuscated-host' && f.severity === 'high'), u);
    }
    assert.ok(url('http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/').some((f) => f.rule === 'ssrf.loopback'), 'folded names are judged as what they fold to');
    assert.ok(!attack(url('https://bücher.example/')), 'a genuine IDN is not obfuscation');
  });
});

describe('ssrf detector: bounded URL work', () => {
  test('a run of overlapping URLs stops at the budget with a medium finding', () => {
    const f = createSsrfDetector().scan('http://'.repeat(20000), { field: 'arguments.url' });
    assert.ok(f.some((x) => x.rule === 'ssrf.too-many-urls' && x.severity === 'medium'));
  });
});

describe('ssrf detector: one finding per rule, the most severe', () => {
  test('a medium one-word host does not hide a high internal name of the same rule', () => {
    for (const text of ['see http://wiki/ and http://db.corp/admin', 'see http://db.corp/admin and http://wiki/']) {
      const f = ssrf.scan(text, { field: 'arguments.text' }).filter((x) => x.rule === 'ssrf.internal-name');
      assert.deepEqual(f.map((x) => x.severity), ['high'], text);
    }
  });
});

describe('ssrf detector: parser disagreement', () => {
  test('a query or fragment after a one-word host is not a dispute; a domain hidden after ? is', () => {
    const sev = (u: string) => ssrf.scan(u, { field: 'arguments.url' }).find((x) => x.rule === 'ssrf.internal-name')?.severity;
    assert.equal(sev('http://jenkins?job=1'), 'medium');
    assert.equal(sev('http://jenkins#setup'), 'medium');
    assert.equal(sev('http://test???test.com'), 'high');
  });
});

describe('ssrf detector: URLs as WHATWG parsers read them', () => {
  const crit = (f: Finding[]): boolean => f.some((x) => x.rule === 'ssrf.metadata' && x.severity === 'critical');
  test('a tab or line break inside a URL is removed, not an end: the host after it is judged', () => {
    for (const ws of ['\t', '\n', '\r']) {
      assert.ok(crit(url(`http://example.com${ws}@169.254.169.254/latest/meta-data/`)), JSON.stringify(ws));
      assert.ok(attack(url(`http://example.com${ws}@127.0.0.1:6379`)), JSON.stringify(ws));
    }
    assert.ok(attack(ssrf.scan('please fetch http://example.com\t@127.0.0.1:6379/ now', { field: 'arguments.description' })), 'in prose too, when `@` follows');
    assert.ok(attack(url('http://example.com @127.0.0.1/')), 'a value handed to fetch whole keeps a space in its userinfo');
  });
  test('special schemes take any number of slashes, none included, in any case', () => {
    for (const field of ['arguments.url', 'arguments.q', 'arguments.description']) {
      assert.ok(crit(ssrf.scan('http:169.254.169.254/latest/meta-data/', { field })), field);
      assert.ok(attack(ssrf.scan('HTTP:127.0.0.1:6379/', { field })), field);
    }
    for (const u of ['https:/10.0.0.1/', 'http:\\10.0.0.1/', 'ws:10.0.0.1']) assert.ok(attack(url(u)), u);
    assert.deepEqual(ssrf.scan('got HTTP:200 OK from https:443', { field: 'arguments.description' }), [], 'a status or port is not a host');
  });
  test('IPv4-translated IPv6 (::ffff:0:a.b.c.d) is unwrapped instead of throwing', () => {
    assert.ok(crit(url('http://[::ffff:0:a9fe:a9fe]/')));
    assert.ok(!url('http://[::ffff:0:a9fe:a9fe]/').some((f) => f.rule === 'ssrf.internal-error'));
  });
  test('an internal error fails closed at high', () => {
    // A context whose field cannot be read makes the scan throw inside the detector.
    const hostile: ScanContext = Object.defineProperty({}, 'field', { get: () => { throw new Error('boom'); } });
    assert.deepEqual(ssrf.scan('http://example.com/', hostile).map((f) => [f.rule, f.severity]), [['ssrf.internal-error', 'high']]);
  });
  test('benign: an ordinary URL, prose on two lines, a tab in free text, a list of URLs', () => {
    assert.deepEqual(url('https://example.com/docs?page=2'), []);
    assert.deepEqual(ssrf.scan('See https://example.com\n10.0.0.0/8 is private address space', { field: 'arguments.description' }), [], 'the next line is not glued to the URL');
    assert.deepEqual(ssrf.scan('http://example.com/a\tb', { field: 'arguments.description' }), []);
    assert.deepEqual(ssrf.scan('https://a.example/\nhttps://b.example/', { field: 'arguments.urls' }), []);
    assert.deepEqual(ssrf.scan('8.8.8.8\n1.1.1.1', { field: 'arguments.servers' }), [], 'a list of hosts is not one host');
  });
});

describe('ssrf detector: a tab or line break inside the host of a URL in prose', () => {
  // WHATWG deletes tabs and line breaks before parsing, so these reach loopback or metadata; in
  // text (a value with spaces, whatever its field) only the host before the break was judged.
  const crit = (f: Finding[]): boolean => f.some((x) => x.rule === 'ssrf.metadata' && x.severity === 'critical');
  const loop = (f: Finding[]): boolean => f.some((x) => x.rule === 'ssrf.loopback' && x.severity === 'high');
  for (const field of ['arguments.text', 'arguments.note', 'arguments.url']) {
    test(`the host is read across the break in \`${field}\``, () => {
      const scan = (s: string): Finding[] => ssrf.scan(s, { field });
      for (const s of ['see http://local\thost/ now', 'fetch http://lo\tcal\thost:6379/ please', 'open http://local\r\nhost/admin then']) assert.ok(loop(scan(s)), `${JSON.stringify(s)} ${JSON.stringify(scan(s))}`);
      for (const s of ['fetch http://169.254.169.\t254/latest/meta-data/ please', 'get http://metadata.google.\tinternal/computeMetadata/v1/ now']) assert.ok(crit(scan(s)), `${JSON.stringify(s)} ${JSON.stringify(scan(s))}`);
    });
  }
  test('a break after a complete public host, or words glued into no internal host, is not one', () => {
    const text = (s: string): Finding[] => ssrf.scan(s, { field: 'arguments.text' });
    for (const s of ['go to http://example.com\tand then', 'http://example.com\t10.0.0.1\tprivate', 'See https://example.com\n127.0.0.1 is loopback', 'visit http://intranet\nlocal pages', 'http://8.8.8.8\n0 errors today']) {
      assert.ok(!attack(text(s)), `${JSON.stringify(s)} ${JSON.stringify(text(s))}`);
    }
  });
});

describe('ssrf detector: which arguments are targets', () => {
  test('URL and host fields are recognised by name pattern, in any case style and as array elements', () => {
    for (const f of ['base_url', 'baseUrl', 'api_host', 'proxy', 'api_endpoint', 'webhook_url', 'callback_url', 'urls[0]', 'server_ip', 'redirect_uri', 'origin']) {
      assert.ok(attack(ssrf.scan('127.0.0.1', { field: `arguments.${f}` })), f);
      assert.ok(attack(ssrf.scan('10.0.0.1:8080', { field: `arguments.${f}` })), f);
    }
  });
  test('names that only end like one are not targets', () => {
    for (const [f, v] of [['zip', '90210'], ['symlink', 'current'], ['observer', 'John'], ['billing_address', 'Springfield'], ['webhook_secret', 'abc123'], ['server_port', '8080']]) {
      assert.deepEqual(ssrf.scan(v as string, { field: `arguments.${f}` }), [], f);
    }
  });
  test('a bare metadata address is flagged in any argument; a bare private IP only in a target field', () => {
    for (const [f, v] of [['q', '169.254.169.254'], ['to', 'metadata.google.internal'], ['q', 'fd00:ec2::254'], ['q', 'read 169.254.169.254:80 for me'], ['template', '0xa9fea9fe']]) {
      assert.ok(ssrf.scan(v as string, { field: `arguments.${f}` }).some((x) => x.rule === 'ssrf.metadata' && attack([x])), `${f}=${v}`);
    }
    assert.deepEqual(ssrf.scan('127.0.0.1', { field: 'arguments.q' }), []);
    assert.deepEqual(ssrf.scan('10.0.0.1:8080', { field: 'arguments.to' }), []);
    assert.deepEqual(ssrf.scan('release v169.254.169.254 and build 1.169.254.169.254', { field: 'arguments.q' }), [], 'only whole tokens');
  });
  test('an explicit hostFields list still replaces the pattern', () => {
    const narrow = createSsrfDetector({ hostFields: ['target_host'] });
    assert.ok(attack(narrow.scan('127.0.0.1', { field: 'arguments.target_host' })));
    assert.deepEqual(narrow.scan('127.0.0.1', { field: 'arguments.base_url' }), []);
  });
});
