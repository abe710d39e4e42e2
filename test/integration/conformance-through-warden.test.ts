/**
 * The official conformance suite through Warden: the fixture server (every active scenario) and
 * server-everything, each directly and through Warden with HTTP and stdio upstreams. The script
 * fails when Warden loses any scenario the upstream passes directly. See docs/conformance.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';

test('conformance through Warden matches the upstreams directly', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/conformance.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-4000));
  assert.match(out, /fixture warden\/http\s+30\/30 scenarios pass/);
  assert.match(out, /fixture warden\/stdio\s+30\/30 scenarios pass/);
  assert.match(out, /\d+ passed, 0 failed/);
});
