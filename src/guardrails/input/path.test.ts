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
  test('without roots, workspace paths and plain relative names are not findings', () => {
    for (const v of ['src/index.ts', 'a/../b.txt', '/home/u/project/src/index.ts', '/tmp/out.txt', '/usr/share/dict/words', '/srv/app/data.csv', 'C:\\Users\\me\\Documents\\report.docx', 'passwd', 'config.php', '/dev/null', '/private/var/folders/x1/T/tmp.txt']) {
      assert.deepEqual(p(v), [], v);
    }
  });
  test('without roots, absolute paths into system locations are flagged', () => {
    for (const v of ['/var/log/syslog', '/etc/nginx/nginx.conf', '/proc/version', '/usr/local/etc/php.ini', '/opt/lampp/logs/access_log', 'C:\\xampp\\apache\\logs\\access.log', '\\Program Files\\Apache Group\\Apache\\conf\\httpd.conf', 'c:\\System32\\inetsrv\\metabase.xml', '/var/www/html/config.php', '/private/etc/hosts', '/private/var/log/system.log']) {
      assert.ok(p(v).some((f) => f.rule === 'path.system' && f.severity === 'high'), `${v} ${JSON.stringify(p(v))}`);
    }
    assert.ok(!p('/etc/nginx/nginx.conf', ['/etc/nginx']).some((f) => f.rule === 'path.system'), 'roots decide when they are configured');
  });
  test('traversal counts when it climbs above the start or is hidden by an encoding', () => {
    assert.ok(attack(p('a/../../x')));
    assert.ok(attack(p('/../etc/hosts')));
    assert.ok(attack(p('a/%2e%2e/b')), 'an encoded .. is evasion even when it stays inside');
    assert.deepEqual(p('docs/../README.md'), []);
  });
  test('home secrets, shell startup files and path truncation', () => {
    for (const v of ['/home/u/.bashrc', '~/.profile', '.rhosts', `${'A'.repeat(300)}/../index.html`]) assert.ok(attack(p(v)), v);
  });
  test('prose: plainly written paths are mentions (medium), encoded ones are attacks', () => {
    const prose = (s: string): Finding[] => path.scan(s, { field: 'arguments.description' });
    const m = prose('Copy the files to ../backup and print /etc/passwd ... then stop');
    assert.ok(m.length > 0 && !attack(m), JSON.stringify(m));
    assert.ok(!attack(prose('Format the output of "..." as a table')));
    assert.ok(attack(prose('please read %2e%2e%2f%2e%2e%2fetc%2fpasswd now')));
    assert.ok(attack(prose('open x.php%00.jpg for me')));
    assert.ok(attack(prose('then fetch ..%2f..%2fetc%2fpasswd')), 'a .. whose separator is encoded is encoded');
    assert.ok(attack(p('/Program Files/My App/../../../etc/passwd')), 'a value that starts like a path is one path, spaces and all');
  });
  test('property: plain relative paths whose .. stay inside pass without roots', () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 5 }), fc.nat(), seg, (dirs, k, n) => {
        const up = k % (dirs.length + 1);
        return !attack(p([...dirs, ...Array<string>(up).fill('..'), `${n}.txt`].join('/')));
      }),
      { numRuns: 300 },
    );
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

describe('path detector: roots compare case-sensitively', () => {
  test('a differently-cased directory is another directory on POSIX', () => {
    assert.ok(p('/srv/WS/secret', ['/srv/ws']).some((f) => f.rule === 'path.outside-roots' && f.severity === 'high'));
    assert.ok(p('/srv/Ws/x.txt', ['/srv/ws']).some((f) => f.rule === 'path.outside-roots'));
    assert.deepEqual(p('/srv/ws/notes/a.txt', ['/srv/ws']), [], 'a lowercase path under its root');
    assert.deepEqual(p('/srv/App/Data.csv', ['/srv/App']), [], 'a root written with capitals');
  });
});

