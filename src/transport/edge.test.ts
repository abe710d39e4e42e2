import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { WardenError } from '../errors/index.ts';
import { checkOrigin, jsonDepth, originPolicy, parseMessage } from './edge.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('jsonDepth counts nesting outside strings, in one pass', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":2}]}', 100), 3);
  assert.equal(jsonDepth('{"a":"[[[[{{{{"}', 100), 1);
  assert.equal(jsonDepth('{"a":"\\"[["}', 100), 1);
  assert.equal(jsonDepth('['.repeat(1_000_000), 64), 65, 'stops at the bound');
});

test('parseMessage: requests, notifications, responses and every kind of garbage', () => {
  assert.equal(parseMessage(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'), 64).kind, 'request');
  assert.equal(parseMessage(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'), 64).kind, 'notification');
  assert.equal(parseMessage(Buffer.from('{"jsonrpc":"2.0","id":"x","result":{}}'), 64).kind, 'response');
  const code = (s: string) => { try { parseMessage(Buffer.from(s), 64); return 'ok'; } catch (e) { return (e as WardenError).code; } };
  assert.equal(code('nope'), 'WARDEN_PARSE_ERROR');
  assert.equal(code('[]'), 'WARDEN_BATCH_UNSUPPORTED');
  assert.equal(code('1'), 'WARDEN_INVALID_REQUEST');
  assert.equal(code('{"jsonrpc":"2.0","id":{},"method":"x"}'), 'WARDEN_INVALID_REQUEST');
  assert.equal(code('{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}'), 'WARDEN_INVALID_REQUEST');
  // Any input at all: a typed error or a message, never another exception.
  fc.assert(fc.property(fc.string(), (s) => ['ok', 'WARDEN_PARSE_ERROR', 'WARDEN_BATCH_UNSUPPORTED', 'WARDEN_INVALID_REQUEST', 'WARDEN_TOO_DEEP'].includes(code(s))));
  fc.assert(fc.property(fc.json(), (s) => typeof code(s) === 'string'));
});

test('DNS-rebinding policy: loopback binds accept only loopback Host; Origin must be allowed', () => {
  const p = originPolicy('127.0.0.1');
  assert.equal(checkOrigin(req({ host: '127.0.0.1:8788' }), p), undefined);
  assert.equal(checkOrigin(req({ host: 'localhost' }), p), undefined);
  assert.equal(checkOrigin(req({ host: '[::1]:8788' }), p), undefined);
  assert.equal(checkOrigin(req({ host: 'evil.example:8788' }), p)?.code, 'WARDEN_BAD_HOST');
  assert.equal(checkOrigin(req({ host: 'localhost', origin: 'http://localhost:6274' }), p), undefined);
  assert.equal(checkOrigin(req({ host: 'localhost', origin: 'https://evil.example' }), p)?.code, 'WARDEN_BAD_ORIGIN');
  assert.equal(checkOrigin(req({ host: 'localhost', origin: 'null' }), p)?.code, 'WARDEN_BAD_ORIGIN');
  const open = originPolicy('0.0.0.0', undefined, ['https://app.example.com']);
  assert.equal(checkOrigin(req({ host: 'warden.internal', origin: 'https://app.example.com' }), open), undefined);
});
