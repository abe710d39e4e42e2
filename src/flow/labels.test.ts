import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { annotationLabels, createDynamicLabeler, createLabeler } from './labels.ts';
import { parseFlowsConfig } from './config.ts';

const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('static labels', () => {
  const flows = parseFlowsConfig({});
  const servers = {
    tickets: { labels: ['private_data'], tools: { delete_ticket: { labels: ['audited'] } } },
    web: {},
    shady: { trusted: false },
  };
  const l = createLabeler(servers, flows);

  test('server-level and per-tool admin labels combine', () => {
    assert.deepEqual(sorted(l.labelsFor('tickets', 'get_ticket')), ['private_data']);
    assert.deepEqual(sorted(l.labelsFor('tickets', 'delete_ticket')), ['audited', 'private_data']);
  });

  test('annotations map to labels with the spec defaults', () => {
    assert.deepEqual(annotationLabels({ readOnlyHint: false }), ['external_sink', 'destructive']);
    assert.deepEqual(annotationLabels({ readOnlyHint: false, destructiveHint: false }), ['external_sink']);
    assert.deepEqual(annotationLabels({ readOnlyHint: false, openWorldHint: false }), ['destructive']);
    assert.deepEqual(annotationLabels({ readOnlyHint: true }), ['untrusted_content']);
    assert.deepEqual(annotationLabels({ readOnlyHint: true, openWorldHint: false }), []);
    assert.equal(annotationLabels({ title: 'x' }), undefined);
    assert.equal(annotationLabels(undefined), undefined);
  });

  test('annotations add to admin labels and never remove them', () => {
    const t = { name: 'delete_ticket', annotations: { readOnlyHint: true, openWorldHint: false } };
    assert.deepEqual(sorted(l.labelsFor('tickets', t)), ['audited', 'private_data']);
    const s = { name: 'notify', annotations: { readOnlyHint: false, destructiveHint: false } };
    assert.deepEqual(sorted(l.labelsFor('tickets', s)), ['external_sink', 'private_data']);
  });

  test('when_unlabelled uses annotations only for tools the admin did not label', () => {
    const l2 = createLabeler(servers, parseFlowsConfig({ annotations: 'when_unlabelled' }));
    const s = { name: 'notify', annotations: { readOnlyHint: false, destructiveHint: false } };
    assert.deepEqual(sorted(l2.labelsFor('tickets', s)), ['private_data']);
    assert.deepEqual(sorted(l2.labelsFor('web', s)), ['external_sink']);
  });

  test('annotations of untrusted servers are ignored; unlabelled tools get the default', () => {
    const closed = { name: 'x', annotations: { readOnlyHint: true, openWorldHint: false } };
    assert.deepEqual(sorted(l.labelsFor('web', closed)), []);
    assert.deepEqual(sorted(l.labelsFor('shady', closed)), ['external_sink', 'untrusted_content']);
    assert.deepEqual(sorted(l.labelsFor('web', 'plain')), ['external_sink', 'untrusted_content']);
    assert.deepEqual(sorted(l.labelsFor('unknown-server', 'plain')), ['external_sink', 'untrusted_content']);
  });

  test('the unlabelled default is configurable', () => {
    const l3 = createLabeler({}, parseFlowsConfig({ unlabelled: ['untrusted_content'] }));
    assert.deepEqual(sorted(l3.labelsFor('a', 'b')), ['untrusted_content']);
  });
});

describe('dynamic labels', () => {
  test('conditions on the result add labels, scoped by server and tool globs', () => {
    const d = createDynamicLabeler([
      { server: 'github', tools: ['get_*'], when: 'result.structuredContent.visibility == "public"', add: ['untrusted_content'] },
      { id: 'big', when: 'has(args.limit) && args.limit > 100', add: ['bulk_read'] },
    ]);
    const pub = { structuredContent: { visibility: 'public' } };
    assert.deepEqual(d.labelsFor('github', 'get_repo', {}, pub), [{ label: 'untrusted_content', rule: 'dynamic[0]' }]);
    assert.deepEqual(d.labelsFor('github', 'list_repos', {}, pub), []);
    assert.deepEqual(d.labelsFor('github', 'get_repo', {}, { structuredContent: { visibility: 'private' } }), []);
    assert.deepEqual(d.labelsFor('x', 'y', { limit: 500 }, {}), [{ label: 'bulk_read', rule: 'big' }]);
    assert.deepEqual(d.labelsFor('x', 'y', {}, {}), []);
  });

  test('a condition that cannot be evaluated errs toward more taint', () => {
    const d = createDynamicLabeler([{ when: 'result.structuredContent.visibility == "public"', add: ['untrusted_content'] }]);
    assert.deepEqual(d.labelsFor('a', 'b', {}, { content: [] }).map((x) => x.label), ['untrusted_content']);
  });

  test('bad CEL is a load-time TypeError naming the key path', () => {
    assert.throws(() => createDynamicLabeler([{ when: 'result.', add: ['x'] }]), (e: unknown) => e instanceof TypeError && /flows\.dynamic\[0\]\.when/.test(e.message));
  });
});
