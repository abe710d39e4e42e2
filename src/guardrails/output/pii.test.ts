import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPiiDetector, luhn, ibanValid } from './pii.ts';

const pii = createPiiDetector();
const kinds = (s: string) => pii.scan(s).map((f) => f.kind).sort();

describe('pii detector', () => {
  test('finds e-mail addresses with offsets', () => {
    const s = 'Contact emma.johnson@bluesparrowtech.com today';
    const [f] = pii.scan(s);
    assert.equal(f?.rule, 'pii.email');
    assert.equal(s.slice(f?.start, f?.end), 'emma.johnson@bluesparrowtech.com');
  });

  test('card numbers need a valid Luhn checksum', () => {
    assert.equal(luhn('4111111111111111'), true);
    assert.deepEqual(kinds('card 4111 1111 1111 1111 exp 12/26'), ['card']);
    assert.deepEqual(kinds('order 4111 1111 1111 1112'), []);
    assert.deepEqual(kinds('id 1234567890123456'), []);
  });

  test('IBANs need a valid mod-97 checksum', () => {
    assert.equal(ibanValid('GB29NWBK60161331926819'), true);
    assert.deepEqual(kinds('pay to GB29 NWBK 6016 1331 9268 19 please'), ['iban']);
    assert.deepEqual(kinds('pay to DE89370400440532013000'), ['iban']);
    assert.deepEqual(kinds('pay to GB29NWBK60161331926818'), []);
  });

  test('an IBAN-shaped run is reported exactly when ibanValid accepts it, spaced or not', () => {
    // Check digits made valid for half the runs, so both answers occur.
    const body = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFXZ'), minLength: 11, maxLength: 26 });
    fc.assert(
      fc.property(fc.constantFrom('GB', 'DE', 'FR', 'NL'), body, fc.boolean(), fc.boolean(), (cc, b, fix, spaced) => {
        let iban = `${cc}00${b}`;
        if (fix) {
          const check = 98 - Number([...`${b}${cc}00`].map((c) => parseInt(c, 36)).join('').split('').reduce((r, d) => (r * 10 + Number(d)) % 97, 0));
          iban = `${cc}${String(check).padStart(2, '0')}${b}`;
        }
        const text = spaced ? iban.replace(/(.{4})/g, '$1 ').trim() : iban;
        assert.equal(kinds(`pay to ${text} please`).includes('iban'), ibanValid(iban), text);
      }),
      { numRuns: 2000 },
    );
  });

  test('SSNs in valid ranges only', () => {
    assert.deepEqual(kinds('SSN 123-45-6789'), ['ssn']);
    assert.deepEqual(kinds('SSN 666-45-6789 and 000-12-3456 and 900-12-3456 and 123-00-4567'), []);
  });

  test('UK National Insurance numbers', () => {
    assert.deepEqual(kinds('NI: AB 12 34 56 C'), ['nino']);
    assert.deepEqual(kinds('NI: QQ123456C'), []);
    assert.deepEqual(kinds('NI: GB123456A'), []);
  });

  test('phone numbers in international and NANP shapes', () => {
    assert.deepEqual(kinds('call +44 20 7946 0958'), ['phone']);
    assert.deepEqual(kinds('call (415) 555-2671'), ['phone']);
    assert.deepEqual(kinds('total 98.70 on 2024-05-14'), []);
  });

  test('IPv4 and IPv6 addresses', () => {
    assert.deepEqual(kinds('host 192.168.1.20 up'), ['ipv4']);
    assert.deepEqual(kinds('host 2001:db8::8a2e:370:7334 up'), ['ipv6']);
    assert.deepEqual(kinds('at 12:30:45 the version 1.2.3.4.5 shipped'), []);
    assert.deepEqual(kinds('999.1.1.1'), []);
  });

  test('IPv6: long colon and hex runs hold no address, an address after one is still found', () => {
    assert.deepEqual(kinds(':'.repeat(500)), []);
    assert.deepEqual(kinds('1:'.repeat(500)), []);
    const s = `${'ab:'.repeat(300)} and fe80::1 here`;
    const f = pii.scan(s).filter((x) => x.kind === 'ipv6');
    assert.deepEqual(f.map((x) => s.slice(x.start, x.end)), ['fe80::1']);
    assert.deepEqual(kinds('1:2:3:4:5:6:7:8:9'), []);
    assert.deepEqual(kinds('x ::1 y'), ['ipv6']);
  });

  test('e-mail needs a local part and a dotted domain with a 2+ letter TLD', () => {
    assert.deepEqual(kinds('a@b x@y.c @example.com'), []);
    const s = `${'@'.repeat(300)}${'a@'.repeat(300)} mail ann@mail.example.org`;
    const f = pii.scan(s).filter((x) => x.kind === 'email');
    assert.deepEqual(f.map((x) => s.slice(x.start, x.end)), ['ann@mail.example.org']);
  });

  test('card checks: length, issuer prefix, repeated digits, separators', () => {
    assert.deepEqual(kinds('amex 3782-822463-10005'), ['card']);
    assert.deepEqual(kinds('x 4444 4444 4444 4444 x'), []);
    assert.deepEqual(kinds('x 7992 7398 7130 x 1234'), []);
  });

  test('hostile input does not throw', () => {
    assert.doesNotThrow(() => pii.scan('@'.repeat(10000) + 'a'.repeat(10000) + '1-'.repeat(5000)));
  });

  test('kinds option limits rules', () => {
    const only = createPiiDetector({ kinds: ['email'] });
    assert.deepEqual(only.scan('a@b.co 123-45-6789').map((f) => f.kind), ['email']);
  });
});
