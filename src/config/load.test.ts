import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './load.ts';

const problems = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(text, { env });
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
};

test('a minimal config gets defaults and is frozen', () => {
  const { config } = parseConfig('servers:\n  a: { command: [x] }\n', { env: {} });
  assert.equal(config.server.port, 8788);
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.servers.a!.timeoutMs, 60_000);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.servers.a));
});

test('unknown keys are errors naming the key path and line', () => {
  const p = problems('server:\n  port: 1\n  prot: 2\nservers: {}\n');
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^server\.prot \(line 3\): unknown key 'prot'/);
  const q = problems('servers:\n  a:\n    command: [x]\n    evn: {}\n');
  assert.match(q[0]!, /servers\.a/);
});

test('type errors name the path and line', () => {
  const p = problems('server:\n  port: "eighty"\nservers: {}\n');
  assert.match(p[0]!, /^server\.port \(line 2\):/);
});

test('YAML syntax errors give the line', () => {
  const p = problems('servers:\n  a: { command: [x]\n');
  assert.match(p[0]!, /^line \d+:/);
});

test('secrets come from the environment or files, never required inline; values never appear in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'token'), 's3cr3t-file\n');
  const { config } = parseConfig('servers:\n  a: { url: "http://127.0.0.1/mcp", headers: { authorization: "Bearer ${env:TOK}", x-file: "${file:token}" } }\n', {
    env: { TOK: 's3cr3t-env' },
    path: join(dir, 'w.yaml'),
  });
  const a = config.servers.a as { headers: Record<string, string> };
  assert.equal(a.headers.authorization, 'Bearer s3cr3t-env');
  assert.equal(a.headers['x-file'], 's3cr3t-file');
  const p = problems('servers:\n  a: { url: "http://127.0.0.1/mcp", headers: { authorization: "${env:MISSING}" } }\n');
  assert.deepEqual(p, ['servers.a.headers.authorization: environment variable MISSING is not set']);
});

test('env defaults and ${configDir}', () => {
  const { config } = parseConfig('servers:\n  a: { command: [x], env: { F: "${env:NOPE:-${configDir}/m.json}" } }\n', { env: {}, path: '/srv/w/warden.yaml' });
  assert.equal((config.servers.a as { env: Record<string, string> }).env.F, '/srv/w/m.json');
});

test('warnings: colliding prefixes, plain http to a remote host, no servers', () => {
  const { warnings } = parseConfig('servers:\n  a: { command: [x], prefix: p }\n  b: { url: "http://example.com/mcp", prefix: p }\n', { env: {} });
  assert.ok(warnings.some((w) => /prefix: 'p' is also used/.test(w)));
  assert.ok(warnings.some((w) => /plain http/.test(w)));
  assert.ok(parseConfig('servers: {}\n', { env: {} }).warnings.some((w) => /none configured/.test(w)));
});

test('a server is stdio or HTTP, not a mix', () => {
  const p = problems('servers:\n  a: { command: [x], url: "http://127.0.0.1/" }\n');
  assert.match(p[0]!, /servers\.a/);
});
