import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretsDetector, shannonEntropy } from './secrets.ts';
import { createKeywordMatcher } from './keywords.ts';

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

  test('allowlists and entropy suppress placeholders', () => {
    assert.deepEqual(det.scan('aws_access_key_id = AKIAIOSFODNN7EXAMPLE'), []);
    assert.deepEqual(det.scan('api_key = "xxxxxxxxxxxxxxxxxxxxxxxx"'), []);
    assert.deepEqual(det.scan('password = ${DB_PASSWORD}'), []);
  });

  test('large texts are scanned in windows around keywords, with correct offsets', () => {
    const s = `${'lorem ipsum '.repeat(5000)}token: ${GH} ${'dolor '.repeat(5000)}`;
    const f = det.scan(s).find((x) => x.rule === 'secrets.github-pat');
    assert.ok(f);
    assert.equal(s.slice(f.start, f.end), GH);
  });

  test('include/exclude select rules', () => {
    assert.deepEqual(createSecretsDetector({ exclude: ['github-pat', 'generic-api-key'] }).scan(`token: ${GH}`), []);
    assert.equal(createSecretsDetector({ include: ['github-pat'] }).scan(`x ${GH}`).length, 1);
  });

  test('hostile input does not throw', () => {
    assert.doesNotThrow(() => det.scan('key='.repeat(20000) + 'curl -H '.repeat(2000)));
  });

  test('entropy and keyword matcher helpers', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    const m = createKeywordMatcher(['he', 'she', 'hers']);
    assert.deepEqual(m.find('ushers').map((h) => [h.keyword, h.start]), [[1, 1], [0, 2], [2, 2]]);
  });
});
