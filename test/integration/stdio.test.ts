/** `warden stdio`: the same aggregate served over stdio to a client that launches a command. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { EVERYTHING, ROOT, RUN_TS } from '../helpers.ts';

test('warden stdio lists and calls namespaced tools of several upstreams', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-stdio-'));
  const config = join(dir, 'warden.yaml');
  writeFileSync(config, `logging: { level: warn }
servers:
  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }
  crashy: { command: ${JSON.stringify([process.execPath, RUN_TS, join(ROOT, 'test/fixtures/crashy-server.ts')])} }
`);
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'bin/warden.js'), 'stdio', '--config', config], stderr: 'ignore' }));
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('everything__echo') && names.includes('crashy__hello'), names.join(','));
    const r = await client.callTool({ name: 'crashy__hello', arguments: { name: 'stdio' } });
    assert.match((r.content as { text: string }[])[0]!.text, /hello stdio/);
    const unknown = await client.callTool({ name: 'crashy__nope', arguments: {} });
    assert.equal(unknown.isError, true);
  } finally {
    await client.close();
  }
});
