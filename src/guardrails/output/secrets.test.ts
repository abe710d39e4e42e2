import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSecretsDetector, shannonEntropy } from './secrets.ts';
import { readFileSync } from 'node:fs';
import { asciiTable, compilePrecheck, isNonAsciiSpace, type Precheck, type PrecheckJson } from './secret-prechecks.ts';
import { runAlt, runLit } from './secret-precheck-literal.ts';
import { runSemi } from './secret-precheck-semi.ts';
import { dedupe } from './secret-findings.ts';
import { TERMINATOR, TERMINATOR_LOWER, ruleFlags, secretBeforeTerminator, terminatorLength } from './secret-spans.ts';

const det = createSecretsDetector();
const AWS = 'AKIA' + 'Z3MX7QH2LBV5NWKD';
const GH = 'ghp_' + 'R7k2Xq9LmP4vT8wZ1bN6cY3sD5fG0hJ2aK9e';

describe('secrets detector', () => {
  test('finds provider tokens with the secret span and rule kind, never the secret in the message', () => {
    const s = `aws_access_key_id = ${AWS}\n`;
    const f = det.scan(s).find((x) => x.rule === 'secrets.aws-access-token');
    assert.ok(f);
    assert.equal(s.slice(f.start, f.end), AWS);
    assert.equal(f.kind, 'secret:aws-access-token');
    assert.ok(!f.message.includes(AWS));
    assert.deepEqual(det.scan(`token: ${GH}`).map((x) => x.rule), ['secrets.github-pat']);
  });

  test('a rule regex gets match indices only when it has a group; either way the finding spans the secret', () => {
    assert.equal(ruleFlags('ghp_[0-9a-zA-Z]{36}', 'g'), 'g');
    assert.equal(ruleFlags(String.raw`\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`, 'y'), 'yd');
    assert.equal(ruleFlags('a(?:b|c)(?=d)', 'y'), 'y');
    // github-pat has no group (its span is the whole match); octopus-deploy-api-key's group leaves
    // out the terminator its match ends with.
    const octopus = 'API-ZX9QW3ER5TY7UU1IO2PA3SD4FG';
    const s = `x ${GH}, ${octopus};`;
    const spans = det.scan(s).map((f) => [f.rule, s.slice(f.start, f.end)]);
    assert.deepEqual(spans.sort(), [['secrets.github-pat', GH], ['secrets.octopus-deploy-api-key', octopus]]);
  });

  test('a secret right before gitleaks\' terminator is read from the match\'s end; two readings ask the regex', () => {
    const T = TERMINATOR;
    assert.equal(secretBeforeTerminator(String.raw`key\s*=\s*([a-z0-9]{8})` + T), 'nNrR');
    assert.equal(secretBeforeTerminator(`\\b((?:sk|rk)_[a-z0-9]{8})${TERMINATOR_LOWER}`), 'nr');
    assert.equal(ruleFlags(String.raw`key\s*=\s*([a-z0-9]{8})` + T, 'g'), 'g');
    assert.equal(secretBeforeTerminator(`key=([a-z0-9]{8}(?:x|y))${T}`), 'nNrR');
    assert.equal(secretBeforeTerminator(`(?<=k)ey=([a-z]{8})${T}`), 'nNrR', 'a lookbehind is no group');
    assert.equal(secretBeforeTerminator(`(key)=([a-z0-9]{8})${T}`), undefined, 'two groups');
    assert.equal(secretBeforeTerminator(`key=([a-z0-9]{8})x${T}`), undefined, 'something between');
    assert.equal(secretBeforeTerminator(`key=([a-z)]{8})(?:x)${T}`), undefined, 'a non-capturing group last');
    assert.equal(secretBeforeTerminator(`key=(?:[a-z0-9]{8})${T}`), undefined, 'no group');
    assert.equal(secretBeforeTerminator(`key=([a-z0-9]{8})`), undefined, 'no terminator');
    assert.equal(terminatorLength('key=abc"', false, 'nNrR'), 1);
    assert.equal(terminatorLength('key=abc\u2028', false, 'nNrR'), 1);
    assert.equal(terminatorLength('key=abc\\n', false, 'nNrR'), 2);
    assert.equal(terminatorLength('key=abc\\N', false, 'nNrR'), 2);
    assert.equal(terminatorLength('key=abc', true, 'nNrR'), 0);
    // The older form has no upper-case escapes: a match ending `\N` ends there (at the input's end).
    assert.equal(terminatorLength('key=abc\\N', true, 'nr'), 0);
    assert.equal(terminatorLength('key=abc\\n', false, 'nr'), 2);
    // At the end of the input the quote or the escape could be the secret's own last characters.
    assert.equal(terminatorLength('key=abc"', true, 'nNrR'), -1);
    assert.equal(terminatorLength('key=abc\\r', true, 'nNrR'), -1);
    // Either way the finding spans the secret alone (the reference reads indices).
    const plain = createSecretsDetector({ prechecks: false });
    for (const s of ['api_key = "Zx9Qw3Er5Ty7Uu"', 'api_key = Zx9Qw3Er5Ty7Uu\\n', 'api_key=Zx9Qw3Er5Ty7Uu', 'x api_key: Zx9Qw3Er5Ty7Uu;']) {
      const f = det.scan(s);
      assert.deepEqual(f, plain.scan(s));
      assert.deepEqual(f.map((x) => s.slice(x.start, x.end)), ['Zx9Qw3Er5Ty7Uu']);
    }
  });

  test('allowlists and entropy suppress placeholders', () => {
    assert.deepEqual(det.scan('aws_access_key_id = AKIAIOSFODNN7EXAMPLE'), []);
    assert.deepEqual(det.scan('api_key = "xxxxxxxxxxxxxxxxxxxxxxxx"'), []);
    assert.deepEqual(det.scan('password = ${DB_PASSWORD}'), []);
  });

  test('a secret repeated is judged at each occurrence, and a different one of the same length afresh', () => {
    // The entropy and global-allowlist verdicts are kept for the last secret seen: alternate a
    // placeholder and a real value of the same length, in the same rule, and each gets its own.
    const aws = ['AKIAIOSFODNN7EXAMPLE', AWS, 'AKIAIOSFODNN7EXAMPLE', AWS, AWS];
    const s1 = aws.map((v) => `aws_access_key_id = ${v}\n`).join('');
    assert.deepEqual(det.scan(s1).filter((f) => f.rule === 'secrets.aws-access-token').map((f) => s1.slice(f.start, f.end)), [AWS, AWS, AWS]);
    // Low entropy, then a global stopword (the alphabet), then real: 30 characters each.
    const real = 'Zx9Qw3Er5Ty7Uu1Io2Pa3Sd4Fg5Hj6';
    const generic = ['x'.repeat(30), real, 'xxabcdefghijklmnopqrstuvwxyz12', real, 'x'.repeat(30), 'xxabcdefghijklmnopqrstuvwxyz12', real];
    const s2 = generic.map((v) => `api_key = "${v}"\n`).join('');
    assert.deepEqual(det.scan(s2).map((f) => s2.slice(f.start, f.end)), [real, real, real]);
    // The match allowlist's verdict is kept for the last whole match it tested, compared in place:
    // `key_id` is allowed (a key's id, not a key), `apikey` (as long) is not, however they alternate.
    const places = ['key_id', 'apikey', 'apikey', 'key_id', 'key_id', 'apikey'];
    const s3 = places.map((k) => `${k} = ${real}\n`).join('');
    const lines = det.scan(s3).map((f) => s3.slice(0, f.start).split('\n').length - 1);
    assert.deepEqual(lines, [1, 2, 5]);
  });

  test('large texts are scanned in windows around keywords, with correct offsets', () => {
    const s = `${'lorem ipsum '.repeat(5000)}token: ${GH} ${'dolor '.repeat(5000)}`;
    const f = det.scan(s).find((x) => x.rule === 'secrets.github-pat');
    assert.ok(f);
    assert.equal(s.slice(f.start, f.end), GH);
  });

  test('windows of several rules, near and far apart, find what a scan of the whole text finds', () => {
    const whole = createSecretsDetector({ windowThreshold: Infinity });
    const pieces = [`token: ${GH}`, `aws_access_key_id = ${AWS}`, 'api_key = Zx9Qw3Er5Ty7Uu', 'ghp_', 'key', 'AKIA', `password: ${'ab12'.repeat(6)}`];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(0, 1, 200, 255, 256, 257, 4600, 4608, 4900, 6000)), { minLength: 1, maxLength: 12 }), (parts) => {
        const s = parts.map(([p, gap]) => `${p}\n${'x '.repeat(gap >> 1)}${gap & 1 ? 'y' : ''}`).join('') + 'z'.repeat(9000);
        assert.deepEqual(det.scan(s), whole.scan(s));
      }),
      { numRuns: 300 },
    );
  });

  test('include/exclude select rules', () => {
    assert.deepEqual(createSecretsDetector({ exclude: ['github-pat', 'generic-api-key'] }).scan(`token: ${GH}`), []);
    assert.equal(createSecretsDetector({ include: ['github-pat'] }).scan(`x ${GH}`).length, 1);
  });

  test('hostile input does not throw', () => {
    assert.doesNotThrow(() => det.scan('key='.repeat(20000) + 'curl -H '.repeat(2000)));
  });

  test('line allowlists judge each line on its own, on multi-line and long texts', () => {
    const line1 = 'RUN --mount=type=secret,id=x api_key=Zx9Qw3Er5Ty7Uu';
    const s = `${line1}\napi_key=Zx9Qw3Er5Ty7Uu\n`;
    const fs = det.scan(s);
    assert.deepEqual(fs.map((f) => [f.rule, f.start]), [['secrets.generic-api-key', line1.length + 9]]);
    // Many candidates on one long line: each still gets the line's verdict.
    const long = `${'password=Zx9Qw3Er5Ty7 '.repeat(2000)}\n--mount=type=secret, password=Zx9Qw3Er5Ty7`;
    assert.equal(det.scan(long).length, 2000);
  });

  test('a generic finding is dropped only where a specific rule found the same secret', () => {
    const s = `token: ${GH}\npassword = Zx9Qw3Er5Ty7Uu`;
    assert.deepEqual(det.scan(s).map((f) => f.rule).sort(), ['secrets.generic-api-key', 'secrets.github-pat']);
  });

  test('stopwords allowlist a candidate secret that contains one', () => {
    assert.deepEqual(det.scan('api_key = "Zx9Qw3Er5Ty7Uu_example"'), []);
    assert.equal(det.scan('api_key = "Zx9Qw3Er5Ty7Uu"').length, 1);
  });

  test('entropy counts an astral character once, as gitleaks does per code point', () => {
    const h = -(2 / 6) * Math.log2(2 / 6) - 2 * (1 / 6) * Math.log2(1 / 6);
    assert.equal(shannonEntropy('\u{1F600}\u{1F600}ab'), h);
    assert.equal(shannonEntropy('aab'), -(2 / 3) * Math.log2(2 / 3) - (1 / 3) * Math.log2(1 / 3));
  });

  test('a rule\'s repeated finding is kept once; a list without repeats is returned as it is', () => {
    const f = (rule: string, start: number, end: number) => ({ detector: 'secrets', rule, severity: 'high' as const, message: '', start, end, kind: '' });
    const none = [f('a', 0, 5), f('a', 7, 9), f('b', 7, 9)];
    assert.equal(dedupe(none), none);
    assert.deepEqual(dedupe([f('a', 0, 5), f('a', 0, 6), f('a', 0, 5), f('b', 0, 5), f('b', 3, 5), f('b', 3, 5)]), [f('a', 0, 5), f('a', 0, 6), f('b', 0, 5), f('b', 3, 5)]);
  });

  test('entropy helper', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
  });
});

