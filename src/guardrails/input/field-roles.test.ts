import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldLeaf, fieldRole } from './field-roles.ts';

describe('field roles', () => {
  test('the leaf is the last named segment, normalised', () => {
    assert.equal(fieldLeaf('arguments.db_hosts[0]'), 'dbhosts');
    assert.equal(fieldLeaf('arguments.user-name'), 'username');
    assert.equal(fieldLeaf('arguments.items.3'), 'items');
    assert.equal(fieldLeaf(undefined), undefined);
  });
  test('host, identifier and free-text names get their role', () => {
    for (const f of ['arguments.host', 'arguments.hostname', 'arguments.remote_host', 'arguments.ip', 'arguments.ip_address', 'arguments.domain', 'arguments.targets[2].host']) assert.equal(fieldRole(f), 'host', f);
    for (const f of ['arguments.username', 'arguments.user', 'arguments.login', 'arguments.email', 'arguments.user_id', 'arguments.id']) assert.equal(fieldRole(f), 'identifier', f);
    for (const f of ['arguments.description', 'arguments.message', 'arguments.body', 'arguments.comment']) assert.equal(fieldRole(f), 'text', f);
  });
  test('ambiguous names get no role', () => {
    for (const f of ['arguments.name', 'arguments.address', 'arguments.target', 'arguments.server', 'arguments.path', 'arguments.command', 'arguments.query', 'arguments.url', undefined]) assert.equal(fieldRole(f), undefined, String(f));
  });
});
