/** The README's config reference and the shipped examples stay valid configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, loadConfigFile } from '../src/config/index.ts';
import { ROOT } from './helpers.ts';

test('the README config example validates', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'a yaml block in the README');
  const env = { FILES_API_KEY: 'x', TICKETS_TOKEN: 'y', ALICE_APPROVER_TOKEN: 'an-approver-token-of-some-length', APPROVAL_LINK_KEY: 'z'.repeat(32) };
  const { config } = parseConfig(block.replaceAll('[...]', '[localhost]'), { env, path: join(ROOT, 'README.yaml') });
  assert.deepEqual(Object.keys(config.servers), ['files', 'tickets']);
  assert.equal(config.roles.support?.allow.length, 2);
});

test('the shipped example configs validate', () => {
  for (const f of ['examples/quickstart.yaml', 'examples/bench.yaml', 'examples/bench-core.yaml', 'examples/demo/demo.yaml']) {
    assert.ok(loadConfigFile(join(ROOT, f), {}).config, f);
  }
});