describe('secrets detector prechecks', () => {
  const plain = createSecretsDetector({ prechecks: false });
  const same = (s: string) => assert.deepEqual(det.scan(s), plain.scan(s), JSON.stringify(s.slice(0, 120)));

  test('semi-generic rules (keyword, gap, operator, secret) find what their regex finds', () => {
    const secrets = ['Zx9Qw3Er5Ty7Uu', 'Zx9Qw3Er5', 'a'.repeat(150) + '1', 'Zx9.Qw3=Er5-Ty7_Uu', 'QUJDRA1234567890abcd==', 'deadbeef'.repeat(4), '0123456789'.repeat(2)];
    for (const k of ['api_key', 'API_KEY', 'aPi', 'password', 'discord', 'adobe_client', 'okta', 'sumo', 'yandex', 'nytimes', 'new-york-times,', 'NewYorkTimes_key']) {
      for (const op of ['=', ' = ', ':', '::=', ':::=', '||', '=>', '?=', ',', '>', ': "', '\u00a0=\u00a0']) {
        for (const v of secrets) for (const end of ['', ' ', '"', ';', '\\n', '\n', 'x']) same(`${k}${op}${v}${end}`);
      }
    }
    same('key='.repeat(5000));
    // Both scanning strategies: from keyword matches (short texts) and from operators (long ones).
    for (const n of [100, 5000]) same(`${'test_pub='.repeat(n)} lob_key = live_pub_${'ab12'.repeat(8)}abc\n${'api_key = Zx9Qw3Er5Ty7Uu\n'.repeat(n / 100)}`);
    same(`${'discord '.repeat(300)}discord = ${'ab12'.repeat(16)}\n`);
    // Rules sharing a keyword share its windows and their operators: each must still find its own.
    const tw = (n: number) => 'Zx9Qw3Er5Ty7Uu1Io2Pa3Sd4Fg5Hj6Kl7'.repeat(2).slice(0, n);
    for (const n of [100, 3000]) same(`${'twitter '.repeat(n)} twitter_api_key = ${tw(25)}\n${'x '.repeat(n)}twitter_secret: ${tw(50)}\ntwitter_token: 12345678-${tw(40)}\n${'twitter='.repeat(n)}`);
  });

  test('curl rules find what their regex finds, however far the option is from `curl`', () => {
    const hdr = ' -H "Authorization: Bearer Zx9Qw3Er5Ty7Uu"';
    for (const gap of ['', 'x'.repeat(250), 'x'.repeat(257), '\n', '\r\n', 'x\n'.repeat(5), 'x\n'.repeat(6), '\n\n\n', '\u2028', `x${'y'.repeat(300)}\n`]) {
      same(`curl${gap}${hdr}`);
      same(`curl ${gap} -u admin:Zx9Qw3Er5Ty7 x`);
      same(`curl curl ${gap}${hdr}${hdr} curl -u 'a:Zx9Qw3Er5Ty7'`);
    }
    same('curl '.repeat(3000) + hdr);
    same(`${'curl -H "Authorization: '.repeat(500)}`);
  });

  test('a literal after a word boundary: inside a word it is skipped, after any other character it is found', () => {
    const jwt = `eyJ${'aB3c'.repeat(6)}.eyJ${'aB3c'.repeat(6)}.${'sig0'.repeat(4)}`;
    for (const before of ['', ' ', 'k', '_', '9', 'é', '\u00a0', '-', '"']) {
      for (const t of [jwt, `AIza${'aB3_'.repeat(9)}abc`, `glpat-${'aB3c'.repeat(5)}`, `ATATT3${'aB3c'.repeat(48)}`, `atatt3${'aB3c'.repeat(48)}`]) {
        same(`${before}${t} `);
        same(`x${before}${t}\n${before}${t}`);
      }
    }
    same('key='.repeat(3000) + jwt);
    same(`${'xey'.repeat(4000)} ${jwt}`);
  });

  test('rules starting with a literal find what their regex finds', () => {
    // The last ones start with one of a group of literals (`(?:EAAA|sq0atp-)`, `sk_(?:test|live)_`).
    const grouped = ['EAAA', 'sq0atp-', 'sk_live_', 'rk_prod_', 'ghs_', 'duffel_test_', 'shippo_live_', 's-s4t2ud-', 'sat.', 'sc_', 'authress_'];
    for (const lit of ['glpat-', 'SG.', 'sk-ant-api03-', 'xoxb-', 'xoxs-', 'dop_v1_', 'AIza', ...grouped]) {
      for (const n of [4, 5, 10, 19, 20, 22, 26, 27, 30, 31, 35, 36, 40, 43, 60, 61, 64, 66, 93, 95, 99, 100, 300, 301]) {
        for (const tail of ['', ' ', '.ab1234567 ', 'AA ', '-12345678901-abcdefghijklmnopqrstuvwxyz', '"', '.abcd.acc_0123456789.abcdefghijklmnopqrstuvwxyz0123 ']) {
          same(`x ${lit}${'aB3_'.repeat(80).slice(0, n)}${tail}`);
          same(`x ${lit}${'aB3c'.repeat(80).slice(0, n)}${tail}`);
          same(`x ${lit}${'0a1b'.repeat(80).slice(0, n)}${tail}`);
        }
      }
      same(lit.repeat(3000));
    }
    // Secrets of the grouped-prefix rules as they occur, then one character too short or too long.
    const hi = 'Zx9Qw3Er5Ty7Uu2Io8Pa4Sd6Fg1Hj0Kl9Mn8Bv7Cx6ZqWeRtYuIoPaSdFgHjKlZxCvBnMq1W2e3R4t5Y6u7I8o9P0aSdFgHjKl';
    const hex = '9f3a7c1e5b2d8046'.repeat(8);
    for (const d of [0, -1, 1]) {
      for (const p of ['ghs_', 'ghu_']) same(`x ${p}${hi.slice(0, 36 + d)} `);
      for (const p of ['pat.', 'sat.']) same(`x ${p}${hi.slice(0, 22 + d)}.${hi.slice(30, 54)}.${hi.slice(60, 80)} `);
      for (const p of ['s-s4t2ud-', 's-s4t2af-']) same(`x ${p}${hex.slice(0, 64 + d)} `);
      for (const p of ['shippo_live_', 'shippo_test_']) same(`x ${p}${hex.slice(0, 40 + d)} `);
      for (const p of ['EAAA', 'sq0atp-']) same(`x ${p}${hi.slice(0, 22 + d)} x ${p}${hi.slice(0, 60 + d)} `);
      for (const p of ['sk_test_', 'rk_prod_']) same(`x ${p}${hi.slice(0, 10 + d)} x ${p}${hi.slice(0, 99 + d)} `);
      for (const p of ['duffel_test_', 'duffel_live_']) same(`x ${p}${hi.slice(0, 43 + d)}`);
    }
    // Rules whose prefix run is followed by a required character: that character, another, none.
    for (const sep of ['-', '_', '.', '=', '', ' ']) {
      same(`x xoxs${sep}1234567890${sep}1234567890${sep}1234567890${sep}abcdef0123 xoxa${sep}2${sep}${hi.slice(0, 20)}`);
      same(`x glcbt-${hi.slice(0, 5)}${sep}${hi.slice(10, 30)} glsa_${hi.slice(0, 32)}${sep}${hex.slice(0, 8)} `);
      same(`x _gitlab_session${sep}${hex.slice(0, 32)} A3-${hi.slice(0, 6).toUpperCase()}${sep}${hi.slice(0, 11).toUpperCase()}-ABCDE-FGHIJ-KLMNO `);
      same(`x eyJ${hi.slice(0, 30)}${sep}eyJ${hi.slice(30, 60)}${sep}${hi.slice(0, 20)} `);
    }
  });

  test('private keys: "PRIVATE KEY" within 100 characters of "BEGIN" in a PEM header is found as the regex finds it', () => {
    // Built from parts, so no PEM header stands in the source for secret scanners to report.
    const dashes = '-'.repeat(5);
    const pk = ['PRIVATE', 'KEY'].join(' ');
    const end = (kind: string) => `${dashes}END ${kind}${dashes}`;
    const body = `\n${'MIIEowIBAAKCAQEA'.repeat(8)}\n`;
    for (const n of [0, 1, 50, 87, 88, 89, 99, 100, 101, 120]) {
      for (const begin of ['BEGIN', 'begin', 'BeGiN'].map((b) => dashes + b)) {
        const head = `${begin}${'A'.repeat(n)}${pk}${dashes}`;
        same(`${head}${body}${end(pk)}`);
        same(`${begin} ${'x'.repeat(n)} ${head}${body}${end(`RSA ${pk}`)}`);
        same(`${`${begin} `.repeat(n)}${'RSA '.repeat(n >> 2)}${pk.toLowerCase()}${dashes}${body}key${dashes}`);
        // What must follow "PRIVATE KEY": the closing dashes or " BLOCK" and them, and nothing else.
        for (const after of [` BLOCK${dashes}`, ` block${dashes}`, '----', ' BLOCK----', ` BLOCKS${dashes}`, ` ${dashes}`]) {
          same(`${begin}${'A'.repeat(n)}${pk}${after}${body}${end(`${pk} BLOCK`)}`);
        }
      }
    }
    same(`${`${dashes}BEGIN`.repeat(3000)} ${pk}${dashes}${body}${end(pk)}`);
    same(`${`${dashes}BEGIN ${pk}`.repeat(300)}${dashes}${body}${end(pk)}`);
    same(`${`${dashes}BEGIN ${pk} `.repeat(3000)}${dashes}BEGIN ${pk}${dashes}${body}${end(pk)}`);
  });

  test('each precheck lets through exactly the matches its rule regex finds, before entropy and allowlists', () => {
    // Judged findings would hide a precheck that drops a placeholder or a low-entropy match: here
    // each precheck's scan is compared with its rule's global regex, match for match, on texts of
    // the rule's own matches (generated from its regex), keyword-dense fillers and runs, short and
    // repeated past 16 KiB (scanned from operators, or from keyword parts where those are few).
    const file = JSON.parse(readFileSync(new URL('./secret-rules.json', import.meta.url), 'utf8')) as { rules: { id: string; re: string; keywords: string[]; pre?: PrecheckJson }[] };
    const fillers = ['=', ' = ', ':', '"', ' ', '\n', '\\n', ';', '-', '_', 'A'.repeat(70), 'a1B2'.repeat(40), 'x'.repeat(300), '='.repeat(20)];
    const scan = (pre: Precheck, text: string) => {
      const out: [number, number][] = [];
      const on = (m: RegExpExecArray) => void out.push([m.index, m[0].length]);
      if (pre.kind === 'semi') runSemi(pre, text, on);
      else if (pre.kind === 'lit') runLit(pre, text, on);
      else if (pre.kind === 'alt') runAlt(pre, text, on);
      return out;
    };
    const reference = (re: RegExp, text: string) => {
      const out: [number, number][] = [];
      re.lastIndex = 0;
      for (let m: RegExpExecArray | null; (m = re.exec(text)) !== null; ) {
        if (m[0].length === 0) re.lastIndex++;
        else out.push([m.index, m[0].length]);
      }
      return out;
    };
    // Runs of a precheck's classes one short of, at and one past its bounds, and its literals.
    const boundaryRuns = (p: PrecheckJson): string[] => {
      if (p.kind === 'alt') return p.parts.flatMap(boundaryRuns);
      if (p.kind === 'split') return [];
      const runs = (cls: string, min: number, max: number | null) => {
        const table = asciiTable(cls);
        const c = String.fromCharCode(table.findLastIndex((x) => x === 1));
        return [min - 1, min, max ?? min + 1, (max ?? min) + 1].filter((k) => k >= 0).map((k) => c.repeat(k));
      };
      if (p.kind === 'lit') return [p.lit, ...runs(p.cls, p.min, p.max)];
      return (p.alts ?? []).flatMap(([cls, min, max]) => runs(cls, min, max));
    };
    let checked = 0;
    for (const r of file.rules) {
      if (!r.pre || r.pre.kind === 'split') continue;
      const pre = compilePrecheck(r.re, r.pre, ruleFlags(r.re, 'y'));
      const re = new RegExp(r.re, 'g');
      const words = [...r.keywords, ...r.keywords.map((k) => k.toUpperCase()), ...boundaryRuns(r.pre)];
      // fast-check generates from the regex without its word boundaries (it has none); a sample
      // then may or may not match, as the fillers beside it decide.
      const piece = fc.oneof(fc.stringMatching(new RegExp(r.re.replace(/(?<!\\)\\b/g, '')), { size: 'small' }), fc.constantFrom(...words, ...fillers));
      fc.assert(
        fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.boolean(), (ps, long) => {
          const unit = ps.join('');
          const text = long ? unit.repeat(Math.ceil(17000 / Math.max(unit.length, 1))) + ps[0] : unit;
          assert.deepEqual(scan(pre, text), reference(re, text), `${r.id}: ${JSON.stringify(text.slice(0, 200))}`);
        }),
        { seed: 20261122, numRuns: 24 },
      );
      checked++;
    }
    assert.ok(checked > 140, `${checked} rules checked`);
  });

  test('texts of keywords, operators and runs, short and long, find what the regexes find', () => {
    // Pieces the prechecks reason about: keyword parts, literals, operators and separators, runs
    // of secret classes shorter and longer than rules' bounds, terminators. Repeated past 16 KiB,
    // a text is scanned from operators (or from keyword parts where they are few), and its long
    // runs are read by the regex engine; shorter, from keyword parts.
    const dropboxLong = `Zx9Qw3Er5Ty${'A'.repeat(10)}${'a1B2-_='.repeat(6)}Z`; // 11, 10 and 43 characters
    const pieces = [dropboxLong, 'dropbox', 'nytimes', 'New-York-Times,', 'newyorktimes', 'key', 'API_KEY', 'twitter', 'sumo', 'lob', 'live_pub_', 'dnkey-', 'dapi', 'glrt-', 'hvb.', 'xoxb-', 'ghp_', '=', ':', ' = ', '=>', ': "', ' ', '"', ';', '\\n', '\n', '-', 'Zx9Qw3Er5Ty7Uu1', 'a1B2'.repeat(8), 'deadbeef'.repeat(4), 'A'.repeat(40), '0123456789'.repeat(3), 'x'.repeat(200)];
    const text = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 30 });
    fc.assert(fc.property(text, (ps) => same(ps.join(''))), { numRuns: 300 });
    fc.assert(
      fc.property(text, fc.constantFrom(...pieces), (ps, tail) => {
        const unit = ps.join('');
        same(unit.repeat(Math.ceil(17000 / unit.length)) + tail);
      }),
      { numRuns: 40 },
    );
  });

  test('non-ASCII whitespace is what \\s matches beyond ASCII', () => {
    for (let c = 128; c < 65536; c++) assert.equal(isNonAsciiSpace(c), /\s/.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
  });
});