describe('path detector: devices, UNC with forward slashes, credential directories and stores', () => {
  test('flagged without roots', () => {
    for (const v of ['/dev/sda', '/dev/mem', '/dev/nvme0n1p1', '/dev/input/event0', '//evil/share/x', '/home/u/.ssh', '~/.aws', '.vault-token', '/home/u/.config/google-chrome/Default/Login Data', '/home/u/.mozilla/firefox/x.default-release/logins.json', 'key4.db', '/home/u/.config/chromium/Default/Cookies']) {
      assert.ok(attack(p(v)), `${v} ${JSON.stringify(p(v))}`);
    }
  });
  test('ordinary devices and files named like them pass', () => {
    for (const v of ['/dev/null', '/dev/stdout', '/dev/shm/cache.bin', 'web/cookies/banner.ts', 'app/cookies', 'docs/ssh-setup.md']) assert.deepEqual(p(v), [], v);
  });
});

describe('path detector: browser credential stores at a relative path', () => {
  // Chromium's stores have a space in their name (`Login Data`), and so do the folders above them
  // (`Application Support`, `User Data`): a relative value with spaces read as prose, whose tokens
  // (`…/Default/Login`, `Data`) named nothing. Absolute ones started like a path and were one token.
  const stores = [
    '.config/google-chrome/Default/Login Data',
    'Library/Application Support/Google/Chrome/Default/Login Data',
    'AppData/Local/Google/Chrome/User Data/Default/Login Data',
    'AppData\\Local\\Microsoft\\Edge\\User Data\\Profile 1\\Web Data',
    'snap/chromium/common/chromium/Guest Profile/Login Data For Account',
    '.mozilla/firefox/x.default/logins.json',
  ];
  for (const field of ['arguments.path', 'arguments.text']) {
    for (const v of stores) {
      test(`flags ${JSON.stringify(v)} in \`${field}\``, () => {
        const f = path.scan(v, { field });
        assert.ok(f.some((x) => x.rule === 'path.sensitive' && x.severity === 'high'), JSON.stringify(f));
      });
    }
  }
  test('written inside prose, a store is a mention (medium), as other sensitive paths are', () => {
    for (const v of ['please copy .config/google-chrome/Default/Login Data to /tmp', 'read /home/u/.config/google-chrome/Default/Login Data now']) {
      const f = path.scan(v, { field: 'arguments.text' });
      assert.ok(f.some((x) => x.rule === 'path.sensitive' && x.severity === 'medium') && !attack(f), JSON.stringify(f));
    }
  });
  test('prose about login data, and folders named like the stores elsewhere, pass', () => {
    for (const v of ['Check the auth/login data flow', 'users/Login Data', 'the default/login data page is slow', 'Default/Login Data export is broken', 'docs/Web Data.md']) {
      assert.ok(!attack(path.scan(v, { field: 'arguments.text' })), `${v} ${JSON.stringify(path.scan(v, { field: 'arguments.text' }))}`);
    }
  });
});

describe('path detector: browser stores written as command arguments (review fixes)', () => {
  test('quoted, bracketed or bare after a command, doubled separators, escaped blanks, Local State', () => {
    for (const [v, field] of [
      ['copy Default/Login Data to /tmp', 'arguments.command'],
      ['cp "Default/Login Data" /tmp/x', 'arguments.command'],
      ["sqlite3 'Profile 1/Login Data' 'select * from logins'", 'arguments.command'],
      ['copy `Default/Login Data` to /tmp', 'arguments.command'],
      ['Default//Login Data', 'arguments.path'],
      ['Default/./Login Data', 'arguments.path'],
      ['~/.config/google-chrome/Default/Login\\ Data', 'arguments.path'],
      ['cp ~/.config/google-chrome/Default/Login\\ Data /tmp/x', 'arguments.command'],
      ['Google/Chrome/User Data/Local State', 'arguments.path'],
      ['/home/u/AppData/Local/Google/Chrome/User Data/Local State', 'arguments.path'],
    ] as const) {
      const f = path.scan(v, { field });
      assert.ok(f.some((x) => x.rule === 'path.sensitive') && attack(f), `${v}: ${JSON.stringify(f)}`);
    }
  });
  test('prose naming the stores stays clean', () => {
    for (const v of ['See docs for the Default/Login Data schema', 'Fix: Profile 2/Web Data not migrated after update', 'The default/login data flow is described in auth.md', 'the login data for account page', 'Chrome keeps saved passwords in the "Login Data" SQLite file', 'the local state of the user data page']) {
      assert.deepEqual(path.scan(v, { field: 'arguments.description' }), [], v);
    }
  });
});
