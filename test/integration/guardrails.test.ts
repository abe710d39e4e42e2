/**
 * Guardrails through the whole gateway, against server-everything: a block is a clear tool error
 * naming the rule and carrying none of the blocked content; a redaction reaches the agent redacted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/client';
import { EVERYTHING, connect, startTestWarden, type TestWarden } from '../helpers.ts';

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]!.text);

describe('guardrails in the pipeline', () => {
  let w: TestWarden;
  let client: Client;
  before(async () => {
    w = await startTestWarden(`server: { host: 127.0.0.1, port: 0 }
servers:
  everything: { command: ${JSON.stringify([process.execPath, EVERYTHING, 'stdio'])} }
guardrails:
  input:
    - { id: no-secrets-out, detector: secrets, tools: ["echo"], action: block }
  output:
    - { id: redact-pii, detector: pii, action: redact }
    - { id: flag-injection, detector: prompt_injection, action: label, label: suspected_injection }
`);
    client = await connect(w.url);
  });
  after(async () => {
    await client?.close();
    await w?.stop();
  });

  test('a blocked argument is a tool error naming the rule, without the secret', async () => {
    const secret = 'AKIAIOSFODNN7EXAMPLF';
    const r = await client.callTool({ name: 'everything__echo', arguments: { message: `key ${secret} aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY` } });
    assert.equal(r.isError, true);
    assert.equal((r._meta?.['warden/error'] as { code?: string })?.code, 'WARDEN_GUARDRAIL_BLOCKED');
    assert.match(text(r), /no-secrets-out/);
    assert.doesNotMatch(JSON.stringify(r), /AKIAIOSFODNN7EXAMPLF|wJalrXUtnFEMI/);
  });

  test('personal data in a result reaches the agent redacted', async () => {
    const r = await client.callTool({ name: 'everything__echo', arguments: { message: 'write to jane.doe@example.com please' } });
    assert.equal(r.isError, undefined);
    assert.match(text(r), /\[REDACTED:email\]/);
    assert.doesNotMatch(text(r), /jane\.doe@example\.com/);
  });

  test('clean calls pass untouched', async () => {
    assert.equal(text(await client.callTool({ name: 'everything__echo', arguments: { message: 'hello' } })), 'Echo: hello');
  });
});
