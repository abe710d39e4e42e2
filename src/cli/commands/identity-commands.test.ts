/** Tests for `warden token|keys|explain|agents` (issue 3). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { authConfigSchema, createAuthenticator } from '../../auth/index.ts';
import { run as token } from './token.ts';
import { run as keys } from './keys.ts';
import { run as explain } from './explain.ts';
import { run as agents } from './agents.ts';

let dir: string;
let configPath: string;
let toolsPath: string;

const CONFIG = `
servers:
  chat: { url: "http://127.0.0.1:1/mcp" }
auth:
  signing: { issuer: warden-local }
agents:
  support-bot: { roles: [support] }
  dev-bot: { roles: [dev] }
roles:
  support:
    allow:
      - { id: support-channels, server: chat, tools: [post_message], when: 'args.channel.startsWith("#support-")' }
  dev:
    allow:
      - { server: chat, tools: ["*"] }
storage: { dataDir: ./state }
`;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), configPath } };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  configPath = join(dir, 'warden.yaml');
  toolsPath = join(dir, 'tools.json');
  writeFileSync(configPath, CONFIG);
  writeFileSync(toolsPath, JSON.stringify([{ server: 'chat', name: 'post_message' }, { server: 'chat', name: 'delete_channel' }]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('token issue prints a token the authenticator accepts', async () => {
  const c = io();
  assert.equal(await token(['issue', '--agent', 'support-bot', '--ttl', '15m'], c.io), 0);
  const t = c.out.join('').trim();
  const a = createAuthenticator(authConfigSchema.parse({}), { dataDir: join(dir, 'state'), rolesFor: () => ['support'] });
  const r = await a.authenticate({ headers: { authorization: `Bearer ${t}` } });
  assert.ok(r.ok && r.agent.id === 'support-bot');
  assert.equal(await token(['issue'], io().io), 2);
  assert.equal(await token(['issue', '--agent', 'x', '--ttl', 'forever'], io().io), 2);
});

test('keys create (shown once), list (never shows it), revoke', async () => {
  const c = io();
  assert.equal(await keys(['create', '--agent', 'dev-bot', '--label', 'laptop'], c.io), 0);
  const key = c.out.join('').trim();
  assert.match(key, /^wdn_/);
  const l = io();
  assert.equal(await keys(['list'], l.io), 0);
  const listing = l.out.join('');
  assert.ok(listing.includes('dev-bot') && listing.includes('laptop') && !listing.includes(key.slice(4)));
  const id = /^(key_[0-9a-f]+)/m.exec(listing.split('\n')[1] ?? '')?.[1];
  assert.ok(id);
  const db = new Database(join(dir, 'state', 'warden.db'));
  const a = createAuthenticator(authConfigSchema.parse({}), { db, dataDir: join(dir, 'state') });
  assert.ok((await a.authenticate({ headers: { 'x-api-key': key } })).ok);
  assert.equal(await keys(['revoke', id], io().io), 0);
  assert.equal(await keys(['revoke', id], io().io), 1);
  db.close();
  assert.equal(await keys(['frobnicate'], io().io), 2);
});

test('explain prints the decision and the rules', async () => {
  const ok = io();
  assert.equal(await explain(['--agent', 'support-bot', '--tool', 'chat__post_message', '--args', '{"channel":"#support-eu"}', '--tools', toolsPath], ok.io), 0);
  assert.match(ok.out.join(''), /ALLOW +decision +allowed by \[support-channels\]/);
  const no = io();
  assert.equal(await explain(['--agent', 'support-bot', '--tool', 'chat__post_message', '--args', '{"channel":"#general"}', '--tools', toolsPath, '--json'], no.io), 1);
  const j = JSON.parse(no.out.join('')) as { decision: { code: string; rule: string } };
  assert.equal(j.decision.code, 'WARDEN_ARGUMENTS_DENIED');
  assert.equal(j.decision.rule, 'support-channels');
  const hidden = io();
  assert.equal(await explain(['--agent', 'support-bot', '--tool', 'chat__delete_channel', '--tools', toolsPath], hidden.io), 1);
  assert.match(hidden.out.join(''), /WARDEN_UNKNOWN_TOOL/);
  assert.equal(await explain(['--agent', 'support-bot', '--tool', 'x', '--args', '{bad', '--tools', toolsPath], io().io), 2);
});

test('agents lists each agent\'s visible tools', async () => {
  const c = io();
  assert.equal(await agents(['--tools', toolsPath, '--json'], c.io), 0);
  assert.deepEqual(JSON.parse(c.out.join('')), [
    { agent: 'support-bot', roles: ['support'], endpoints: [{ virtualServer: 'default', tools: ['chat__post_message'] }] },
    { agent: 'dev-bot', roles: ['dev'], endpoints: [{ virtualServer: 'default', tools: ['chat__post_message', 'chat__delete_channel'] }] },
  ]);
});

test('a bad policy section is reported with its key path', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'servers: {}\nroles:\n  r:\n    allow:\n      - { server: s, tools: [t], when: "args.x +" }\n');
  const c = io();
  assert.equal(await agents(['--tools', toolsPath], { ...c.io, configPath: bad }), 2);
  assert.match(c.err.join(''), /roles\.r\.allow\[0\]\.when/);
});
