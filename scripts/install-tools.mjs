#!/usr/bin/env node
// postinstall: installs tools/conformance (the MCP conformance suite and the Node 22 it needs)
// from its own lockfile, apart from the project so Node 22 never shadows the project's Node.
// Skipped when already installed from the same lockfile.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'tools', 'conformance');
const lock = join(dir, 'package-lock.json');
const stamp = join(dir, 'node_modules', '.warden-installed');
const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(dir, 'node_modules/node/bin/node'))) process.exit(0);

// A clean environment for the nested npm: the outer install's npm_config_* would redirect it.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
const npm = process.env.npm_execpath;
const cmd = npm ? process.execPath : 'npm';
const args = npm ? [npm, 'ci', '--no-audit', '--no-fund'] : ['ci', '--no-audit', '--no-fund'];
const r = spawnSync(cmd, args, { cwd: dir, env, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('warden: installing tools/conformance failed; `npm run conformance` will not run');
  process.exit(r.status ?? 1);
}
writeFileSync(stamp, hash);
