import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, WardenError } from './catalogue.ts';
import { renderErrorsDoc } from './doc.ts';

test('docs/errors.md lists exactly the catalogue (regenerate with scripts/gen-errors-doc.ts)', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  assert.equal(doc, renderErrorsDoc());
  const inDoc = [...doc.matchAll(/^\| `(WARDEN_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(inDoc, Object.keys(ERRORS));
});

test('every code is WARDEN_-prefixed with a JSON-RPC code, an HTTP status and a safe message', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(code, /^WARDEN_[A-Z_]+$/);
    assert.ok(Number.isInteger(spec.rpc) && spec.rpc < 0, code);
    assert.ok(spec.http >= 200 && spec.http < 600, code);
    assert.ok(spec.message.length > 0 && spec.when.length > 0, code);
  }
});

test('a WardenError serialises its code into JSON-RPC error data; a relayed error keeps the upstream’s', () => {
  const e = new WardenError('WARDEN_UNKNOWN_TOOL', 'x__y');
  assert.deepEqual(e.toJsonRpc(), { code: -32602, message: 'Unknown tool: x__y', data: { code: 'WARDEN_UNKNOWN_TOOL' } });
  const r = WardenError.relayed(-32042, 'upstream says', { a: 1 });
  assert.deepEqual(r.toJsonRpc(), { code: -32042, message: 'upstream says', data: { a: 1 } });
  assert.equal(r.code, 'WARDEN_UPSTREAM_ERROR');
  assert.ok(r instanceof WardenError);
});
