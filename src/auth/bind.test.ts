import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authConfigSchema, checkAuthBind, isLoopbackHost } from './index.ts';

test('loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', 'localhost.example.com', '']) assert.equal(isLoopbackHost(h), false, h);
});

test('auth.mode none is refused on a non-loopback bind, naming the key path', () => {
  const none = authConfigSchema.parse({ mode: 'none' });
  assert.equal(checkAuthBind(none, '127.0.0.1'), undefined);
  assert.match(checkAuthBind(none, '0.0.0.0') ?? '', /^auth\.mode: .*auth\.allowInsecureNonLoopback/);
  assert.equal(checkAuthBind({ ...none, allowInsecureNonLoopback: true }, '0.0.0.0'), undefined);
  assert.equal(checkAuthBind(authConfigSchema.parse({}), '0.0.0.0'), undefined);
});
