/** Where the CLI finds the gateway's data: the one resolution every command shares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirForConfig, dbPathForConfig } from './sqlite.ts';

test('database path convention: --db wins, else <config dir>/.warden when the config cannot be loaded', () => {
  assert.equal(dbPathForConfig('conf/warden.yaml', undefined, '/srv'), '/srv/conf/.warden/warden.db');
  assert.equal(dbPathForConfig('conf/warden.yaml', 'x.db', '/srv'), '/srv/x.db');
  assert.equal(dbPathForConfig(undefined, undefined, '/srv'), '/srv/.warden/warden.db');
});

test('storage.dataDir is honoured as the gateway honours it; --data-dir overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-store-'));
  try {
    const configPath = join(dir, 'warden.yaml');
    writeFileSync(configPath, 'servers: {}\nstorage: { dataDir: /var/lib/warden }\n');
    assert.equal(dataDirForConfig(configPath), '/var/lib/warden');
    assert.equal(dbPathForConfig(configPath), '/var/lib/warden/warden.db');
    writeFileSync(configPath, 'servers: {}\nstorage: { dataDir: ./state }\n');
    assert.equal(dataDirForConfig(configPath, undefined, '/elsewhere'), join(dir, 'state'));
    assert.equal(dataDirForConfig(configPath, 'mine', '/srv'), '/srv/mine');
    // A config that does not validate still finds the default place.
    writeFileSync(configPath, 'servers: {}\nnot_a_key: 1\n');
    assert.equal(dataDirForConfig(configPath), join(dir, '.warden'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
